import { z } from 'zod';
import { firstSum, meanOf, type PromText } from './prometheus';

/**
 * Metric names per quantity, first match wins. vLLM renamed gpu_cache_usage_perc to
 * kv_cache_usage_perc in 0.9; our ONNX engine (electron/engine/metrics.ts) serves the
 * slm_engine_* names, with KV-cache memory in bytes rather than a usage fraction; llama.cpp's
 * server (--metrics) serves llamacpp:* names.
 */
export const ENGINE_METRIC_NAMES = {
  generationTokens: ['vllm:generation_tokens_total', 'slm_engine_tokens_generated_total', 'llamacpp:tokens_predicted_total'],
  running: ['vllm:num_requests_running', 'slm_engine_requests_running', 'llamacpp:requests_processing'],
  waiting: ['vllm:num_requests_waiting', 'slm_engine_requests_waiting', 'llamacpp:requests_deferred'],
  /** A fraction, 1 = full. */
  kvCacheUsage: ['vllm:kv_cache_usage_perc', 'vllm:gpu_cache_usage_perc', 'llamacpp:kv_cache_usage_ratio'],
  /** Bytes held by KV-cache buffers (our engine; vLLM preallocates and reports usage as a fraction instead). */
  kvCacheBytes: ['slm_engine_kv_cache_bytes'],
} as const;

export interface EngineCounters {
  generationTokens: number | null;
  running: number | null;
  waiting: number | null;
  /** 0..100 */
  kvCachePercent: number | null;
  kvCacheBytes: number | null;
}

export function engineCounters(p: PromText): EngineCounters {
  const kv = meanOf(p, ENGINE_METRIC_NAMES.kvCacheUsage);
  return {
    generationTokens: firstSum(p, ENGINE_METRIC_NAMES.generationTokens),
    running: firstSum(p, ENGINE_METRIC_NAMES.running),
    waiting: firstSum(p, ENGINE_METRIC_NAMES.waiting),
    kvCachePercent: kv === null ? null : kv * 100,
    kvCacheBytes: firstSum(p, ENGINE_METRIC_NAMES.kvCacheBytes),
  };
}

/** Rate of a counter between two readings; null on the first reading or after a reset (server restarted). */
export function counterRate(prev: { value: number; at: number } | null, value: number, at: number): number | null {
  if (!prev) return null;
  const dt = (at - prev.at) / 1000;
  if (dt <= 0 || value < prev.value) return null;
  return (value - prev.value) / dt;
}

/** Ollama `GET /api/ps`: the models loaded right now, with their total and GPU-resident size. */
export const OllamaPsSchema = z.object({
  models: z
    .array(
      z
        .object({
          name: z.string(),
          model: z.string().optional(),
          size: z.number().nonnegative(),
          size_vram: z.number().nonnegative().optional(),
          expires_at: z.string().optional(),
        })
        .passthrough(),
    )
    .nullable()
    .transform((m) => m ?? []),
});
export type OllamaPs = z.infer<typeof OllamaPsSchema>;

export function ollamaTotals(ps: OllamaPs): { models: number; sizeBytes: number; vramBytes: number; names: string[] } {
  let sizeBytes = 0;
  let vramBytes = 0;
  for (const m of ps.models) {
    sizeBytes += m.size;
    vramBytes += m.size_vram ?? 0;
  }
  return { models: ps.models.length, sizeBytes, vramBytes, names: ps.models.map((m) => m.name) };
}
