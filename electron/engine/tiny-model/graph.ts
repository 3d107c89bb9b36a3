/**
 * The tiny model's ONNX graph: embedding -> 2 x (GroupQueryAttention + clipped MLP) -> LM head, with
 * Phi-4-mini's tensor names and KV layout [batch, kv_heads, seq, head_size].
 *
 * Hand-set weights make it a lookup table with one bit of memory:
 * - the residual stream holds a one-hot "current token" slot for every token of the two scripted
 *   answers; the LM head maps slot(t) to next(t) with a margin of 10 logits;
 * - layer 0 attends uniformly (zero queries), so it averages V over the whole cached context: V
 *   carries "is <|/tool|>" and "is <|/tool_call|>", the MLP saturates the averages to 0/1 flags;
 * - layer 1's MLP ANDs the flags with "current token is <|assistant|>" and boosts <|tool_call|>.
 * So the answer switches to a tool call only if the past KV really holds the system turn's tools:
 * a decode loop that loses or misplaces the cache answers wrongly.
 * Layer 1 also runs a small random attention over "noise" dims so the cache content shows up in
 * every logit (the KV-reuse test compares cached decoding with a full recompute).
 */
import { Prng } from '../prng';
import { DT, encodeModel, floatTensor, int64Tensor, node, valueInfo, type NodeProto, type TensorProto } from '../onnx-proto';
import { TINY_SHAPES } from './spec';
import type { TinyVocab } from './vocab';

const H = TINY_SHAPES.hiddenSize;
const KV = TINY_SHAPES.numKvHeads * TINY_SHAPES.headSize;
const F = TINY_SHAPES.mlpSize;
const DIM_OTHER = 24;
const DIM_TOOL_CLOSE = 20;
const DIM_ATT_TOOL = 32;
const DIM_ATT_CALL = 33;
const DIM_FLAG_TOOL = 40;
const DIM_FLAG_CALL = 41;
const DIM_GATE = 42;
const NOISE = [48, 64] as const;
const MARGIN = 10;
/** Saturates a context average of at least 1/context_length to 1. */
const FLAG_GAIN = 2 * TINY_SHAPES.contextLength;

class Matrix {
  readonly data: Float32Array;
  constructor(
    readonly rows: number,
    readonly cols: number,
  ) {
    this.data = new Float32Array(rows * cols);
  }
  set(r: number, c: number, v: number): void {
    this.data[r * this.cols + c] = v;
  }
  /** Random entries in rows [r0, r1) x cols [c0, c1). */
  randomBlock(rng: Prng, scale: number, [r0, r1]: readonly [number, number], [c0, c1]: readonly [number, number]): this {
    for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) this.set(r, c, rng.symmetric(scale));
    return this;
  }
}

export interface TinyGraph {
  /** model.onnx: the graph, large weights referenced from `dataFile`. */
  model: Uint8Array;
  /** model.onnx.data: external weights, each aligned to 4 KiB like ORT's own exporter. */
  data: Uint8Array;
}

export function buildTinyGraph(vocab: TinyVocab, dataFile = 'model.onnx.data'): TinyGraph {
  const rng = new Prng(20250226);
  const V = vocab.vocabSize;
  const id = vocab.idOf;

  // next-token script: each source token gets its own one-hot slot.
  const script: Array<[number, number]> = [];
  const answer = [id('<|assistant|>'), ...vocab.answerIds, id('<|end|>')];
  for (let i = 0; i + 1 < answer.length; i++) script.push([answer[i], answer[i + 1]]);
  const call = [...vocab.toolCallIds, id('<|end|>')];
  for (let i = 0; i + 1 < call.length; i++) script.push([call[i], call[i + 1]]);
  // Past EOS (ignore_eos benchmarks) the model starts the answer again, so it keeps producing text.
  script.push([id('<|end|>'), vocab.answerIds[0]]);
  const slot = new Map(script.map(([src], i) => [src, i]));
  if (slot.size > DIM_TOOL_CLOSE) throw new Error('tiny script does not fit the residual stream');

  const embed = new Matrix(V, H).randomBlock(rng, 0.5, [0, V], NOISE);
  for (let t = 0; t < V; t++) embed.set(t, slot.get(t) ?? DIM_OTHER, 1);
  embed.set(id('<|/tool|>'), DIM_TOOL_CLOSE, 1);

  const lmHead = new Matrix(H, V).randomBlock(rng, 0.05, NOISE, [0, V]);
  for (const [src, next] of script) lmHead.set(slot.get(src)!, next, MARGIN);
  lmHead.set(DIM_GATE, id('<|tool_call|>'), 2 * MARGIN);
  lmHead.set(DIM_OTHER, id('<|end|>'), 2);
  // Sampling detours stay readable: control/non-ASCII bytes, padding and unused specials are
  // pushed down, so a hot sample wanders through printable characters and back into the script.
  const lmBias = new Float32Array(V);
  const scripted = new Set(script.flat());
  for (let t = 0; t < V; t++) {
    const printable = t >= 0x20 && t <= 0x7e;
    if (!scripted.has(t) && !(t < 256 && printable) && !(t >= 256 && t < vocab.tokenCount && !vocab.isSpecial(t))) lmBias[t] = -8;
  }

  const layers = [0, 1].map((layer) => {
    const q = new Matrix(H, H);
    const k = new Matrix(H, KV);
    const v = new Matrix(H, KV);
    const o = new Matrix(H, H);
    const up = new Matrix(H, F);
    const upBias = new Float32Array(F);
    const down = new Matrix(F, H);
    if (layer === 0) {
      // q = 0: uniform attention, so kv head 0 averages the two markers over the context.
      k.randomBlock(rng, 0.5, NOISE, [0, KV]);
      v.set(DIM_TOOL_CLOSE, 0, 1);
      v.set(slot.get(id('<|/tool_call|>'))!, 1, 1);
      v.randomBlock(rng, 0.5, NOISE, [KV / 2, KV]);
      o.set(0, DIM_ATT_TOOL, 1);
      o.set(1, DIM_ATT_CALL, 1);
      o.randomBlock(rng, 0.1, [H / 2, H / 2 + KV / 2], NOISE);
      up.set(DIM_ATT_TOOL, 0, FLAG_GAIN);
      up.set(DIM_ATT_CALL, 1, FLAG_GAIN);
      down.set(0, DIM_FLAG_TOOL, 1);
      down.set(1, DIM_FLAG_CALL, 1);
    } else {
      q.randomBlock(rng, 0.5, NOISE, [0, H]);
      k.randomBlock(rng, 0.5, NOISE, [0, KV]);
      v.randomBlock(rng, 0.5, NOISE, [0, KV]);
      o.randomBlock(rng, 0.1, [0, H], NOISE);
      // gate = clip(flag_tool - flag_call + is_assistant - 1, 0, 1)
      up.set(DIM_FLAG_TOOL, 0, 1);
      up.set(DIM_FLAG_CALL, 0, -1);
      up.set(slot.get(id('<|assistant|>'))!, 0, 1);
      upBias[0] = -1;
      down.set(0, DIM_GATE, 1);
    }
    return { q, k, v, o, up, upBias, down };
  });

  const nodes: NodeProto[] = [];
  const inits: TensorProto[] = [];
  const weight = (name: string, m: Matrix): string => {
    inits.push(floatTensor(name, [m.rows, m.cols], m.data));
    return name;
  };
  const constant = (name: string, values: number[], dims = [values.length]): string => {
    inits.push(int64Tensor(name, dims, values));
    return name;
  };
  const scalarF = (name: string, v: number): string => {
    inits.push(floatTensor(name, [], Float32Array.of(v)));
    return name;
  };

  // seqlens_k / total_sequence_length from attention_mask, as onnxruntime-genai's builder does.
  const one = constant('one', [1]);
  nodes.push(
    node('ReduceSum', ['attention_mask', one], ['mask_sum'], { keepdims: 0 }),
    node('Sub', ['mask_sum', one], ['seqlens_k_64']),
    node('Cast', ['seqlens_k_64'], ['seqlens_k'], { to: DT.INT32 }),
    node('Shape', ['attention_mask'], ['mask_shape']),
    node('Gather', ['mask_shape', constant('idx1', [1], [])], ['total_len_64'], { axis: 0 }),
    node('Cast', ['total_len_64'], ['total_seq_len'], { to: DT.INT32 }),
    node('Gather', [weight('model.embed_tokens.weight', embed), 'input_ids'], ['h0'], { axis: 0 }),
  );
  const zero = scalarF('clip_min', 0);
  const unit = scalarF('clip_max', 1);
  let h = 'h0';
  layers.forEach((w, l) => {
    const p = `model.layers.${l}`;
    nodes.push(
      node('MatMul', [h, weight(`${p}.attn.q_proj.weight`, w.q)], [`${p}.q`]),
      node('MatMul', [h, weight(`${p}.attn.k_proj.weight`, w.k)], [`${p}.k`]),
      node('MatMul', [h, weight(`${p}.attn.v_proj.weight`, w.v)], [`${p}.v`]),
      node(
        'GroupQueryAttention',
        [`${p}.q`, `${p}.k`, `${p}.v`, `past_key_values.${l}.key`, `past_key_values.${l}.value`, 'seqlens_k', 'total_seq_len'],
        [`${p}.attn`, `present.${l}.key`, `present.${l}.value`],
        { num_heads: TINY_SHAPES.numAttentionHeads, kv_num_heads: TINY_SHAPES.numKvHeads },
        'com.microsoft',
      ),
      node('MatMul', [`${p}.attn`, weight(`${p}.attn.o_proj.weight`, w.o)], [`${p}.attn_out`]),
      node('Add', [h, `${p}.attn_out`], [`${p}.h_attn`]),
      node('MatMul', [`${p}.h_attn`, weight(`${p}.mlp.up_proj.weight`, w.up)], [`${p}.up`]),
    );
    inits.push(floatTensor(`${p}.mlp.up_proj.bias`, [F], w.upBias));
    nodes.push(
      node('Add', [`${p}.up`, `${p}.mlp.up_proj.bias`], [`${p}.up_b`]),
      node('Clip', [`${p}.up_b`, zero, unit], [`${p}.act`]),
      node('MatMul', [`${p}.act`, weight(`${p}.mlp.down_proj.weight`, w.down)], [`${p}.mlp_out`]),
      node('Add', [`${p}.h_attn`, `${p}.mlp_out`], [`${p}.out`]),
    );
    h = `${p}.out`;
  });
  inits.push(floatTensor('lm_head.bias', [V], lmBias));
  nodes.push(node('MatMul', [h, weight('lm_head.weight', lmHead)], ['lm_logits']), node('Add', ['lm_logits', 'lm_head.bias'], ['logits']));

  const kvDims = (seq: string) => ['batch_size', TINY_SHAPES.numKvHeads, seq, TINY_SHAPES.headSize];
  const inputs = [
    valueInfo('input_ids', DT.INT64, ['batch_size', 'sequence_length']),
    valueInfo('attention_mask', DT.INT64, ['batch_size', 'total_sequence_length']),
  ];
  const outputs = [valueInfo('logits', DT.FLOAT, ['batch_size', 'sequence_length', V])];
  for (let l = 0; l < TINY_SHAPES.numLayers; l++) {
    for (const kv of ['key', 'value']) {
      inputs.push(valueInfo(`past_key_values.${l}.${kv}`, DT.FLOAT, kvDims('past_sequence_length')));
      outputs.push(valueInfo(`present.${l}.${kv}`, DT.FLOAT, kvDims('total_sequence_length')));
    }
  }

  const data = externalize(inits, dataFile);
  const model = encodeModel({
    irVersion: 8,
    producerName: 'slm-deck tiny-model generator',
    producerVersion: '1',
    opsetImport: [
      { domain: '', version: 17 },
      { domain: 'com.microsoft', version: 1 },
    ],
    graph: { name: 'slm-deck-tiny', node: nodes, initializer: inits, input: inputs, output: outputs },
  });
  return { model, data };
}

/** Moves every initializer above 1 KiB into one external data blob (the real model's layout). */
export function externalize(inits: TensorProto[], location: string): Uint8Array {
  const ALIGN = 4096;
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const t of inits) {
    const raw = t.rawData;
    if (!raw || raw.byteLength <= 1024) continue;
    const pad = (ALIGN - (offset % ALIGN)) % ALIGN;
    if (pad) chunks.push(new Uint8Array(pad));
    offset += pad;
    chunks.push(raw);
    t.rawData = null;
    t.dataLocation = 1;
    t.externalData = [
      { key: 'location', value: location },
      { key: 'offset', value: String(offset) },
      { key: 'length', value: String(raw.byteLength) },
    ];
    offset += raw.byteLength;
  }
  const out = new Uint8Array(offset);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}
