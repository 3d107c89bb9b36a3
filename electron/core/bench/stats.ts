import type { BenchCell, BenchSample } from '../../shared/contract/bench';

/**
 * Percentile with linear interpolation between closest ranks (numpy's default, R type 7):
 * for sorted x of length n, h = (n - 1) p and the result is x[⌊h⌋] + (h - ⌊h⌋)(x[⌊h⌋+1] - x[⌊h⌋]).
 * Null for no values.
 */
export function percentile(values: readonly number[], p: number): number | null {
  const xs = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (!xs.length) return null;
  const h = (xs.length - 1) * Math.min(1, Math.max(0, p));
  const lo = Math.floor(h);
  const hi = Math.min(xs.length - 1, lo + 1);
  return xs[lo] + (h - lo) * (xs[hi] - xs[lo]);
}

export function mean(values: readonly number[]): number | null {
  const xs = values.filter((v) => Number.isFinite(v));
  return xs.length ? xs.reduce((s, v) => s + v, 0) / xs.length : null;
}

const present = (v: number | null): v is number => v !== null && Number.isFinite(v);

/** Prompt processing rate as a client sees it: prompt tokens over the time to the first token. */
export function promptTps(s: Pick<BenchSample, 'promptTokens' | 'ttftMs'>): number | null {
  return s.promptTokens !== null && s.promptTokens > 0 && s.ttftMs !== null && s.ttftMs > 0 ? s.promptTokens / (s.ttftMs / 1000) : null;
}

export type CellStats = Omit<BenchCell, 'backendId' | 'concurrency' | 'planned' | 'peakMemoryBytes' | 'peakVramBytes' | 'memoryNote'>;

/**
 * The figures of one backend at one concurrency level from its samples and its measured
 * wall time. Latency and token figures use answered requests only; failures are counted.
 */
export function summarise(samples: readonly BenchSample[], wallMs: number): CellStats {
  const ok = samples.filter((s) => s.error === null);
  const ttft = ok.map((s) => s.ttftMs).filter(present);
  const e2e = ok.map((s) => s.totalMs);
  const decode = ok.map((s) => s.decodeTps).filter(present);
  const prompt = ok.map(promptTps).filter(present);
  const tokens = ok.map((s) => s.completionTokens).filter(present);
  const seconds = wallMs / 1000;
  return {
    sent: samples.length,
    ok: ok.length,
    errors: samples.length - ok.length,
    ttftP50Ms: percentile(ttft, 0.5),
    ttftP95Ms: percentile(ttft, 0.95),
    decodeTpsP50: percentile(decode, 0.5),
    promptTpsP50: percentile(prompt, 0.5),
    e2eP50Ms: percentile(e2e, 0.5),
    e2eP95Ms: percentile(e2e, 0.95),
    e2eMeanMs: mean(e2e),
    requestsPerSec: seconds > 0 && samples.length ? ok.length / seconds : null,
    outputTps: seconds > 0 && tokens.length ? tokens.reduce((a, b) => a + b, 0) / seconds : null,
    wallMs,
  };
}
