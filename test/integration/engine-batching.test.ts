/**
 * The engine's runtime under load: the model runs in a worker thread (so /health answers during a
 * forward pass), and concurrent sequences decode together in shared forward passes with the same
 * output as alone. Real ONNX Runtime inference on generated GroupQueryAttention graphs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../electron/engine/engine';
import { spawnEngine } from '../../electron/engine/spawn-engine';
import { writeKvModel } from '../../electron/engine/tiny-model/kv-graph';

let root: string;

beforeAll(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'slm-engine-batching-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('a responsive server', () => {
  it('answers /health while a forward pass runs in the model worker, and /metrics, before a long generation ends', async () => {
    // Phi-4-mini's attention shape (32 layers, 24/8 heads of 128): each pass takes a while.
    const modelDir = writeKvModel(path.join(root, 'phi4-kv'), 'gqa', { numLayers: 32, numKvHeads: 8, numHeads: 24, headSize: 128, contextLength: 4096 });
    const engine = await spawnEngine({ modelDir, port: 0, threads: 1 });
    try {
      const abort = new AbortController();
      const res = await fetch(`${engine.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }], max_tokens: 3000, ignore_eos: true, stream: true }),
        signal: abort.signal,
      });
      expect(res.status).toBe(200);
      let finished = false;
      const drained = res.text().then(
        () => (finished = true),
        () => (finished = true),
      );
      let duringPass: { forward_in_flight: boolean; queue: { running: number } } | undefined;
      for (let i = 0; i < 1000 && !duringPass && !finished; i++) {
        const h = (await (await fetch(`${engine.url}/health`)).json()) as { forward_in_flight: boolean; queue: { running: number } };
        if (h.forward_in_flight) duringPass = h;
      }
      expect(finished).toBe(false);
      expect(duringPass).toMatchObject({ forward_in_flight: true, queue: { running: 1 } });
      const metrics = await (await fetch(`${engine.url}/metrics`)).text();
      expect(metrics).toContain('slm_engine_requests_running 1');
      expect(finished).toBe(false);
      abort.abort();
      await drained;
    } finally {
      await engine.stop();
    }
  });
});

describe('batched decoding', () => {
  it('gives each sequence the same greedy tokens alone and when four decode together, in shared passes', async () => {
    const modelDir = writeKvModel(path.join(root, 'small-kv'), 'gqa', { numLayers: 4, numKvHeads: 2, numHeads: 6, headSize: 16, contextLength: 2048 });
    const prompts = ['Hello there', 'A somewhat longer prompt about the weather today. '.repeat(12), 'Short', 'Tell me a story. '.repeat(3)];
    const TOKENS = 40;
    const alone = await Engine.load({ modelDir, concurrency: 4 });
    const ids = prompts.map((p) => alone.tokenizer.encode(alone.renderPrompt([{ role: 'user', content: p }])));
    expect(Math.max(...ids.map((x) => x.length))).toBeGreaterThan(256); // one prompt prefills in chunks
    const expected: number[][] = [];
    for (const p of ids) expected.push((await alone.generate(p, { maxTokens: TOKENS, ignoreEos: true, temperature: 0 })).tokenIds);
    await alone.dispose();

    const together = await Engine.load({ modelDir, concurrency: 4 });
    // Staggered starts: each sequence joins while the earlier ones are decoding, and leaves on its own.
    const waiters: Array<{ n: number; go: () => void }> = [];
    const tick = () => {
      for (const w of waiters.splice(0)) {
        if (together.metrics.generatedTokens >= w.n) w.go();
        else waiters.push(w);
      }
    };
    const after = (n: number) => new Promise<void>((go) => waiters.push({ n, go }));
    const runs = ids.map(async (p, i) => {
      if (i > 0) await after(i * 5);
      return (await together.generate(p, { maxTokens: TOKENS - i * 3, ignoreEos: true, temperature: 0 }, tick)).tokenIds;
    });
    const got = await Promise.all(runs);
    got.forEach((tokens, i) => expect(tokens).toEqual(expected[i].slice(0, TOKENS - i * 3)));
    // Shared passes: more than one sequence per forward pass on average.
    expect(together.metrics.forwardRows / together.metrics.forwardPasses).toBeGreaterThan(1.5);
    await together.dispose();
  });
});
