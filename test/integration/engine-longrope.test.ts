/**
 * LongRoPE across the threshold, on the realistic-shape model (Phi-4-mini's width, int4 weights,
 * GroupQueryAttention with rotary, If-switched short/long caches) with a small threshold (32), so
 * prompts of a few dozen tokens cross it. Keys are cached already rotated, so a sequence past the
 * threshold is only right if all of it was computed with the long factors.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Decoder } from '../../electron/engine/decoder';
import { Engine } from '../../electron/engine/engine';
import { generate } from '../../electron/engine/generation';
import { loadModel, type LoadedModel } from '../../electron/engine/model-loader';
import { writePhi4ShapeModel } from '../../electron/engine/tiny-model/phi4-shape';

const THRESHOLD = 32;
let root: string;
let modelDir: string;
let model: LoadedModel;

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'slm-longrope-'));
  modelDir = writePhi4ShapeModel(path.join(root, 'phi4-shape'), { numLayers: 2, contextLength: 256, ropeThreshold: THRESHOLD });
  model = await loadModel(modelDir);
});
afterAll(async () => {
  await model?.session.release();
  rmSync(root, { recursive: true, force: true });
});

const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
const prompt = (n: number, salt = 0) => Array.from({ length: n }, (_, i) => ((i * 37 + salt) % 250) + 5);

/** Runs `ids` on a fresh slot in passes of the given sizes; returns the last logits. */
async function passes(ids: number[], sizes: number[]): Promise<Float32Array> {
  const d = new Decoder(model, 1, 256);
  let at = 0;
  let logits: Float32Array = new Float32Array(0);
  for (const n of sizes) {
    [logits] = await d.forward([{ slot: 0, past: at, ids: ids.slice(at, at + n) }]);
    at += n;
  }
  return logits;
}

describe('LongRoPE threshold', () => {
  it('is read from the graph (the If on the attention mask width)', () => {
    expect(model.plan.longRopeThreshold).toBe(THRESHOLD);
  });

  it('one pass over a prompt past the threshold matches chunks whose first pass crosses it, and not chunks that start below it', async () => {
    const ids = prompt(48);
    const onePass = await passes(ids, [48]);
    const crossingFirst = await passes(ids, [THRESHOLD + 1, 48 - THRESHOLD - 1]);
    const belowFirst = await passes(ids, [16, 16, 16]);
    expect(maxDiff(crossingFirst, onePass)).toBeLessThan(5e-3);
    // Chunks below the threshold cached short-rotated keys: the answer drifts.
    expect(maxDiff(belowFirst, onePass)).toBeGreaterThan(1e-2);
  });

  it('decoding across the threshold recomputes the sequence: every step has the logits of a one-pass run', async () => {
    // The decode loop on an in-process slot whose passes are recorded.
    const d = new Decoder(model, 1, 256);
    const seen: Array<{ tokens: number[]; logits: Float32Array }> = [];
    const history: number[] = [];
    const sequence = {
      length: 0,
      longMode: false,
      truncate(n: number) {
        this.length = Math.min(n, this.length);
        if (this.length === 0) this.longMode = false;
      },
      async forward(ids: readonly number[]) {
        const [logits] = await d.forward([{ slot: 0, past: this.length, ids }]);
        this.length += ids.length;
        if (this.length > THRESHOLD) this.longMode = true;
        seen.push({ tokens: [...history.slice(0, this.length - ids.length), ...ids], logits });
        return logits;
      },
    };
    const ids = prompt(20);
    const r = await generate(
      { sequence, tokenizer: model.tokenizer, eosIds: new Set(), history, maxPositions: 256, incremental: true, longRopeThreshold: THRESHOLD },
      ids,
      { sampling: { temperature: 0, topP: 1, topK: 0, repetitionPenalty: 1, seed: 1 }, maxTokens: 24, stop: [] },
    );
    expect(r.tokenIds).toHaveLength(24);
    // Before, at and after the crossing (total length 32 -> 33).
    for (const len of [28, 32, 33, 34, 40]) {
      const step = seen.find((s) => s.tokens.length === len)!;
      expect(step.tokens).toEqual([...ids, ...r.tokenIds].slice(0, len));
      expect(maxDiff(step.logits, await passes(step.tokens, [len])), `sequence of ${len}`).toBeLessThan(5e-3);
    }
  });

  it('one pass holds rows of one mode only: a row below the threshold batched with one above it gets the long factors', async () => {
    const short = prompt(12, 5);
    const short2 = prompt(20, 7);
    const long = prompt(40, 9);
    const alone = async (ids: number[], next: number) => {
      const d = new Decoder(model, 1, 256);
      await d.forward([{ slot: 0, past: 0, ids }]);
      return (await d.forward([{ slot: 0, past: ids.length, ids: [next] }]))[0];
    };
    const d = new Decoder(model, 3, 256);
    await d.forward([{ slot: 0, past: 0, ids: short }]);
    await d.forward([{ slot: 1, past: 0, ids: short2 }]);
    await d.forward([{ slot: 2, past: 0, ids: long }]);
    // Same mode: batching changes nothing.
    const [a, b] = await d.forward([
      { slot: 0, past: short.length, ids: [7] },
      { slot: 1, past: short2.length, ids: [8] },
    ]);
    expect(maxDiff(a, await alone(short, 7))).toBeLessThan(5e-3);
    expect(maxDiff(b, await alone(short2, 8))).toBeLessThan(5e-3);
    // Mixed: the pass is wider than the threshold, so the short row is rotated the long way.
    const [mixed] = await d.forward([
      { slot: 0, past: short.length, ids: [7] },
      { slot: 2, past: long.length, ids: [9] },
    ]);
    expect(maxDiff(mixed, await alone(short, 7))).toBeGreaterThan(1e-2);
  });

  it('drops a cached prefix rotated in the other mode, and answers as a fresh engine does', async () => {
    const warm = await Engine.load({ modelDir });
    const long = prompt(44, 3);
    const short = long.slice(0, 24);
    const opts = { maxTokens: 4, ignoreEos: true, temperature: 0 };
    await warm.generate(long, opts);
    const afterLong = await warm.generate(short, opts); // shares 23 tokens, cached with long factors
    expect(afterLong.cachedPromptTokens).toBe(0);
    const afterShort = await warm.generate(long, opts); // shares 24 tokens, cached with short factors
    expect(afterShort.cachedPromptTokens).toBe(0);
    const sameMode = await warm.generate([...long, 9], opts); // long after long: reused
    expect(sameMode.cachedPromptTokens).toBeGreaterThan(40);
    await warm.dispose();

    const fresh = await Engine.load({ modelDir });
    expect((await fresh.generate(short, opts)).tokenIds).toEqual(afterLong.tokenIds);
    expect((await fresh.generate(long, opts)).tokenIds).toEqual(afterShort.tokenIds);
    await fresh.dispose();
    const fresh2 = await Engine.load({ modelDir });
    expect((await fresh2.generate([...long, 9], opts)).tokenIds).toEqual(sameMode.tokenIds);
    await fresh2.dispose();
  });
});
