/**
 * A random-weight model with Phi-4-mini's width, built the way onnxruntime-genai's model builder
 * exports the cpu-int4 release, for benches and runtime tests that the tiny demo model is too small
 * to show: hidden 3072, 24 query / 8 KV heads of 128, int4 `MatMulNBits` weights (block 32),
 * GroupQueryAttention over packed QKV with its own rotary (partial, 96 of 128 dims), SiLU MLP of
 * 8192, RMSNorm, and LongRoPE: the cos/sin caches are picked by
 * `If(Greater(attention_mask.shape[1], threshold))`, short factors below, long factors (with their
 * attention scaling) above, so keys cached under one mode do not match queries of the other.
 * Only the layer count (2-4) and the vocabulary (the tiny model's tokenizer) are small.
 * Written to a folder at run time (about 50 MB of weights per layer); never committed.
 *
 *   npx tsx electron/engine/tiny-model/phi4-shape.ts DIR [LAYERS=2] [CONTEXT=4096] [THRESHOLD=4096]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DT, encodeModel, floatTensor, int64Tensor, node, uint8Tensor, valueInfo, type NodeProto, type TensorProto } from '../onnx-proto';
import { Prng } from '../prng';
import { externalize } from './graph';
import { buildTinyVocab } from './vocab';

export const PHI4_MINI_WIDTH = { hiddenSize: 3072, numHeads: 24, numKvHeads: 8, headSize: 128, mlpSize: 8192, rotaryDim: 96 } as const;
/** Phi-4-mini's original_max_position_embeddings: the LongRoPE switch. */
export const PHI4_MINI_ROPE_THRESHOLD = 4096;

export interface Phi4ShapeOptions {
  numLayers: number;
  contextLength: number;
  /** Attention-mask width above which the long rotary factors apply; default Phi-4-mini's 4096. */
  ropeThreshold?: number;
  seed?: number;
}

const BLOCK = 32;

export function writePhi4ShapeModel(dir: string, o: Phi4ShapeOptions): string {
  const { hiddenSize: Hd, numHeads: QH, numKvHeads: KH, headSize: D, mlpSize: F, rotaryDim } = PHI4_MINI_WIDTH;
  const threshold = o.ropeThreshold ?? PHI4_MINI_ROPE_THRESHOLD;
  const ctx = o.contextLength;
  const vocab = buildTinyVocab();
  const V = vocab.vocabSize;
  const rng = new Prng(o.seed ?? 4);
  const inits: TensorProto[] = [];
  const nodes: NodeProto[] = [];

  /** int4 weight [K -> N] with random nibbles (zero point 8) and scales for unit-variance outputs. */
  const int4 = (name: string, K: number, N: number): string => {
    const blocks = Math.ceil(K / BLOCK);
    const bytes = new Uint8Array(N * blocks * (BLOCK / 2));
    const words = new Uint32Array(bytes.buffer);
    // xorshift32 inline: tens of millions of words, too many for a method call each.
    let x = rng.nextUint32() | 1;
    for (let i = 0; i < words.length; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      words[i] = x;
    }
    const scale = 1 / (4.6 * Math.sqrt(K));
    const scales = new Float32Array(N * blocks).map(() => scale * (0.5 + rng.next()));
    inits.push(uint8Tensor(`${name}.qweight`, [N, blocks, BLOCK / 2], bytes), floatTensor(`${name}.scales`, [N * blocks], scales));
    return name;
  };
  const matmul = (input: string, w: string, K: number, N: number, out: string) =>
    node('MatMulNBits', [input, `${w}.qweight`, `${w}.scales`], [out], { K, N, bits: 4, block_size: BLOCK, accuracy_level: 4 }, 'com.microsoft');
  const ones = (name: string, n: number) => {
    inits.push(floatTensor(name, [n], new Float32Array(n).fill(1)));
    return name;
  };
  const rmsNorm = (input: string, gamma: string, out: string) => node('SimplifiedLayerNormalization', [input, gamma], [out], { axis: -1, epsilon: { float: 1e-5 } });

  // LongRoPE caches: inv_freq / factor per rotary pair; long ones scaled as Phi-3's LongRoPE does.
  const half = rotaryDim / 2;
  const caches = (factor: (i: number) => number, mscale: number) => {
    const cos = new Float32Array(ctx * half);
    const sin = new Float32Array(ctx * half);
    for (let p = 0; p < ctx; p++) {
      for (let i = 0; i < half; i++) {
        const angle = (p * 10000 ** ((-2 * i) / rotaryDim)) / factor(i);
        cos[p * half + i] = Math.cos(angle) * mscale;
        sin[p * half + i] = Math.sin(angle) * mscale;
      }
    }
    return { cos, sin };
  };
  const short = caches(() => 1, 1);
  const long = caches((i) => 1 + i / 4, Math.sqrt(1 + Math.log(Math.max(ctx, threshold + 1) / threshold) / Math.log(threshold)));
  inits.push(
    floatTensor('rope.cos_short', [ctx, half], short.cos),
    floatTensor('rope.sin_short', [ctx, half], short.sin),
    floatTensor('rope.cos_long', [ctx, half], long.cos),
    floatTensor('rope.sin_long', [ctx, half], long.sin),
    int64Tensor('one', [1], [1]),
    int64Tensor('idx1', [], [1]),
    int64Tensor('rope.threshold', [], [threshold]),
    int64Tensor('mlp.split', [2], [F, F]),
  );
  const branch = (kind: 'short' | 'long') => ({
    graph: {
      name: `rope_${kind}`,
      node: [node('Identity', [`rope.cos_${kind}`], [`cos_${kind}_out`]), node('Identity', [`rope.sin_${kind}`], [`sin_${kind}_out`])],
      output: [valueInfo(`cos_${kind}_out`, DT.FLOAT, [ctx, half]), valueInfo(`sin_${kind}_out`, DT.FLOAT, [ctx, half])],
    },
  });

  inits.push(floatTensor('model.embed_tokens.weight', [V, Hd], new Float32Array(V * Hd).map(() => rng.symmetric(1))));
  nodes.push(
    node('ReduceSum', ['attention_mask', 'one'], ['mask_sum'], { keepdims: 0 }),
    node('Sub', ['mask_sum', 'one'], ['seqlens_k_64']),
    node('Cast', ['seqlens_k_64'], ['seqlens_k'], { to: DT.INT32 }),
    node('Shape', ['attention_mask'], ['mask_shape']),
    node('Gather', ['mask_shape', 'idx1'], ['total_len_64'], { axis: 0 }),
    node('Cast', ['total_len_64'], ['total_seq_len'], { to: DT.INT32 }),
    node('Greater', ['total_len_64', 'rope.threshold'], ['rope.use_long']),
    node('If', ['rope.use_long'], ['cos_cache', 'sin_cache'], { then_branch: branch('long'), else_branch: branch('short') }),
    node('Gather', ['model.embed_tokens.weight', 'input_ids'], ['h0'], { axis: 0 }),
  );
  let h = 'h0';
  for (let l = 0; l < o.numLayers; l++) {
    const p = `model.layers.${l}`;
    nodes.push(
      rmsNorm(h, ones(`${p}.input_layernorm.weight`, Hd), `${p}.n1`),
      matmul(`${p}.n1`, int4(`${p}.attn.qkv_proj`, Hd, (QH + 2 * KH) * D), Hd, (QH + 2 * KH) * D, `${p}.qkv`),
      node(
        'GroupQueryAttention',
        [`${p}.qkv`, '', '', `past_key_values.${l}.key`, `past_key_values.${l}.value`, 'seqlens_k', 'total_seq_len', 'cos_cache', 'sin_cache'],
        [`${p}.attn`, `present.${l}.key`, `present.${l}.value`],
        { num_heads: QH, kv_num_heads: KH, do_rotary: 1, rotary_interleaved: 0 },
        'com.microsoft',
      ),
      matmul(`${p}.attn`, int4(`${p}.attn.o_proj`, QH * D, Hd), QH * D, Hd, `${p}.o`),
      node('Add', [h, `${p}.o`], [`${p}.h1`]),
      rmsNorm(`${p}.h1`, ones(`${p}.post_attention_layernorm.weight`, Hd), `${p}.n2`),
      matmul(`${p}.n2`, int4(`${p}.mlp.gate_up_proj`, Hd, 2 * F), Hd, 2 * F, `${p}.gu`),
      node('Split', [`${p}.gu`, 'mlp.split'], [`${p}.gate`, `${p}.up`], { axis: -1 }),
      node('Sigmoid', [`${p}.gate`], [`${p}.gate_sig`]),
      node('Mul', [`${p}.gate`, `${p}.gate_sig`], [`${p}.act`]),
      node('Mul', [`${p}.act`, `${p}.up`], [`${p}.mlp_in`]),
      matmul(`${p}.mlp_in`, int4(`${p}.mlp.down_proj`, F, Hd), F, Hd, `${p}.down`),
      node('Add', [`${p}.h1`, `${p}.down`], [`${p}.out`]),
    );
    h = `${p}.out`;
  }
  nodes.push(rmsNorm(h, ones('model.norm.weight', Hd), 'final_norm'), matmul('final_norm', int4('lm_head', Hd, V), Hd, V, 'logits'));

  const kvDims = (seq: string) => ['batch_size', KH, seq, D];
  const inputs = [valueInfo('input_ids', DT.INT64, ['batch_size', 'sequence_length']), valueInfo('attention_mask', DT.INT64, ['batch_size', 'total_sequence_length'])];
  const outputs = [valueInfo('logits', DT.FLOAT, ['batch_size', 'sequence_length', V])];
  for (let l = 0; l < o.numLayers; l++) {
    for (const kv of ['key', 'value']) {
      inputs.push(valueInfo(`past_key_values.${l}.${kv}`, DT.FLOAT, kvDims('past_sequence_length')));
      outputs.push(valueInfo(`present.${l}.${kv}`, DT.FLOAT, kvDims('total_sequence_length')));
    }
  }
  const data = externalize(inits, 'model.onnx.data');
  const model = encodeModel({
    irVersion: 8,
    producerName: 'slm-deck phi4-shape generator',
    opsetImport: [
      { domain: '', version: 17 },
      { domain: 'com.microsoft', version: 1 },
    ],
    graph: { name: 'phi4-shape', node: nodes, initializer: inits, input: inputs, output: outputs },
  });
  const config = {
    model: {
      bos_token_id: vocab.idOf('<|endoftext|>'),
      context_length: ctx,
      decoder: {
        session_options: { log_id: 'onnxruntime-genai', provider_options: [] },
        filename: 'model.onnx',
        head_size: D,
        hidden_size: Hd,
        num_attention_heads: QH,
        num_hidden_layers: o.numLayers,
        num_key_value_heads: KH,
        inputs: { input_ids: 'input_ids', attention_mask: 'attention_mask', past_key_names: 'past_key_values.%d.key', past_value_names: 'past_key_values.%d.value' },
        outputs: { logits: 'logits', present_key_names: 'present.%d.key', present_value_names: 'present.%d.value' },
      },
      eos_token_id: [vocab.idOf('<|end|>'), vocab.idOf('<|endoftext|>')],
      pad_token_id: vocab.idOf('<|endoftext|>'),
      type: 'phi3',
      vocab_size: V,
    },
    search: { do_sample: false, max_length: ctx, past_present_share_buffer: true },
  };
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'model.onnx'), model);
  writeFileSync(path.join(dir, 'model.onnx.data'), data);
  writeFileSync(path.join(dir, 'genai_config.json'), JSON.stringify(config, null, 2));
  writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(vocab.tokenizerJson));
  writeFileSync(path.join(dir, 'tokenizer_config.json'), JSON.stringify(vocab.tokenizerConfig));
  return dir;
}

// CLI only when this source file itself is the script (never from a bundle that includes it).
const self = typeof import.meta.url === 'string' && import.meta.url.endsWith('/phi4-shape.ts') ? fileURLToPath(import.meta.url) : null;
if (self && process.argv[1] && path.resolve(process.argv[1]) === self) {
  const [dir, layers = '2', context = '4096', threshold = String(PHI4_MINI_ROPE_THRESHOLD)] = process.argv.slice(2);
  if (!dir) throw new Error('usage: phi4-shape.ts DIR [LAYERS] [CONTEXT] [THRESHOLD]');
  writePhi4ShapeModel(path.resolve(dir), { numLayers: Number(layers), contextLength: Number(context), ropeThreshold: Number(threshold) });
  process.stdout.write(`realistic-shape model (${layers} layers) written to ${path.resolve(dir)}\n`);
}
