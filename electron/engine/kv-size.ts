/**
 * The engine's KV memory as a formula, free of ONNX Runtime so the hardware planner can import it:
 * the engine allocates exactly this (kv-cache.ts), and never more.
 */
export interface KvSizeShape {
  layers: number;
  kvHeads: number;
  headDim: number;
  /** 4 for float32 KV (Phi-4-mini cpu-int4), 2 for float16. */
  bytesPerElement: number;
}

/** One position of one sequence over all layers: 2 (K, V) x layers x KV heads x head dim x element size. */
export function kvBytesPerPosition(s: KvSizeShape): number {
  return 2 * s.layers * s.kvHeads * s.headDim * s.bytesPerElement;
}

/** The most the KV buffers hold: `slots` sequences (--concurrency) of `contextLength` positions (--context). */
export function kvCacheBytes(s: KvSizeShape, contextLength: number, slots: number): number {
  return kvBytesPerPosition(s) * contextLength * slots;
}
