/**
 * Per-token cost of the engine (queue, slot, sampler, streaming detokenizer, stop strings, KV
 * bookkeeping) against a bare onnxruntime loop (same rewritten tiny model, KV buffers written in
 * place, argmax) in the same run, decode cost per token (prefill excluded: the engine would reuse the
 * cached prompt, the bare loop cannot). ORT runs on one thread, so process CPU time is the work done.
 * Rounds alternate the loops. The pass/fail figure compares each loop's best round (noise on a shared
 * machine only ever adds time); the median of per-round ratios and wall-clock figures are reported
 * too. Target: under 5 %.
 *
 *   node --import tsx test/bench/engine-overhead.ts      env: BENCH_TOKENS=256 BENCH_ROUNDS=15
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { Engine } from '../../electron/engine/engine';
import { LAST_LOGITS_OUTPUT, NEW_POSITIONS_INPUT, newSliceName } from '../../electron/engine/graph-rewrite';
import { loadModel } from '../../electron/engine/model-loader';
import { generateTinyModel } from '../../electron/engine/tiny-model/generate';
import { TINY_DEMO_MESSAGES } from '../../electron/engine/tiny-model/spec';

const TOKENS = Number(process.env.BENCH_TOKENS ?? 256);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 21);
const WARMUP = 3;
const TARGET_PCT = 5;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round2 = (x: number) => Math.round(x * 100) / 100;

const dir = mkdtempSync(path.join(os.tmpdir(), 'slm-overhead-bench-'));
try {
  generateTinyModel(dir);
  const engine = await Engine.load({ modelDir: dir, intraOpThreads: 1 });
  // The bare loop's own session in this thread; the engine's runs in its model worker.
  const { spec, session } = await loadModel(dir, { intraOpThreads: 1 });
  const promptIds = engine.tokenizer.encode(engine.renderPrompt(TINY_DEMO_MESSAGES.map((m) => ({ ...m }))));

  interface Cost {
    wallMs: number;
    cpuMs: number;
  }
  const cpuNow = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };

  /** The minimal loop: returns decode cost per token (after the first token). */
  async function bareLoop(): Promise<Cost> {
    const H = spec.numKvHeads;
    const D = spec.headSize;
    const cap = promptIds.length + TOKENS;
    const bufs = Array.from({ length: spec.numLayers * 2 }, () => new Float32Array(H * cap * D));
    const past = bufs.map((b) => new ort.Tensor('float32', b, [1, H, cap, D]));
    const ones = new BigInt64Array(cap).fill(1n);
    const fetches = [LAST_LOGITS_OUTPUT, ...spec.presentKeys.flatMap((k, l) => [newSliceName(k), newSliceName(spec.presentValues[l])])];
    let ids = promptIds;
    let len = 0;
    let firstAt = 0;
    let firstCpu = 0;
    for (let step = 0; step < TOKENS; step++) {
      const feeds: Record<string, ort.Tensor> = {
        input_ids: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [1, ids.length]),
        attention_mask: new ort.Tensor('int64', ones.subarray(0, len + ids.length), [1, len + ids.length]),
        [NEW_POSITIONS_INPUT]: new ort.Tensor('int64', BigInt64Array.from(ids, (_, i) => BigInt(len + i)), [1, ids.length]),
      };
      for (let l = 0; l < spec.numLayers; l++) {
        feeds[spec.pastKeys[l]] = past[2 * l];
        feeds[spec.pastValues[l]] = past[2 * l + 1];
      }
      const out = await session.run(feeds, fetches);
      for (let i = 0; i < bufs.length; i++) {
        const src = out[fetches[i + 1]].data as Float32Array;
        const n = ids.length;
        for (let h = 0; h < H; h++) bufs[i].set(src.subarray(h * n * D, (h + 1) * n * D), h * cap * D + len * D);
      }
      len += ids.length;
      const logits = out[LAST_LOGITS_OUTPUT].data as Float32Array;
      let best = 0;
      for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
      if (step === 0) {
        firstAt = performance.now();
        firstCpu = cpuNow();
      }
      ids = [best];
    }
    return { wallMs: (performance.now() - firstAt) / (TOKENS - 1), cpuMs: (cpuNow() - firstCpu) / (TOKENS - 1) };
  }

  async function engineLoop(sampled: boolean): Promise<Cost> {
    let firstCpu = 0;
    // Streaming callback as the server uses it; the first delta marks the first token.
    const r = await engine.generate(
      promptIds,
      {
        maxTokens: TOKENS,
        ignoreEos: true,
        stop: ['never appears'],
        ...(sampled ? { temperature: 0.8, topP: 0.95, seed: 1 } : { temperature: 0 }),
      },
      () => {
        if (firstCpu === 0) firstCpu = cpuNow();
      },
    );
    return { wallMs: (r.finishedAt - r.firstTokenAt!) / (r.completionTokens - 1), cpuMs: (cpuNow() - firstCpu) / (r.completionTokens - 1) };
  }

  const costs = { bare: [] as Cost[], engine: [] as Cost[], sampled: [] as Cost[] };
  for (let i = 0; i < WARMUP + ROUNDS; i++) {
    const order = i % 2 === 0 ? (['bare', 'engine', 'sampled'] as const) : (['sampled', 'engine', 'bare'] as const);
    const round: Record<string, Cost> = {};
    for (const name of order) round[name] = name === 'bare' ? await bareLoop() : await engineLoop(name === 'sampled');
    if (i >= WARMUP) for (const name of order) costs[name].push(round[name]);
  }
  const pct = (a: Cost[], key: keyof Cost) => round2(median(a.map((x, i) => (x[key] / costs.bare[i][key] - 1) * 100)));
  const best = (a: Cost[], key: keyof Cost) => Math.min(...a.map((x) => x[key]));
  const bestPct = (a: Cost[], key: keyof Cost) => round2((best(a, key) / best(costs.bare, key) - 1) * 100);
  const ms = (a: Cost[], key: keyof Cost) => Math.round(median(a.map((x) => x[key])) * 10000) / 10000;
  const overhead = bestPct(costs.engine, 'cpuMs');
  console.log(
    JSON.stringify({
      bench: 'engine-overhead',
      model: 'tiny demo model (2 layers, GQA, KV [1, 2, seq, 8])',
      tokens_per_round: TOKENS,
      rounds: ROUNDS,
      ort_threads: 1,
      bare_ms_per_token: { wall: ms(costs.bare, 'wallMs'), cpu: ms(costs.bare, 'cpuMs') },
      engine_ms_per_token: { wall: ms(costs.engine, 'wallMs'), cpu: ms(costs.engine, 'cpuMs') },
      engine_tokens_per_second: Math.round(1000 / ms(costs.engine, 'wallMs')),
      bare_tokens_per_second: Math.round(1000 / ms(costs.bare, 'wallMs')),
      engine_overhead_pct: overhead,
      engine_overhead_median_round_pct: pct(costs.engine, 'cpuMs'),
      engine_overhead_wall_pct: bestPct(costs.engine, 'wallMs'),
      sampled_overhead_pct: bestPct(costs.sampled, 'cpuMs'),
      target: { engine_overhead_pct_max: TARGET_PCT },
      pass: overhead < TARGET_PCT,
    }),
  );
  await engine.dispose();
  await session.release();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
