import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../electron/core/app-core';
import { CSV_COLUMNS } from '../../electron/core/bench/export';
import { unwrap } from '../../electron/core/rpc/dispatcher';
import { spawnEngine, type EngineProcess } from '../../electron/engine/spawn-engine';
import { TINY_MODEL_ID } from '../../electron/engine/tiny-model/spec';
import type { MethodInput, MethodName, MethodResult } from '../../electron/shared/contract';
import type { TaskSnapshot } from '../../electron/shared/contract/app';
import { BENCH_METRICS, benchMetricValue, type BenchRun } from '../../electron/shared/contract/bench';
import { startOllamaFake, type OllamaFake } from '../fakes/ollama';
import { ROOT, tempHome } from '../helpers/serve';
import { parseCsv, parseMarkdownTable } from '../unit/bench-parse';

/**
 * Benchmarks against real inference: two ONNX engine processes running the tiny demo model
 * stand in for two OpenAI-compatible backends, next to the Ollama protocol fake (Ollama
 * cannot run here). A run completes, cancels, survives a backend killed mid-run, and its
 * exports parse back to the same numbers.
 */
const MODEL_DIR = path.join(ROOT, 'resources', 'models', TINY_MODEL_ID);
const TINY_TOKENS = 13;
const signal = new AbortController().signal;

let engineA: EngineProcess;
let engineB: EngineProcess;
let fake: OllamaFake;
let core: Core;
let idA: string;
let idB: string;
let completed: BenchRun;

async function call<M extends MethodName>(method: M, params: MethodInput<M>): Promise<MethodResult<M>> {
  return unwrap(await core.dispatcher.call(method, params, { transport: 'websocket', signal })) as MethodResult<M>;
}

/** Starts a run; `onProgress` sees each progress snapshot of it (and may cancel or kill). */
async function bench(params: MethodInput<'bench.start'>, onProgress?: (s: TaskSnapshot, taskId: string) => void): Promise<TaskSnapshot> {
  let taskId = '';
  const off = core.bus.on('task.progress', (s) => {
    if (s.id === taskId) onProgress?.(s, taskId);
  });
  taskId = (await call('bench.start', params)).taskId;
  const done = await core.tasks.wait(taskId);
  off();
  return done;
}

const SHORT = [
  { id: 'hello', prompt: 'Hello! Who are you?' },
  { id: 'count', prompt: 'Count to three' },
  { id: 'capital', prompt: 'Name a capital city' },
];

beforeAll(async () => {
  [engineA, engineB] = await Promise.all([spawnEngine({ modelDir: MODEL_DIR }), spawnEngine({ modelDir: MODEL_DIR })]);
  fake = await startOllamaFake({ installed: ['phi4-mini'] });
  core = await createCore({ home: tempHome('slm-deck-bench-it-') });
  await call('settings.set', { ollamaUrl: fake.url });
  idA = (await call('chat.addBackend', { label: 'Engine A', baseUrl: engineA.url, kind: 'openai' })).id;
  idB = (await call('chat.addBackend', { label: 'Engine B', baseUrl: engineB.url, kind: 'openai' })).id;
});

afterAll(async () => {
  await core?.close();
  await Promise.all([engineA?.stop(), engineB?.stop(), fake?.close()]);
});

describe('benchmark against two engines and the Ollama fake', () => {
  it('a run completes: every request measured, figures per backend and concurrency, memory of Ollama from /api/ps', async () => {
    const done = await bench({ backends: [{ backendId: idA }, { backendId: idB }, { backendId: 'ollama' }], runs: 1, concurrency: [1, 2], maxTokens: 32 });
    expect(done.state, JSON.stringify(done.error)).toBe('succeeded');
    const { runId } = done.result as { runId: string };
    completed = await call('bench.get', { id: runId });
    expect(completed.status).toBe('completed');
    // The default suite is the seed's prompts.
    expect(completed.config.prompts.map((p) => p.id)).toEqual((await call('bench.defaultSuite', {})).map((p) => p.id));
    const planned = completed.config.prompts.length;
    expect(completed.cells).toHaveLength(6);
    for (const c of completed.cells) {
      expect(c, c.backendId).toMatchObject({ planned, sent: planned, ok: planned, errors: 0 });
      expect(c.ttftP50Ms).toBeGreaterThan(0);
      expect(c.ttftP95Ms).toBeGreaterThanOrEqual(c.ttftP50Ms!);
      expect(c.e2eP50Ms).toBeGreaterThanOrEqual(c.ttftP50Ms!);
      expect(c.decodeTpsP50).toBeGreaterThan(0);
      expect(c.promptTpsP50).toBeGreaterThan(0);
      expect(c.requestsPerSec).toBeGreaterThan(0);
    }
    // The engine answers every chat with its 13-token greeting and reports usage; the fake echoes the prompt.
    const engineSamples = completed.samples.filter((s) => s.backendId === idA);
    expect(engineSamples.every((s) => s.completionTokens === TINY_TOKENS && s.tokenSource === 'server')).toBe(true);
    expect(completed.samples.filter((s) => s.backendId === 'ollama').every((s) => s.tokenSource === 'server' && s.completionTokens! > 0)).toBe(true);
    // Seed and temperature reach the servers: Ollama got them as options.
    const last = fake.inferences.at(-1)!;
    expect(last.options).toMatchObject({ temperature: 0, seed: 42, num_predict: 32 });

    const [a, b, o] = [idA, idB, 'ollama'].map((id) => completed.backends.find((x) => x.backendId === id)!);
    expect(a).toMatchObject({ label: 'Engine A', family: 'onnx', model: TINY_MODEL_ID, status: 'ok', error: null });
    expect(b).toMatchObject({ family: 'onnx', status: 'ok' });
    expect(o).toMatchObject({ family: 'ollama', model: 'phi4-mini:latest', status: 'ok' });
    expect(completed.hardware?.cpu.logicalCores).toBeGreaterThan(0);

    const ps = (await (await fetch(`${fake.url}/api/ps`)).json()) as { models: Array<{ size: number }> };
    const ollamaCells = completed.cells.filter((c) => c.backendId === 'ollama');
    expect(ollamaCells.map((c) => c.peakMemoryBytes)).toEqual([ps.models[0].size, ps.models[0].size]);
    expect(ollamaCells[0].memoryNote).toMatch(/^Memory: loaded models \(Ollama \/api\/ps\)\./);
    const aCell = completed.cells.find((c) => c.backendId === idA)!;
    expect(aCell.peakMemoryBytes).toBeNull();
    expect(aCell.memoryNote).toMatch(/not a SLM Deck container/);

    const history = await call('bench.list', {});
    expect(history[0]).toMatchObject({ id: runId, status: 'completed', prompts: planned, concurrency: [1, 2] });

    const table = await call('bench.comparison', { id: runId });
    expect(table.columns.map((c) => c.familyLabel)).toEqual(['ONNX Runtime', 'ONNX Runtime', 'Ollama']);
    const cpu = table.rows.find((r) => r.key === 'cpuTps')!;
    expect(cpu.cells.every((c) => c.measured && /tok\/s$/.test(c.text))).toBe(true);
    expect(table.rows.find((r) => r.key === 'api')!.cells[2].text).toMatch(/REST/);
  });

  it('exports parse back to the same numbers (CSV, JSON, Markdown)', async () => {
    const json = await call('bench.export', { id: completed.id, format: 'json' });
    expect(JSON.parse(json.content)).toEqual(completed);

    const csv = await call('bench.export', { id: completed.id, format: 'csv' });
    expect(csv.filename).toBe(`slm-deck-benchmark-${completed.id}.csv`);
    const rows = parseCsv(csv.content);
    expect(rows[0]).toEqual([...CSV_COLUMNS]);
    const col = (name: (typeof CSV_COLUMNS)[number]) => CSV_COLUMNS.indexOf(name);
    const num = (s: string) => (s === '' ? null : Number(s));
    completed.cells.forEach((c, i) => {
      const r = rows[i + 1];
      expect(r[col('backend_id')]).toBe(c.backendId);
      expect([num(r[col('concurrency')]), num(r[col('ok')]), num(r[col('errors')])]).toEqual([c.concurrency, c.ok, c.errors]);
      expect(num(r[col('ttft_p50_ms')])).toBe(c.ttftP50Ms);
      expect(num(r[col('ttft_p95_ms')])).toBe(c.ttftP95Ms);
      expect(num(r[col('decode_tps_p50')])).toBe(c.decodeTpsP50);
      expect(num(r[col('prompt_tps_p50')])).toBe(c.promptTpsP50);
      expect(num(r[col('e2e_p50_ms')])).toBe(c.e2eP50Ms);
      expect(num(r[col('requests_per_s')])).toBe(c.requestsPerSec);
      expect(num(r[col('output_tps')])).toBe(c.outputTps);
      expect(num(r[col('peak_memory_bytes')])).toBe(c.peakMemoryBytes);
    });

    const md = (await call('bench.export', { id: completed.id, format: 'markdown' })).content;
    const table = parseMarkdownTable(md, '## Measurements');
    completed.cells.forEach((c, i) => {
      for (const m of BENCH_METRICS) {
        const v = benchMetricValue(c, m.key);
        expect(table[i][`${m.label} (${m.unit})`], `${c.backendId} ${m.key}`).toBe(v === null ? '—' : v.toFixed(m.decimals));
      }
    });
    const comparison = parseMarkdownTable(md, '## Comparison');
    expect(comparison.map((r) => r[''])).toEqual(['Set-up effort', 'Performance (GPU)', 'Performance (CPU)', 'Memory use', 'API style', 'Tool calling', 'Quantisation formats', 'Production readiness', 'Edge fit']);
  });

  it('cancelling stops the requests and keeps what was measured, marked cancelled', async () => {
    fake.tokenIntervalMs = 15;
    try {
      let cancelled = false;
      const done = await bench({ backends: [{ backendId: idA }, { backendId: 'ollama' }], prompts: SHORT, runs: 10, concurrency: [1] }, (s, taskId) => {
        if (!cancelled && (s.progress ?? 0) >= 0.2) {
          cancelled = true;
          void call('tasks.cancel', { taskId });
        }
      });
      expect(done.state).toBe('cancelled');
      const seen = fake.inferences.length;
      // A request of our own is the witness: by the time the fake has recorded it, a request the
      // cancelled run still sent would be recorded too.
      const witness = await fetch(`${fake.url}/api/chat`, {
        method: 'POST',
        body: JSON.stringify({ model: 'phi4-mini', messages: [{ role: 'user', content: 'witness' }], stream: false }),
      });
      expect(witness.status).toBe(200);
      expect(fake.inferences.slice(seen).map((r) => r.messages.at(-1)?.content)).toEqual(['witness']);
      const run = (await call('bench.list', {}))[0];
      expect(run.status).toBe('cancelled');
      const saved = await call('bench.get', { id: run.id });
      const sent = saved.cells.reduce((n, c) => n + c.sent, 0);
      expect(sent).toBeGreaterThan(0);
      expect(sent).toBeLessThan(2 * 30);
      expect(saved.samples.every((s) => s.error === null)).toBe(true);
    } finally {
      fake.tokenIntervalMs = 0;
    }
  });

  it('a backend killed mid-run is reported as failed and the others finish', async () => {
    fake.tokenIntervalMs = 10;
    try {
      let killed = false;
      const done = await bench({ backends: [{ backendId: idA }, { backendId: idB }, { backendId: 'ollama' }], prompts: SHORT, runs: 4, concurrency: [1, 2] }, (s) => {
        if (!killed && (s.progress ?? 0) >= 0.25) {
          killed = true;
          engineB.child.kill('SIGKILL');
        }
      });
      expect(killed).toBe(true);
      expect(done.state, JSON.stringify(done.error)).toBe('succeeded');
      const run = await call('bench.get', { id: (done.result as { runId: string }).runId });
      const b = run.backends.find((x) => x.backendId === idB)!;
      expect(b.status).toBe('failed');
      expect(b.error!.message).toMatch(/^Given up after \d+ failed requests in a row: /);
      expect(b.failedAfter).toBeLessThan(2 * 12);
      for (const id of [idA, 'ollama']) {
        for (const c of run.cells.filter((x) => x.backendId === id)) expect(c, `${id} c=${c.concurrency}`).toMatchObject({ planned: 12, sent: 12, ok: 12, errors: 0 });
      }
      const bCells = run.cells.filter((x) => x.backendId === idB);
      expect(bCells.reduce((n, c) => n + c.errors, 0)).toBeGreaterThanOrEqual(3);
      const table = await call('bench.comparison', { id: run.id });
      expect(table.verdicts.some((v) => v.startsWith('Engine B failed after'))).toBe(true);

      // Two runs side by side: Engine A at concurrency 1 in both.
      const cmp = await call('bench.compare', { a: completed.id, b: run.id });
      const ttft = cmp.rows.find((r) => r.backendId === idA && r.concurrency === 1 && r.metric === 'ttftP50Ms')!;
      expect(ttft.a).toBe(completed.cells.find((c) => c.backendId === idA && c.concurrency === 1)!.ttftP50Ms);
      expect(ttft.b).toBe(run.cells.find((c) => c.backendId === idA && c.concurrency === 1)!.ttftP50Ms);
      expect(ttft.changePct).toBeCloseTo(((ttft.b! - ttft.a!) / ttft.a!) * 100, 10);
    } finally {
      fake.tokenIntervalMs = 0;
    }
  });

  it('refuses a second run while one is running, and bad settings', async () => {
    fake.tokenIntervalMs = 20;
    try {
      const first = await call('bench.start', { backends: [{ backendId: 'ollama' }], prompts: SHORT, runs: 5, concurrency: [1] });
      const env = await core.dispatcher.call('bench.start', { backends: [{ backendId: idA }] }, { transport: 'websocket', signal });
      expect(env).toMatchObject({ ok: false, error: { code: 'conflict', message: 'A benchmark is already running.' } });
      await call('tasks.cancel', first);
      await core.tasks.wait(first.taskId);
    } finally {
      fake.tokenIntervalMs = 0;
    }
    const bad = await core.dispatcher.call('bench.start', { backends: [{ backendId: idA }], concurrency: [1, 1] }, { transport: 'websocket', signal });
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid_input', message: expect.stringContaining('each concurrency level once') } });
    const missing = await core.dispatcher.call('bench.get', { id: '../settings' }, { transport: 'websocket', signal });
    expect(missing).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
  });
});
