/**
 * Engine series from the real ONNX engine (electron/engine as a child process, the generated
 * tiny model): tokens/s is the rate of its /metrics counter, requests running show up, and
 * a stopped engine leaves a gap that closes when it is back.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventBus } from '../../electron/core/events/event-bus';
import { silentLogger } from '../../electron/core/log/logger';
import { EngineSource } from '../../electron/core/metrics/engine-source';
import { MetricsService } from '../../electron/core/metrics/metrics-service';
import { spawnEngine, type EngineProcess } from '../../electron/engine/spawn-engine';
import { generateTinyModel } from '../../electron/engine/tiny-model/generate';
import { TINY_DEMO_MESSAGES } from '../../electron/engine/tiny-model/spec';

let root: string;
let modelDir: string;
let engine: EngineProcess;
let service: MetricsService;

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'slm-metrics-engine-'));
  modelDir = generateTinyModel(path.join(root, 'tiny'));
  engine = await spawnEngine({ modelDir, port: 0, concurrency: 1, queue: 4, modelId: 'tiny-demo' });
  service = new MetricsService({ bus: new EventBus(), log: silentLogger, engines: new EngineSource() });
});
afterAll(async () => {
  service?.close();
  await engine?.stop();
  rmSync(root, { recursive: true, force: true });
});

const key = () => `engine.127.0.0.1:${engine.port}`;
const values = (id: string) => service.snapshot().series.find((s) => s.id === id)?.values ?? [];
async function until(what: string, pred: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const complete = async (body: Record<string, unknown>, signal?: AbortSignal) => {
  const res = await fetch(`${engine.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ messages: TINY_DEMO_MESSAGES, ...body }),
    signal,
  });
  return res;
};

describe('engine series from the real ONNX engine', () => {
  it('tokens/s integrates to exactly the tokens the engine generated; running requests show up', async () => {
    const { watchId } = service.watch({ scopes: ['engines'], engines: [{ kind: 'onnx', url: engine.url, label: 'tiny engine' }] });
    await until('first rate', () => values(`${key()}.tokens`).some((v) => v !== null));
    expect(service.snapshot().series.map((s) => s.label)).toEqual([
      'tiny engine tokens/s',
      'tiny engine requests running',
      'tiny engine requests waiting',
      'tiny engine KV cache memory',
    ]);

    let generated = 0;
    for (let i = 0; i < 4; i++) {
      const r = (await (await complete({ max_tokens: 48, ignore_eos: true })).json()) as { usage: { completion_tokens: number } };
      generated += r.usage.completion_tokens;
    }
    expect(generated).toBe(4 * 48);

    // A long streamed request: the engine reports it as running while it streams.
    const abort = new AbortController();
    const res = await complete({ stream: true, ignore_eos: true, max_tokens: 4000 }, abort.signal);
    await until('a running request', () => values(`${key()}.running`).includes(1));
    abort.abort();
    await res.body?.cancel().catch(() => undefined);
    await until('no running request', () => values(`${key()}.running`).at(-1) === 0);
    const snap = service.snapshot();
    // The engine keeps KV buffers for its slot once it has generated.
    expect(snap.series.find((s) => s.id === `${key()}.kvBytes`)!.values.at(-1)).toBeGreaterThan(0);
    const tokens = snap.series.find((s) => s.id === `${key()}.tokens`)!.values;
    expect(tokens.every((v) => v === null || v >= 0)).toBe(true);
    expect(Math.max(...tokens.filter((v): v is number => v !== null))).toBeGreaterThan(0);

    // Sum of rate x time between rows = the counter's growth, i.e. every generated token (plus the aborted stream's).
    const metrics = await (await fetch(`${engine.url}/metrics`)).text();
    const counter = Number(/^slm_engine_tokens_generated_total (\d+)/m.exec(metrics)![1]);
    expect(counter).toBeGreaterThanOrEqual(generated);
    await until('the last tokens counted', () => {
      const s = service.snapshot();
      const v = s.series.find((x) => x.id === `${key()}.tokens`)!.values;
      let sum = 0;
      for (let i = 1; i < v.length; i++) if (v[i] !== null) sum += (v[i]! * (s.at[i] - s.at[i - 1])) / 1000;
      return Math.abs(sum - counter) < 1e-6;
    });
    service.unwatch(watchId);
  });

  it('a stopped engine leaves a gap and reads as failing; on the same port again it recovers', async () => {
    service.watch({ scopes: ['engines'], engines: [{ kind: 'onnx', url: engine.url }] });
    await until('samples', () => values(`${key()}.running`).at(-1) === 0);
    const port = engine.port;
    await engine.stop();
    await until('a gap', () => values(`${key()}.running`).at(-1) === null);
    const st = service.status().sources.find((s) => s.name === `engine 127.0.0.1:${port}`)!;
    expect(st.state).toBe('failing');
    expect(st.message).toMatch(/stopped answering/);

    engine = await spawnEngine({ modelDir, port, concurrency: 1, queue: 4, modelId: 'tiny-demo' });
    await until('recovery', () => values(`${key()}.running`).at(-1) === 0);
    expect(service.status().sources.find((s) => s.name === `engine 127.0.0.1:${port}`)!.state).toBe('ok');
    const v = values(`${key()}.running`);
    expect(v.indexOf(null)).toBeGreaterThan(0);
  });
});
