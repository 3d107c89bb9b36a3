import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { percentile, summarise } from '../../electron/core/bench/stats';
import type { BenchSample } from '../../electron/shared/contract/bench';

const sample = (p: Partial<BenchSample>): BenchSample => ({
  backendId: 'a',
  concurrency: 1,
  promptId: 'p',
  run: 0,
  slice: 0,
  ttftMs: null,
  totalMs: 0,
  promptTokens: null,
  completionTokens: null,
  decodeTps: null,
  tokenSource: 'server',
  error: null,
  ...p,
});

/** Recorded timings of five answered requests and one failure; expected values worked out by hand below. */
const RECORDED: BenchSample[] = [
  sample({ ttftMs: 120, totalMs: 1120, promptTokens: 30, completionTokens: 51, decodeTps: 50 }),
  sample({ ttftMs: 80, totalMs: 1080, promptTokens: 40, completionTokens: 41, decodeTps: 40 }),
  sample({ ttftMs: 100, totalMs: 900, promptTokens: 20, completionTokens: 33, decodeTps: 40 }),
  sample({ ttftMs: 300, totalMs: 2300, promptTokens: 60, completionTokens: 101, decodeTps: 50 }),
  sample({ ttftMs: 90, totalMs: 1090, promptTokens: 45, completionTokens: 21, decodeTps: 20 }),
  sample({ totalMs: 15, error: { code: 'server_unreachable', message: 'Cannot reach the server (ECONNREFUSED).' } }),
];

describe('benchmark statistics', () => {
  it('percentiles interpolate linearly between ranks', () => {
    expect(percentile([], 0.5)).toBeNull();
    expect(percentile([7], 0.95)).toBe(7);
    // sorted 80 90 100 120 300: p50 is rank 2; p95 is rank 3.8 = 120 + 0.8 × (300 − 120)
    expect(percentile([120, 80, 100, 300, 90], 0.5)).toBe(100);
    expect(percentile([120, 80, 100, 300, 90], 0.95)).toBeCloseTo(264, 10);
    // even count: p50 halfway between the middle two
    expect(percentile([4, 1, 3, 2], 0.5)).toBe(2.5);
    expect(percentile([1, 2, 3, 4], 0)).toBe(1);
    expect(percentile([1, 2, 3, 4], 1)).toBe(4);
  });

  it('summarises recorded timings as computed by hand', () => {
    const s = summarise(RECORDED, 6500);
    expect(s).toMatchObject({ sent: 6, ok: 5, errors: 1, wallMs: 6500 });
    expect(s.ttftP50Ms).toBe(100);
    expect(s.ttftP95Ms).toBeCloseTo(264, 10);
    // decode tok/s sorted 20 40 40 50 50
    expect(s.decodeTpsP50).toBe(40);
    // prompt tok/s = prompt tokens / TTFT: 250, 500, 200, 200, 500 -> sorted 200 200 250 500 500
    expect(s.promptTpsP50).toBeCloseTo(250, 10);
    // latency sorted 900 1080 1090 1120 2300 (the failure is not a latency)
    expect(s.e2eP50Ms).toBe(1090);
    expect(s.e2eP95Ms).toBeCloseTo(1120 + 0.8 * 1180, 10);
    expect(s.e2eMeanMs).toBeCloseTo(6490 / 5, 10);
    // 5 answered in 6.5 s; 247 completion tokens in 6.5 s
    expect(s.requestsPerSec).toBeCloseTo(5 / 6.5, 12);
    expect(s.outputTps).toBeCloseTo(38, 10);
  });

  it('has no figures, only counts, when everything failed', () => {
    const s = summarise([RECORDED[5], RECORDED[5]], 40);
    expect(s).toMatchObject({ sent: 2, ok: 0, errors: 2, ttftP50Ms: null, decodeTpsP50: null, e2eP50Ms: null, requestsPerSec: 0, outputTps: null });
  });

  it('percentiles stay within the data and grow with p', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 50 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (xs, p, q) => {
        const [lo, hi] = p <= q ? [p, q] : [q, p];
        const a = percentile(xs, lo)!;
        const b = percentile(xs, hi)!;
        expect(a).toBeGreaterThanOrEqual(Math.min(...xs));
        expect(b).toBeLessThanOrEqual(Math.max(...xs));
        expect(b).toBeGreaterThanOrEqual(a - 1e-9);
      }),
    );
  });
});
