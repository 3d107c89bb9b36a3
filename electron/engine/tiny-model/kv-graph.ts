/**
 * Weight-free model folders with a real model's KV shapes, for the KV bench and the tests of both
 * KV modes. Each layer takes its K/V from the hidden state (Slice + Reshape + Transpose) and either
 * - 'gqa': runs GroupQueryAttention over the cache, as Phi-4-mini's ONNX export does, or
 * - 'concat': concatenates past and new K/V into present (DESIGN.md section 5's graph), so the
 *   engine must use its slice-past rewrite; with `attention`, a plain causal softmax attention
 *   (MatMul/Softmax, query heads = KV heads) reads present, so logits depend on the cache.
 * The tokenizer files are the tiny model's; logits are a fixed projection of the last hidden state.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Prng } from '../prng';
import { DT, encodeModel, floatTensor, int64Tensor, node, valueInfo, type NodeProto, type TensorProto } from '../onnx-proto';
import { buildTinyVocab } from './vocab';

export interface KvGraphShape {
  numLayers: number;
  numKvHeads: number;
  numHeads: number;
  headSize: number;
  contextLength: number;
}

/** Phi-4-mini: 32 layers, 24 query heads, 8 KV heads, head size 128. */
export const PHI4_MINI_KV_SHAPE: KvGraphShape = { numLayers: 32, numKvHeads: 8, numHeads: 24, headSize: 128, contextLength: 8192 };

export type KvGraphKind = 'gqa' | 'concat';

export function writeKvModel(dir: string, kind: KvGraphKind, shape: KvGraphShape, attention = kind === 'gqa'): string {
  const vocab = buildTinyVocab();
  const V = vocab.vocabSize;
  const { numLayers: L, numKvHeads: H, numHeads: QH, headSize: D } = shape;
  const hidden = QH * D;
  const rng = new Prng(7);
  const embed = new Float32Array(V * hidden).map(() => rng.symmetric(0.1));
  const head = new Float32Array(hidden * V).map(() => rng.symmetric(0.1));

  const inits: TensorProto[] = [
    floatTensor('embed', [V, hidden], embed),
    floatTensor('lm_head', [hidden, V], head),
    int64Tensor('one', [1], [1]),
    int64Tensor('zero', [1], [0]),
    int64Tensor('kv_width', [1], [H * D]),
    int64Tensor('last_axis', [1], [-1]),
    int64Tensor('kv_shape', [4], [1, -1, H, D]),
    int64Tensor('idx1', [], [1]),
  ];
  if (kind === 'concat' && attention && QH !== H) throw new Error('concat attention needs as many query heads as KV heads');
  const nodes: NodeProto[] = [
    node('Gather', ['embed', 'input_ids'], ['h0'], { axis: 0 }),
    node('Slice', ['h0', 'zero', 'kv_width', 'last_axis'], ['kv_flat']),
    node('Reshape', ['kv_flat', 'kv_shape'], ['kv_bshd']),
    node('Transpose', ['kv_bshd'], ['kv_new'], { perm: [0, 2, 1, 3] }),
    node('ReduceSum', ['attention_mask', 'one'], ['mask_sum'], { keepdims: 0 }),
    node('Sub', ['mask_sum', 'one'], ['seqlens_k_64']),
    node('Cast', ['seqlens_k_64'], ['seqlens_k'], { to: DT.INT32 }),
    node('Shape', ['attention_mask'], ['mask_shape']),
    node('Gather', ['mask_shape', 'idx1'], ['total_64'], { axis: 0 }),
    node('Cast', ['total_64'], ['total_len'], { to: DT.INT32 }),
  ];
  const kvDims = (seq: string) => ['batch_size', H, seq, D];
  const inputs = [valueInfo('input_ids', DT.INT64, ['batch_size', 'sequence_length']), valueInfo('attention_mask', DT.INT64, ['batch_size', 'total_sequence_length'])];
  const outputs = [valueInfo('logits', DT.FLOAT, ['batch_size', 'sequence_length', V])];
  let h = 'h0';
  for (let l = 0; l < L; l++) {
    const [pk, pv, ok, ov] = [`past_key_values.${l}.key`, `past_key_values.${l}.value`, `present.${l}.key`, `present.${l}.value`];
    inputs.push(valueInfo(pk, DT.FLOAT, kvDims('past_sequence_length')), valueInfo(pv, DT.FLOAT, kvDims('past_sequence_length')));
    outputs.push(valueInfo(ok, DT.FLOAT, kvDims('total_sequence_length')), valueInfo(ov, DT.FLOAT, kvDims('total_sequence_length')));
    if (kind === 'gqa') {
      nodes.push(node('GroupQueryAttention', [h, 'kv_flat', 'kv_flat', pk, pv, 'seqlens_k', 'total_len'], [`h${l + 1}`, ok, ov], { num_heads: QH, kv_num_heads: H }, 'com.microsoft'));
      h = `h${l + 1}`;
    } else {
      nodes.push(node('Concat', [pk, 'kv_new'], [ok], { axis: 2 }), node('Concat', [pv, 'kv_new'], [ov], { axis: 2 }));
      if (attention) {
        const p = `l${l}`;
        nodes.push(
          node('Transpose', [ok], [`${p}.kT`], { perm: [0, 1, 3, 2] }),
          node('MatMul', ['kv_new', `${p}.kT`], [`${p}.qk`]),
          node('Mul', [`${p}.qk`, 'scale'], [`${p}.scores`]),
          node('Add', [`${p}.scores`, 'causal_bias'], [`${p}.masked`]),
          node('Softmax', [`${p}.masked`], [`${p}.probs`], { axis: -1 }),
          node('MatMul', [`${p}.probs`, ov], [`${p}.ctx`]),
          node('Transpose', [`${p}.ctx`], [`${p}.ctx_t`], { perm: [0, 2, 1, 3] }),
          node('Reshape', [`${p}.ctx_t`, 'hidden_shape'], [`${p}.attn`]),
          node('Add', [h, `${p}.attn`], [`h${l + 1}`]),
        );
        h = `h${l + 1}`;
      }
    }
  }
  if (kind === 'concat' && attention) {
    // causal_bias[s, t] = 0 where t <= past_len + s, else -1e9 (Trilu keeps j <= i + k, k = T - S).
    inits.push(
      int64Tensor('hidden_shape', [3], [1, -1, hidden]),
      floatTensor('scale', [], Float32Array.of(1 / Math.sqrt(D))),
      floatTensor('neg_big', [], Float32Array.of(1e9)),
      floatTensor('f_one', [], Float32Array.of(1)),
    );
    nodes.push(
      node('Shape', ['input_ids'], ['ids_shape']),
      node('Gather', ['ids_shape', 'idx1'], ['seq_64'], { axis: 0 }),
      node('Unsqueeze', ['seq_64', 'zero'], ['seq_1']),
      node('Unsqueeze', ['total_64', 'zero'], ['total_1']),
      node('Concat', ['seq_1', 'total_1'], ['st_shape'], { axis: 0 }),
      node('ConstantOfShape', ['st_shape'], ['ones_st'], { value: floatTensor('v', [1], Float32Array.of(1)) }),
      node('Sub', ['total_64', 'seq_64'], ['past_64']),
      node('Trilu', ['ones_st', 'past_64'], ['allowed'], { upper: 0 }),
      node('Sub', ['allowed', 'f_one'], ['not_allowed']),
      node('Mul', ['not_allowed', 'neg_big'], ['causal_bias']),
    );
  }
  nodes.push(node('MatMul', [h, 'lm_head'], ['logits']));

  const model = encodeModel({
    irVersion: 8,
    producerName: 'slm-deck kv-graph',
    opsetImport: [
      { domain: '', version: 17 },
      { domain: 'com.microsoft', version: 1 },
    ],
    graph: { name: `kv-${kind}`, node: nodes, initializer: inits, input: inputs, output: outputs },
  });
  const config = {
    model: {
      bos_token_id: vocab.idOf('<|endoftext|>'),
      context_length: shape.contextLength,
      decoder: {
        filename: 'model.onnx',
        head_size: D,
        hidden_size: hidden,
        num_attention_heads: QH,
        num_hidden_layers: L,
        num_key_value_heads: H,
        inputs: { input_ids: 'input_ids', attention_mask: 'attention_mask', past_key_names: 'past_key_values.%d.key', past_value_names: 'past_key_values.%d.value' },
        outputs: { logits: 'logits', present_key_names: 'present.%d.key', present_value_names: 'present.%d.value' },
      },
      eos_token_id: [vocab.idOf('<|end|>'), vocab.idOf('<|endoftext|>')],
      pad_token_id: vocab.idOf('<|endoftext|>'),
      type: 'phi3',
      vocab_size: V,
    },
    search: { do_sample: false, max_length: shape.contextLength },
  };
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'model.onnx'), model);
  writeFileSync(path.join(dir, 'genai_config.json'), JSON.stringify(config, null, 2));
  writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(vocab.tokenizerJson));
  writeFileSync(path.join(dir, 'tokenizer_config.json'), JSON.stringify(vocab.tokenizerConfig));
  return dir;
}
