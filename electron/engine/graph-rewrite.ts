/**
 * Load-time graph rewrite that keeps the KV cache from round-tripping through JavaScript.
 *
 * onnxruntime-node has no IO binding: every fetched output is copied into a fresh JS buffer, so
 * fetching `present.*` each token copies the whole cache (DESIGN.md section 5). The rewrite adds:
 * - `slmdeck.new_positions` input [batch, new_tokens]: where each row's new tokens sit in `present`
 *   (rows of a batch have different lengths);
 * - per layer, an output holding only those positions of `present.*` (a GatherElements), which the
 *   engine writes into KV buffers it allocated once; those buffers go back in as `past_key_values.*`
 *   (inputs are zero-copy views);
 * - the last position's logits only, so prefill does not copy [seq, vocab] floats;
 * - (GroupQueryAttention graphs) `present.*` no longer graph outputs, each layer ordered after the
 *   previous layer's gather, so one layer's `present` exists at a time, not a copy of the cache.
 * The past buffers are larger than the valid length ("capacity"). GroupQueryAttention accepts
 * that directly (it reads `seqlens_k` per row); any other consumer gets a Slice of the valid prefix,
 * cut at `slmdeck.kv_range` [past_len, total_len] (one sequence at a time).
 */
import { DT, decodeModel, dimsOf, editGraphWire, elemTypeOf, encodeModel, int64Tensor, node, valueInfo, type NodeProto, type TensorProto, type ValueInfoProto } from './onnx-proto';
import type { ModelSpec } from './genai-config';

export const KV_RANGE_INPUT = 'slmdeck.kv_range';
export const NEW_POSITIONS_INPUT = 'slmdeck.new_positions';
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
  /**
   * LongRoPE: past this many positions (attention_mask width) the graph switches to its long rotary
   * factors (the constant of its `If`); undefined when the graph has no such switch.
   */
  longRopeThreshold?: number;
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

/**
 * onnxruntime-genai's builder picks LongRoPE's short or long cos/sin caches with
 * `If(Greater(Gather(Shape(attention_mask), 1), original_max_position_embeddings))`: returns that
 * constant, read from an initializer or a Constant node.
 */
function longRopeThreshold(nodes: NodeProto[], inits: TensorProto[], attentionMask: string | undefined): number | undefined {
  if (!attentionMask) return undefined;
  const producer = new Map<string, NodeProto>();
  for (const n of nodes) for (const o of n.output ?? []) producer.set(o, n);
  const scalar = (name: string): number | undefined => {
    const t = inits.find((i) => i.name === name) ?? producer.get(name)?.attribute?.find((a) => a.name === 'value')?.t ?? undefined;
    if (!t) return undefined;
    const raw = t.rawData;
    if (raw && raw.byteLength === 8 && t.dataType === DT.INT64) return Number(new DataView(raw.buffer, raw.byteOffset, 8).getBigInt64(0, true));
    if (raw && raw.byteLength === 4 && t.dataType === DT.INT32) return new DataView(raw.buffer, raw.byteOffset, 4).getInt32(0, true);
    const v = t.int64Data?.[0] ?? t.int32Data?.[0];
    return v === undefined ? undefined : Number(v);
  };
  // Follows Cast/Squeeze/Gather/Shape back to the attention mask.
  const readsMaskWidth = (name: string, depth = 0): boolean => {
    if (name === attentionMask) return true;
    const n = producer.get(name);
    if (!n || depth > 6 || !['Cast', 'Squeeze', 'Gather', 'Shape', 'Reshape'].includes(n.opType ?? '')) return false;
    return readsMaskWidth(n.input?.[0] ?? '', depth + 1);
  };
  for (const n of nodes) {
    if (n.opType !== 'If') continue;
    const cond = producer.get(n.input?.[0] ?? '');
    if (cond?.opType !== 'Greater' || !readsMaskWidth(cond.input?.[0] ?? '')) continue;
    const threshold = scalar(cond.input?.[1] ?? '');
    if (threshold !== undefined) return threshold;
  }
  return undefined;
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
    int64Tensor('slmdeck.axes13', [2], [1, 3]),
    int64Tensor('slmdeck.head_dims', [4], [1, spec.numKvHeads, 1, spec.headSize]),
  ];
  // new_positions [B, S] -> [B, H, S, D] indices along the sequence axis of present.
  added.push(
    node('Unsqueeze', [NEW_POSITIONS_INPUT, 'slmdeck.axes13'], ['slmdeck.new_pos4']),
    node('Expand', ['slmdeck.new_pos4', 'slmdeck.head_dims'], ['slmdeck.new_idx']),
  );
  const newOutputs: ValueInfoProto[] = [];
  for (const p of presents) {
    added.push(node('GatherElements', [p, 'slmdeck.new_idx'], [newSliceName(p)], { axis: 2 }));
    newOutputs.push(valueInfo(newSliceName(p), kvType, ['batch_size', spec.numKvHeads, 'new_sequence_length', spec.headSize]));
  }
  if (logitsRank === 3) {
    added.push(node('Slice', [spec.logits, 'slmdeck.neg1', 'slmdeck.max', 'slmdeck.i1'], [LAST_LOGITS_OUTPUT]));
  } else {
    added.push(node('Identity', [spec.logits], [LAST_LOGITS_OUTPUT]));
  }
  newOutputs.push(valueInfo(LAST_LOGITS_OUTPUT, elemTypeOf(logitsVi), ['batch_size', 1, spec.vocabSize]));
  const positionsInput = valueInfo(NEW_POSITIONS_INPUT, DT.INT64, ['batch_size', 'new_sequence_length']);
  const plan: GraphPlan = {
    mode,
    kvType,
    logitsType: elemTypeOf(logitsVi),
    reencoded: mode === 'slice-past',
    longRopeThreshold: longRopeThreshold(nodes, graph.initializer ?? [], spec.attentionMask),
  };

  if (mode === 'gqa-buffer') {
    // GroupQueryAttention materialises a full-capacity `present` per layer. As graph outputs they
    // would all live until the pass ends: a second copy of the whole cache. So they stop being
    // outputs, and each layer's attention waits for the previous layer's new positions to be
    // gathered (a zero added to its seqlens_k), so ORT frees each present before the next is made.
    for (let l = 1; l < spec.numLayers; l++) {
      const d = `slmdeck.after_layer${l - 1}`;
      added.push(
        node('Shape', [newSliceName(spec.presentKeys[l - 1])], [`${d}.k_shape`]),
        node('Shape', [newSliceName(spec.presentValues[l - 1])], [`${d}.v_shape`]),
        node('Sub', [`${d}.k_shape`, `${d}.v_shape`], [`${d}.zeros`]),
        node('ReduceMax', [`${d}.zeros`], [`${d}.zero`], { keepdims: 1 }),
        node('Cast', [`${d}.zero`], [`${d}.zero32`], { to: DT.INT32 }),
      );
    }
    const edited = editGraphWire(modelBytes, {
      editNode: (n) => {
        const l = isGqa(n) ? spec.pastKeys.indexOf(n.input?.[3] ?? '') : -1;
        if (l <= 0 || !n.input?.[5]) return undefined;
        const d = `slmdeck.after_layer${l - 1}`;
        added.push(node('Add', [n.input[5], `${d}.zero32`], [`${d}.seqlens_k`]));
        n.input[5] = `${d}.seqlens_k`;
        return n;
      },
      dropOutput: (name) => presents.includes(name),
    });
    // Protobuf merges a repeated message field that appears twice, so appending a second `graph`
    // adds nodes/inputs/outputs without re-encoding (and losing) anything the original holds.
    const tail = encodeModel({ graph: { node: added, initializer: inits, input: [positionsInput], output: newOutputs } });
    const bytes = new Uint8Array(edited.byteLength + tail.byteLength);
    bytes.set(edited, 0);
    bytes.set(tail, edited.byteLength);
    return { bytes, plan };
  }

  // slice-past: consumers read `<past>.valid`, the first past_len positions of the capacity buffer.
  added.push(node('Slice', [KV_RANGE_INPUT, 'slmdeck.i0', 'slmdeck.i1'], ['slmdeck.past_len']));
  for (const p of pasts) {
    for (const { node: n, index } of consumersOf(nodes, p)) n.input![index] = `${p}.valid`;
    added.push(node('Slice', [p, 'slmdeck.i0', 'slmdeck.past_len', 'slmdeck.i2'], [`${p}.valid`]));
  }
  graph.node = [...nodes, ...added];
  graph.initializer = [...(graph.initializer ?? []), ...inits];
  graph.input = [...(graph.input ?? []), valueInfo(KV_RANGE_INPUT, DT.INT64, [2]), positionsInput];
  graph.output = [...(graph.output ?? []), ...newOutputs];
  return { bytes: encodeModel(model), plan };
}
