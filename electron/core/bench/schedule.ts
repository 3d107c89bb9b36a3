import type { BenchPrompt } from '../../shared/contract/bench';

export interface PlannedRequest {
  prompt: BenchPrompt;
  /** 0-based repetition of the prompt. */
  run: number;
}

export interface Slice {
  index: number;
  /** Sent together: as many requests as the concurrency level (fewer in the last slice). */
  requests: PlannedRequest[];
  /** Backends in the order they get this slice, rotated by one each slice. */
  order: string[];
}

/** Rotate left by k: [a, b, c] by 1 -> [b, c, a]. */
export function rotate<T>(list: readonly T[], k: number): T[] {
  if (!list.length) return [];
  const n = ((k % list.length) + list.length) % list.length;
  return [...list.slice(n), ...list.slice(0, n)];
}

/**
 * One concurrency level's work: every prompt `runs` times, cut into slices of `concurrency`
 * requests. Every backend gets every slice, one backend after the other, and who goes first
 * rotates each slice (round-robin per prompt at concurrency 1), so slow drift of the machine
 * (thermal throttling, a background job) spreads over all backends instead of favouring one.
 */
export function planLevel(backendIds: readonly string[], prompts: readonly BenchPrompt[], runs: number, concurrency: number): Slice[] {
  const items: PlannedRequest[] = [];
  for (let run = 0; run < runs; run++) for (const prompt of prompts) items.push({ prompt, run });
  const slices: Slice[] = [];
  for (let i = 0, k = 0; i < items.length; i += concurrency, k++) {
    slices.push({ index: k, requests: items.slice(i, i + concurrency), order: rotate(backendIds, k) });
  }
  return slices;
}
