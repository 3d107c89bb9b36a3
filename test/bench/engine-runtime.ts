/**
 * The engine's runtime on a realistic shape, ratios measured in the same run:
 * (a) batching: aggregate tokens/s of 1, 2 and 4 concurrent requests through the engine (model
 *     worker, batch scheduler, sampler, detokenizer) against the same graph run bare in
 *     onnxruntime at batch 1, 2 and 4 (present fed back as past, argmax); Phi-4-mini's width,
 *     int4 weights, 2 layers (tiny-model/phi4-shape.ts). Rounds alternate engine and bare; ratios are
 *     medians of per-round ratios. Targets: engine within 10 % of bare at every batch size, and
 *     4 concurrent >= 2x the aggregate of 1.
 * (b) /health latency while 4 requests decode (engine as a child process, as deployed): p99 < 20 ms;
 *     the same probes against the idle engine first, as the machine's own noise floor.
 * (c) peak RSS (VmHWM) of the engine process with a sequence filling a 2,048-token context, on
 *     Phi-4-mini's full KV shape (32 layers x 8 KV heads x 128, fp32), against the hardware planner's
 *     estimate for that shape (its own estimateTerms: weights + KV + runtime + logits): <= 1.1x.
 * ORT runs one intra-op thread everywhere (the bench machine is shared).
 *
 *   node --import tsx test/bench/engine-runtime.ts     env: BENCH_RT_TOKENS=32 BENCH_RT_ROUNDS=3
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { estimateTerms } from '../../electron/core/hardware/estimate';
import { Engine } from '../../electron/engine/engine';
import { readModelFiles } from '../../electron/engine/model-loader';
import { spawnEngine } from '../../electron/engine/spawn-engine';
import { writeKvModel } from '../../electron/engine/tiny-model/kv-graph';
import { PHI4_MINI_WIDTH, writePhi4ShapeModel } from '../../electron/engine/tiny-model/phi4-shape';
import type { Catalog, CatalogModel, ModelForm } from '../../electron/shared/contract/hardware';

const TOKENS = Number(process.env.BENCH_RT_TOKENS ?? 32);
const ROUNDS = Number(process.env.BENCH_RT_ROUNDS ?? 3);
const LAYERS = 2;
const PROMPT = 8;
const HEALTH_PROBES = 200;
const LONG_CONTEXT = 2048;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round2 = (x: number) => Math.round(x * 100) / 100;
const log = (msg: string) => process.stderr.write(`engine-runtime: ${msg}\n`);
const argmaxRow = (data: Float32Array, row: number, V: number) => {
  let best = 0;
  for (let i = 1; i < V; i++) if (data[row * V + i] > data[row * V + best]) best = i;
  return best;
};
const prompts = (n: number) => Array.from({ length: n }, (_, r) => Array.from({ length: PROMPT }, (_, i) => ((i * 31 + r * 7) % 250) + 5));

async function bareRun(session: ort.InferenceSession, batch: number): Promise<number> {
  const { numKvHeads: H, headSize: D } = PHI4_MINI_WIDTH;
  const started = performance.now();
  let ids = prompts(batch).flat();
  let S = PROMPT;
  let past: Record<string, ort.Tensor> = {};
  for (let l = 0; l < LAYERS; l++) {
    for (const kv of ['key', 'value']) past[`past_key_values.${l}.${kv}`] = new ort.Tensor('float32', new Float32Array(0), [batch, H, 0, D]);
  }
  let len = 0;
  for (let step = 0; step < TOKENS; step++) {
    const total = len + S;
    const r = await session.run({
      input_ids: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [batch, S]),
      attention_mask: new ort.Tensor('int64', new BigInt64Array(batch * total).fill(1n), [batch, total]),
      ...past,
    });
    past = {};
    for (let l = 0; l < LAYERS; l++) {
      past[`past_key_values.${l}.key`] = r[`present.${l}.key`];
      past[`past_key_values.${l}.value`] = r[`present.${l}.value`];
    }
    const V = r.logits.dims[2];
    const logits = r.logits.data as Float32Array;
    ids = Array.from({ length: batch }, (_, b) => argmaxRow(logits, b * S + S - 1, V));
    len = total;
    S = 1;
  }
  return (batch * TOKENS * 1000) / (performance.now() - started);
}

async function engineRun(engine: Engine, concurrent: number): Promise<number> {
  const started = performance.now();
  await Promise.all(prompts(concurrent).map((p) => engine.generate(p, { maxTokens: TOKENS, ignoreEos: true, temperature: 0 })));
  return (concurrent * TOKENS * 1000) / (performance.now() - started);
}

async function batching(dir: string) {
  const session = await ort.InferenceSession.create(path.join(dir, 'model.onnx'), { intraOpNumThreads: 1, graphOptimizationLevel: 'all', logSeverityLevel: 3 });
  const engine = await Engine.load({ modelDir: dir, concurrency: 4, intraOpThreads: 1 });
  const sizes = [1, 2, 4];
  const tps: Record<string, { engine: number[]; bare: number[] }> = {};
  for (const n of sizes) tps[n] = { engine: [], bare: [] };
  await engineRun(engine, 1); // warm-up
  await bareRun(session, 1);
  for (let round = 0; round < ROUNDS; round++) {
    for (const n of sizes) {
      const order = round % 2 === 0 ? (['engine', 'bare'] as const) : (['bare', 'engine'] as const);
      for (const which of order) tps[n][which].push(which === 'engine' ? await engineRun(engine, n) : await bareRun(session, n));
    }
    log(`round ${round + 1}/${ROUNDS}: ${sizes.map((n) => `${n}: engine ${round2(tps[n].engine.at(-1)!)} bare ${round2(tps[n].bare.at(-1)!)} tok/s`).join(', ')}`);
  }
  await engine.dispose();
  await session.release();
  const perBatch = Object.fromEntries(
    sizes.map((n) => [
      n,
      {
        engine_tokens_per_s: round2(median(tps[n].engine)),
        bare_tokens_per_s: round2(median(tps[n].bare)),
        engine_over_bare: round2(median(tps[n].engine.map((e, i) => e / tps[n].bare[i]))),
      },
    ]),
  );
  const scaling = round2(median(tps[4].engine.map((e, i) => e / tps[1].engine[i])));
  return { per_batch: perBatch, engine_4_over_1: scaling, bare_4_over_1: round2(median(tps[4].bare.map((e, i) => e / tps[1].bare[i]))) };
}

/** Latencies of HEALTH_PROBES sequential /health requests, sorted; checks each answer with `check`. */
async function probeHealth(url: string, check: (h: { forward_in_flight: boolean; queue: { running: number } }) => void): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < HEALTH_PROBES; i++) {
    const t0 = performance.now();
    const h = (await (await fetch(`${url}/health`)).json()) as { forward_in_flight: boolean; queue: { running: number } };
    times.push(performance.now() - t0);
    check(h);
  }
  return times.sort((a, b) => a - b);
}

async function healthLatency(dir: string) {
  const engine = await spawnEngine({ modelDir: dir, port: 0, concurrency: 4, threads: 1 });
  try {
    // Baseline: the same probes against the idle engine (on a shared machine, scheduling noise).
    const idle = await probeHealth(engine.url, () => {});
    const abort = new AbortController();
    const streams = prompts(4).map((_, i) =>
      fetch(`${engine.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ messages: [{ role: 'user', content: `Request ${i}` }], max_tokens: 100_000, ignore_eos: true, stream: true }),
        signal: abort.signal,
      }).then((r) => r.text().catch(() => '')),
    );
    // Wait until all four decode.
    for (;;) {
      const h = (await (await fetch(`${engine.url}/health`)).json()) as { queue: { running: number } };
      if (h.queue.running === 4) break;
    }
    let inFlight = 0;
    const busy = await probeHealth(engine.url, (h) => {
      if (h.forward_in_flight) inFlight++;
      if (h.queue.running !== 4) throw new Error('a request ended before the probes did');
    });
    abort.abort();
    await Promise.allSettled(streams);
    const pct = (xs: number[], q: number) => round2(xs[Math.min(xs.length - 1, Math.floor(xs.length * q))]);
    return {
      probes: HEALTH_PROBES,
      p50_ms: pct(busy, 0.5),
      p99_ms: pct(busy, 0.99),
      idle_p50_ms: pct(idle, 0.5),
      idle_p99_ms: pct(idle, 0.99),
      answered_during_a_pass_pct: round2((inFlight / HEALTH_PROBES) * 100),
    };
  } finally {
    await engine.stop();
  }
}

async function peakMemory(dir: string) {
  const shape = { numLayers: 32, numKvHeads: 8, numHeads: 24, headSize: 128, contextLength: LONG_CONTEXT };
  writeKvModel(dir, 'gqa', shape);
  const catalog = JSON.parse(readFileSync(path.join(import.meta.dirname, '..', '..', 'resources', 'catalog', 'models.json'), 'utf8')) as Catalog;
  const V = (JSON.parse(readFileSync(path.join(dir, 'genai_config.json'), 'utf8')) as { model: { vocab_size: number } }).model.vocab_size;
  const model = {
    architecture: { layers: shape.numLayers, attentionHeads: shape.numHeads, kvHeads: shape.numKvHeads, headDim: shape.headSize, hiddenSize: shape.numHeads * shape.headSize, vocabSize: V, maxContext: LONG_CONTEXT },
  } as CatalogModel;
  const form = { precision: 'fp32', weightsBytes: statSync(path.join(dir, 'model.onnx')).size, weightsSource: 'model.onnx', kvBytesPerElement: 4 } as ModelForm;
  const terms = estimateTerms(catalog, { backend: 'embedded', model, form, context: LONG_CONTEXT, parallel: 1 });
  const estimate = terms.reduce((n, t) => n + t.bytes, 0);

  const engine = await spawnEngine({ modelDir: dir, port: 0, concurrency: 1, threads: 1, context: LONG_CONTEXT });
  try {
    const peak = () => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${engine.child.pid}/status`, 'utf8'))![1]) * 1024;
    const idle = peak();
    // A prompt and answer that fill the context (the reply ends at the context length).
    const tokenizer = readModelFiles(dir).tokenizer;
    const perWord = tokenizer.encode('word '.repeat(100)).length / 100;
    const res = await fetch(`${engine.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'word '.repeat(Math.floor((LONG_CONTEXT - 200) / perWord)) }], max_tokens: LONG_CONTEXT, ignore_eos: true }),
    });
    const body = (await res.json()) as { usage: { total_tokens: number } };
    if (!res.ok) throw new Error(`the long request failed: ${JSON.stringify(body)}`);
    const h = (await (await fetch(`${engine.url}/health`)).json()) as { kv_cache_bytes: number };
    const top = peak();
    return {
      context: LONG_CONTEXT,
      tokens_filled: body.usage.total_tokens,
      peak_rss_mb: Math.round(top / 2 ** 20),
      idle_rss_mb: Math.round(idle / 2 ** 20),
      kv_cache_mb: Math.round(h.kv_cache_bytes / 2 ** 20),
      planner_estimate_mb: Math.round(estimate / 2 ** 20),
      planner_terms_mb: Object.fromEntries(terms.map((t) => [t.key, Math.round(t.bytes / 2 ** 20)])),
      peak_over_estimate: round2(top / estimate),
    };
  } finally {
    await engine.stop();
  }
}

const tmp = mkdtempSync(path.join(os.tmpdir(), 'slm-runtime-bench-'));
try {
  const dir = writePhi4ShapeModel(path.join(tmp, 'phi4-shape'), { numLayers: LAYERS, contextLength: 4096 });
  log('batching (engine vs bare onnxruntime)');
  const b = await batching(dir);
  log(JSON.stringify(b));
  log('/health latency while decoding');
  const health = await healthLatency(dir);
  log(JSON.stringify(health));
  log('peak RSS at a long context');
  const memory = await peakMemory(path.join(tmp, 'phi4-kv'));
  log(JSON.stringify(memory));
  const worstRatio = Math.min(...Object.values(b.per_batch).map((x) => x.engine_over_bare));
  const pass = { within_10pct_of_bare: worstRatio >= 0.9, four_over_one_at_least_2x: b.engine_4_over_1 >= 2, health_p99_under_20ms: health.p99_ms < 20, peak_rss_within_1_1x: memory.peak_over_estimate <= 1.1 };
  console.log(
    JSON.stringify({
      bench: 'engine-runtime',
      model: `Phi-4-mini width (hidden 3072, 24/8 heads x 128, int4 MatMulNBits), ${LAYERS} layers; memory on Phi-4-mini's 32-layer KV shape`,
      tokens_per_request: TOKENS,
      rounds: ROUNDS,
      ort_threads: 1,
      batching: b,
      health_while_decoding: health,
      memory,
      targets: { engine_over_bare_min: 0.9, engine_4_over_1_min: 2, health_p99_ms_max: 20, peak_over_estimate_max: 1.1 },
      pass,
    }),
  );
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
