/**
 * Load-time graph rewrite that keeps the KV cache from round-tripping through JavaScript.
 *
 * onnxruntime-node has no IO binding: every fetched output is copied into a fresh JS buffer, so
 * fetching `present.*` each token copies the whole cache (DESIGN.md section 5). The rewrite adds:
 * - `slmdeck.kv_range` input [past_len, total_len];
 * - per layer, an output holding only the new positions of `present.*` (a Slice), which the
 *   engine writes into KV buffers it allocated once; those buffers go back in as `past_key_values.*`
 *   (inputs are zero-copy views);
 * - the last position's logits only, so prefill does not copy [seq, vocab] floats.
 * The past buffers are larger than the valid length ("capacity"). GroupQueryAttention accepts
 * that directly (it reads `seqlens_k`); any other consumer gets a Slice of the valid prefix.
 */
import { DT, decodeModel, dimsOf, elemTypeOf, encodeModel, int64Tensor, node, valueInfo, type NodeProto, type TensorProto, type ValueInfoProto } from './onnx-proto';
import type { ModelSpec } from './genai-config';

export const KV_RANGE_INPUT = 'slmdeck.kv_range';
export const LAST_LOGITS_OUTPUT = 'slmdeck.last_logits';
export const newSliceName = (present: string): string => `slmdeck.new.${present}`;

/**
 * gqa-buffer: past inputs feed only GroupQueryAttention, which takes a capacity buffer as is.
 * slice-past: other consumers (e.g. Concat) need the exact valid length, sliced inside the graph.
 */
export type KvMode = 'gqa-buffer' | 'slice-past';

export interface GraphPlan {
  mode: KvMode;
  /** ONNX element type of the KV tensors (FLOAT or FLOAT16). */
  kvType: number;
  logitsType: number;
  /** Whether the rewrite had to re-encode the model (slice-past) rather than append to it. */
  reencoded: boolean;
}

export interface RewriteResult {
  bytes: Uint8Array;
  plan: GraphPlan;
}

function consumersOf(nodes: NodeProto[], name: string): Array<{ node: NodeProto; index: number }> {
  const out: Array<{ node: NodeProto; index: number }> = [];
  for (const n of nodes) (n.input ?? []).forEach((inp, index) => inp === name && out.push({ node: n, index }));
  return out;
}

const isGqa = (n: NodeProto) => n.opType === 'GroupQueryAttention' && n.domain === 'com.microsoft';

/**
 * Throws a plain Error naming what does not match; the loader wraps it in a DeckError.
 * `forceMode` overrides detection; forcing 'gqa-buffer' on a concat graph yields the bench's
 * "floor" graph (new-position outputs only, past fed at its exact length).
 */
export function rewriteForKvReuse(modelBytes: Uint8Array, spec: ModelSpec, forceMode?: KvMode): RewriteResult {
  const model = decodeModel(modelBytes);
  const graph = model.graph;
  if (!graph) throw new Error('the file holds no graph');
  const nodes = graph.node ?? [];
  const inputs = new Map((graph.input ?? []).map((v) => [v.name ?? '', v]));
  const outputs = new Map((graph.output ?? []).map((v) => [v.name ?? '', v]));

  const need = (map: Map<string, ValueInfoProto>, name: string, what: string): ValueInfoProto => {
    const v = map.get(name);
    if (!v) throw new Error(`the graph has no ${what} named "${name}" (genai_config.json names it)`);
    return v;
  };
  need(inputs, spec.inputIds, 'input');
  if (spec.attentionMask) need(inputs, spec.attentionMask, 'input');
  if (spec.positionIds) need(inputs, spec.positionIds, 'input');
  const pasts = [...spec.pastKeys, ...spec.pastValues];
  const presents = [...spec.presentKeys, ...spec.presentValues];
  const kvType = elemTypeOf(need(inputs, pasts[0], 'past KV input'));
  for (const p of pasts) {
    const vi = need(inputs, p, 'past KV input');
    const dims = dimsOf(vi);
    if (dims.length !== 4 || dims[1] !== spec.numKvHeads || dims[3] !== spec.headSize) {
      throw new Error(`"${p}" has shape [${dims.join(', ')}], expected [batch, ${spec.numKvHeads}, seq, ${spec.headSize}]`);
    }
  }
  for (const p of presents) need(outputs, p, 'present KV output');
  const logitsVi = need(outputs, spec.logits, 'logits output');
  const logitsRank = dimsOf(logitsVi).length;

  const gqaOnly = pasts.every((p) => {
    const cs = consumersOf(nodes, p);
    return cs.length > 0 && cs.every((c) => isGqa(c.node) && (c.index === 3 || c.index === 4));
  });
  const mode: KvMode = forceMode ?? (gqaOnly ? 'gqa-buffer' : 'slice-past');

  const added: NodeProto[] = [];
  const inits: TensorProto[] = [
    int64Tensor('slmdeck.i0', [1], [0]),
    int64Tensor('slmdeck.i1', [1], [1]),
    int64Tensor('slmdeck.i2', [1], [2]),
    int64Tensor('slmdeck.neg1', [1], [-1]),
    int64Tensor('slmdeck.max', [1], [Number.MAX_SAFE_INTEGER]),
  ];
  added.push(
    node('Slice', [KV_RANGE_INPUT, 'slmdeck.i0', 'slmdeck.i1'], ['slmdeck.past_len']),
    node('Slice', [KV_RANGE_INPUT, 'slmdeck.i1', 'slmdeck.i2'], ['slmdeck.total_len']),
  );
  const newOutputs: ValueInfoProto[] = [];
  for (const p of presents) {
    added.push(node('Slice', [p, 'slmdeck.past_len', 'slmdeck.total_len', 'slmdeck.i2'], [newSliceName(p)]));
    newOutputs.push(valueInfo(newSliceName(p), kvType, ['batch_size', spec.numKvHeads, 'new_sequence_length', spec.headSize]));
  }
  if (logitsRank === 3) {
    added.push(node('Slice', [spec.logits, 'slmdeck.neg1', 'slmdeck.max', 'slmdeck.i1'], [LAST_LOGITS_OUTPUT]));
  } else {
    added.push(node('Identity', [spec.logits], [LAST_LOGITS_OUTPUT]));
  }
  newOutputs.push(valueInfo(LAST_LOGITS_OUTPUT, elemTypeOf(logitsVi), ['batch_size', 1, spec.vocabSize]));
  const rangeInput = valueInfo(KV_RANGE_INPUT, DT.INT64, [2]);
  const plan: GraphPlan = { mode, kvType, logitsType: elemTypeOf(logitsVi), reencoded: mode === 'slice-past' };

  if (mode === 'gqa-buffer') {
    // Protobuf merges a repeated message field that appears twice, so appending a second `graph`
    // adds nodes/inputs/outputs without re-encoding (and losing) anything the original holds.
    const tail = encodeModel({ graph: { node: added, initializer: inits, input: [rangeInput], output: newOutputs } });
    const bytes = new Uint8Array(modelBytes.byteLength + tail.byteLength);
    bytes.set(modelBytes, 0);
    bytes.set(tail, modelBytes.byteLength);
    return { bytes, plan };
  }

  // slice-past: consumers read `<past>.valid`, the first past_len positions of the capacity buffer.
  for (const p of pasts) {
    for (const { node: n, index } of consumersOf(nodes, p)) n.input![index] = `${p}.valid`;
    added.push(node('Slice', [p, 'slmdeck.i0', 'slmdeck.past_len', 'slmdeck.i2'], [`${p}.valid`]));
  }
  graph.node = [...nodes, ...added];
  graph.initializer = [...(graph.initializer ?? []), ...inits];
  graph.input = [...(graph.input ?? []), rangeInput];
  graph.output = [...(graph.output ?? []), ...newOutputs];
  return { bytes: encodeModel(model), plan };
}
