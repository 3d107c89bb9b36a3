/**
 * The batch scheduler's pass plan, with a runner that records each pass and answers it on the
 * next turn of the event loop (the model worker's timing, without a model).
 */
import { describe, expect, it } from 'vitest';
import { BatchScheduler, type ForwardRunner } from '../../electron/engine/batch-scheduler';
import type { ForwardRow } from '../../electron/engine/decoder';

function recordingRunner() {
  const passes: Array<Array<{ slot: number; tokens: number; total: number }>> = [];
  const runner: ForwardRunner = {
    forward: (rows: ForwardRow[]) =>
      new Promise((resolve) => {
        passes.push(rows.map((r) => ({ slot: r.slot, tokens: r.ids.length, total: r.past + r.ids.length })));
        setImmediate(() => resolve(rows.map((r) => Float32Array.of(r.slot))));
      }),
  };
  return { passes, runner };
}

/** A sequence on `slot`: feeds `prompt` in chunks of `chunk`, then decodes `steps` tokens one by one. */
async function sequence(s: BatchScheduler, slot: number, prompt: number, chunk: number, steps: number, startAt = 0): Promise<void> {
  let past = startAt;
  for (let at = 0; at < prompt; at += chunk) {
    const n = Math.min(chunk, prompt - at);
    const logits = await s.forward({ slot, past, ids: new Array<number>(n).fill(1) });
    expect(logits[0]).toBe(slot);
    past += n;
  }
  for (let i = 0; i < steps; i++) {
    await s.forward({ slot, past, ids: [1] });
    past++;
  }
}

describe('BatchScheduler', () => {
  it('runs the decode steps of all sequences in one pass, and they join and leave between passes', async () => {
    const { passes, runner } = recordingRunner();
    const s = new BatchScheduler(runner);
    await Promise.all([sequence(s, 0, 1, 1, 6), sequence(s, 1, 1, 1, 3), sequence(s, 2, 1, 1, 6)]);
    // Every pass after the first carries every sequence still decoding.
    expect(passes.map((p) => p.map((r) => r.slot))).toEqual([[0, 1, 2], [0, 1, 2], [0, 1, 2], [0, 1, 2], [0, 2], [0, 2], [0, 2]]);
  });

  it('takes prompt chunks one per pass, in turns with the decode passes, so a long prompt does not stall the others', async () => {
    const { passes, runner } = recordingRunner();
    const s = new BatchScheduler(runner);
    const decoding = sequence(s, 0, 1, 1, 8);
    await s.forward({ slot: 3, past: 0, ids: [1] }).then(() => undefined); // let slot 0 start decoding
    await Promise.all([decoding, sequence(s, 1, 1024, 256, 2)]);
    const kinds = passes.map((p) => (p.some((r) => r.tokens > 1) ? 'prefill' : 'decode'));
    const prefillAt = kinds.flatMap((k, i) => (k === 'prefill' ? [i] : []));
    expect(prefillAt).toHaveLength(4);
    // Between two prompt chunks there is always a decode pass for slot 0.
    for (let i = 1; i < prefillAt.length; i++) expect(prefillAt[i] - prefillAt[i - 1]).toBe(2);
    expect(passes.filter((p) => p.some((r) => r.slot === 0)).length).toBe(9);
  });

  it('never mixes rows on both sides of the LongRoPE threshold in one pass', async () => {
    const { passes, runner } = recordingRunner();
    const s = new BatchScheduler(runner, { longRopeThreshold: 100 });
    // Slot 0 decodes from 90 to 110 (crossing at 101); slot 1 stays short, slot 2 is long throughout.
    await Promise.all([sequence(s, 0, 0, 1, 20, 90), sequence(s, 1, 0, 1, 20, 10), sequence(s, 2, 0, 1, 20, 200)]);
    for (const p of passes) {
      const long = p.map((r) => r.total > 100);
      expect(new Set(long).size).toBe(1);
    }
    expect(passes.some((p) => p.length > 1)).toBe(true);
  });

  it('runs one row per pass when the graph cannot batch', async () => {
    const { passes, runner } = recordingRunner();
    const s = new BatchScheduler(runner, { maxRows: 1 });
    await Promise.all([sequence(s, 0, 1, 1, 3), sequence(s, 1, 1, 1, 3)]);
    expect(passes.every((p) => p.length === 1)).toBe(true);
    expect(passes).toHaveLength(8);
  });
});
