import { describe, expect, it } from 'vitest';
import { comparisonTable } from '../../electron/core/bench/comparison';
import { CSV_COLUMNS, exportRun } from '../../electron/core/bench/export';
import { loadFacts } from '../../electron/core/bench/facts';
import type { MemoryProbe } from '../../electron/core/bench/memory-probe';
import { runBenchmark, type RunnerDeps } from '../../electron/core/bench/runner';
import { defaultSuite, parseSuite, suiteToJsonl } from '../../electron/core/bench/suite';
import { createLogger } from '../../electron/core/log/logger';
import type { ChatClient, ChatRequest } from '../../electron/core/chat/protocols/types';
import { BENCH_METRICS, BenchRunSchema, benchMetricValue, type BenchConfig } from '../../electron/shared/contract/bench';
import type { ChatBackend } from '../../electron/shared/contract/chat';
import type { Deployment } from '../../electron/shared/contract/docker';
import { DeckError } from '../../electron/shared/errors';
import { GIB, makeProfile } from '../fixtures/hardware/profiles';
import { parseCsv, parseMarkdownTable } from './bench-parse';

const log = createLogger([], 'error');

const BACKENDS: ChatBackend[] = [
  { id: 'docker:vllm', kind: 'openai', baseUrl: 'http://127.0.0.1:8000/v1', label: 'vllm · vLLM (CPU, Docker)', source: 'docker', removable: false, model: 'microsoft/Phi-4-mini-instruct' },
  { id: 'custom:b', kind: 'openai', baseUrl: 'http://127.0.0.1:9001/v1', label: 'Engine B', source: 'custom', removable: true },
  { id: 'custom:c', kind: 'openai', baseUrl: 'http://127.0.0.1:9002/v1', label: 'Engine C', source: 'custom', removable: true },
];

const DEPLOYMENT = {
  name: 'vllm',
  backend: 'vllm-cpu',
  containers: [{ id: 'x', name: 'slm-deck-vllm', role: 'server' }],
  gpu: null,
} as unknown as Deployment;

/** Answers 3 tokens per request (usage included); `failFrom` makes a server fail from its n-th request on. */
function fakeClient(calls: string[], failFrom: Record<string, number> = {}): ChatClient {
  const counts = new Map<string, number>();
  return {
    async *chat(req: ChatRequest) {
      const n = (counts.get(req.baseUrl) ?? 0) + 1;
      counts.set(req.baseUrl, n);
      calls.push(`${req.baseUrl.slice(17, 21)} ${req.messages.at(-1)!.content}`);
      await new Promise((r) => setTimeout(r, 1));
      if (failFrom[req.baseUrl] !== undefined && n >= failFrom[req.baseUrl]) {
        throw new DeckError('server_unreachable', `Cannot reach the server at ${req.baseUrl} (ECONNREFUSED).`, 'Is the server running?');
      }
      for (const t of ['a', 'b', 'c']) {
        yield { type: 'content', text: t };
        await new Promise((r) => setTimeout(r, 2));
      }
      yield { type: 'usage', promptTokens: 7, completionTokens: 3 };
      yield { type: 'finish', reason: 'stop' };
    },
    models: async (baseUrl) => (baseUrl.includes(':8000') ? [{ id: 'microsoft/Phi-4-mini-instruct', detail: 'vllm' }] : [{ id: 'slm-deck-tiny-demo', detail: 'slm-deck' }]),
  };
}

/** The container's memory peaks at 2 GiB in the first level and 3 GiB in the second. */
function fakeMemory(seen: Array<{ scopes: string[] }>): MemoryProbe {
  let level = 0;
  return {
    begin: (o) => {
      seen.push({ scopes: [...o.scopes] });
      return {
        mark: async () => undefined,
        peak: (series) => (series.includes('container.slm-deck-vllm.mem') ? (++level <= 1 ? 2 * GIB : 3 * GIB) : null),
        end: () => undefined,
      };
    },
  };
}

function deps(client: ChatClient, memory: MemoryProbe): RunnerDeps {
  return {
    resolveBackend: async (id) => {
      const b = BACKENDS.find((x) => x.id === id);
      if (!b) throw new DeckError('not_found', `The backend "${id}" is not available.`);
      return b;
    },
    clients: { openai: client, ollama: client },
    deployments: async () => [DEPLOYMENT],
    hardware: async () => makeProfile({ gpus: [] }),
    memory,
    appVersion: '0.0.0-test',
    log,
  };
}

const prompts = [
  { id: 'p1', prompt: 'one' },
  { id: 'p2', prompt: 'two' },
  { id: 'p3', prompt: 'three' },
];
const config = (o: Partial<BenchConfig> = {}): BenchConfig => ({
  name: '',
  backends: BACKENDS.map((b) => ({ backendId: b.id })),
  prompts,
  runs: 2,
  concurrency: [1, 2],
  maxTokens: 16,
  temperature: 0,
  seed: 42,
  warmup: 1,
  timeoutSec: 30,
  ...o,
});
const ctx = () => ({ signal: new AbortController().signal, update: () => undefined });

describe('benchmark runner (scripted servers)', () => {
  it('warms up, interleaves the backends, and measures every planned request', async () => {
    const calls: string[] = [];
    const run = await runBenchmark('20250101-000000-aaaa', config({ backends: BACKENDS.slice(1).map((b) => ({ backendId: b.id })) }), deps(fakeClient(calls), fakeMemory([])), ctx());
    expect(run.status).toBe('completed');
    expect(run.config.name).toBe('Engine B vs Engine C');
    // One warm-up each, then at concurrency 1 the first backend alternates prompt by prompt.
    expect(calls.slice(0, 8)).toEqual(['9001 one', '9002 one', '9001 one', '9002 one', '9002 two', '9001 two', '9001 three', '9002 three']);
    expect(run.cells.map((c) => [c.backendId, c.concurrency, c.sent, c.ok, c.errors])).toEqual([
      ['custom:b', 1, 6, 6, 0],
      ['custom:c', 1, 6, 6, 0],
      ['custom:b', 2, 6, 6, 0],
      ['custom:c', 2, 6, 6, 0],
    ]);
    expect(run.samples).toHaveLength(24);
    for (const c of run.cells) {
      expect(c.ttftP50Ms).toBeGreaterThan(0);
      expect(c.decodeTpsP50).toBeGreaterThan(0);
      // prompt tok/s = 7 prompt tokens over the TTFT
      expect(c.promptTpsP50).toBeGreaterThan(0);
      expect(c.requestsPerSec).toBeGreaterThan(0);
    }
    expect(run.backends.map((b) => [b.family, b.device, b.model])).toEqual([
      ['onnx', 'cpu', 'slm-deck-tiny-demo'],
      ['onnx', 'cpu', 'slm-deck-tiny-demo'],
    ]);
    expect(BenchRunSchema.safeParse(run).success).toBe(true);
  });

  it('gives up a backend that keeps failing and finishes the others', async () => {
    const calls: string[] = [];
    const seen: Array<{ scopes: string[] }> = [];
    const run = await runBenchmark('20250101-000000-bbbb', config(), deps(fakeClient(calls, { 'http://127.0.0.1:9001/v1': 4 }), fakeMemory(seen)), ctx());
    const b = run.backends.find((x) => x.backendId === 'custom:b')!;
    // warm-up + 2 answered, then 3 failures in a row
    expect(b).toMatchObject({ status: 'failed', failedAfter: 5, error: { code: 'server_unreachable' } });
    expect(b.error!.message).toMatch(/^Given up after 3 failed requests in a row: Cannot reach/);
    const cellB1 = run.cells.find((c) => c.backendId === 'custom:b' && c.concurrency === 1)!;
    expect(cellB1).toMatchObject({ planned: 6, sent: 5, ok: 2, errors: 3 });
    expect(run.cells.find((c) => c.backendId === 'custom:b' && c.concurrency === 2)).toMatchObject({ sent: 0, ok: 0, ttftP50Ms: null });
    for (const id of ['docker:vllm', 'custom:c']) {
      for (const c of run.cells.filter((x) => x.backendId === id)) expect(c).toMatchObject({ sent: 6, ok: 6, errors: 0 });
    }
    expect(calls.filter((c) => c.startsWith('9001'))).toHaveLength(6);

    // The deployment's container memory comes from the monitor; the custom URLs have none.
    expect(seen).toEqual([{ scopes: ['containers'] }]);
    const vllm = run.cells.filter((c) => c.backendId === 'docker:vllm');
    expect(vllm.map((c) => c.peakMemoryBytes)).toEqual([2 * GIB, 3 * GIB]);
    expect(vllm[0].memoryNote).toBe('Memory: container slm-deck-vllm (docker stats). VRAM: not measured (no GPU on this machine).');
    const c1 = run.cells.find((c) => c.backendId === 'custom:c')!;
    expect(c1.peakMemoryBytes).toBeNull();
    expect(c1.memoryNote).toMatch(/not a SLM Deck container/);

    const table = comparisonTable(run, loadFacts());
    expect(table.columns.map((c) => `${c.label}/${c.familyLabel}/${c.device}`)).toEqual(['vllm · vLLM (CPU, Docker)/vLLM/cpu', 'Engine B/ONNX Runtime/cpu', 'Engine C/ONNX Runtime/cpu']);
    const row = (key: string) => table.rows.find((r) => r.key === key)!;
    expect(row('cpuTps').cells[0]).toMatchObject({ measured: true, text: expect.stringMatching(/^\d+\.\d tok\/s$/) });
    expect(row('gpuTps').cells[0]).toMatchObject({ measured: false, text: 'Excellent (~25 tok/s)' });
    expect(row('memory').cells[0]).toMatchObject({ measured: true, text: '3.00 GiB peak' });
    expect(row('memory').cells[2]).toMatchObject({ measured: false, text: '4–8 GB' });
    expect(row('setup').cells.map((c) => c.text)).toEqual(['Medium', 'Easy', 'Easy']);
    expect(row('api').cells.map((c) => c.text)).toEqual(['OpenAI-compatible', 'OpenAI-compatible', 'OpenAI-compatible']);
    expect(row('memory').cells[2].note).toMatch(/^Quoted from the deployment guide; /);
    expect(row('toolCalling').cells[0].note).toMatch(/phi4_mini_json/);
    expect(table.verdicts.some((v) => v.startsWith('Engine B failed after 5 requests: Given up'))).toBe(true);
    expect(table.verdicts.some((v) => v.startsWith('Fastest single stream: '))).toBe(true);

    // Exports parse back to the same numbers.
    const json = JSON.parse(exportRun(run, 'json', table).content);
    expect(json).toEqual(run);
    const csv = parseCsv(exportRun(run, 'csv', table).content);
    expect(csv[0]).toEqual([...CSV_COLUMNS]);
    expect(csv).toHaveLength(run.cells.length + 1);
    run.cells.forEach((cell, i) => {
      const r = Object.fromEntries(CSV_COLUMNS.map((k, j) => [k, csv[i + 1][j]]));
      const num = (s: string) => (s === '' ? null : Number(s));
      expect(r.backend_id).toBe(cell.backendId);
      expect(num(r.concurrency)).toBe(cell.concurrency);
      expect(num(r.errors)).toBe(cell.errors);
      expect(num(r.ttft_p50_ms)).toBe(cell.ttftP50Ms);
      expect(num(r.decode_tps_p50)).toBe(cell.decodeTpsP50);
      expect(num(r.requests_per_s)).toBe(cell.requestsPerSec);
      expect(num(r.peak_memory_bytes)).toBe(cell.peakMemoryBytes);
    });
    const md = exportRun(run, 'markdown', table).content;
    const measurements = parseMarkdownTable(md, '## Measurements');
    expect(measurements).toHaveLength(run.cells.length);
    run.cells.forEach((cell, i) => {
      BENCH_METRICS.forEach((m) => {
        const v = benchMetricValue(cell, m.key);
        const text = measurements[i][`${m.label} (${m.unit})`];
        if (v === null) expect(text).toBe('—');
        else expect(Number(text)).toBe(Number(v.toFixed(m.decimals)));
      });
    });
    const comparison = parseMarkdownTable(md, '## Comparison');
    expect(comparison.find((r) => r[''] === 'Memory use')!['vllm · vLLM (CPU, Docker) (vLLM)']).toBe('**3.00 GiB peak**');
  });

  it('reports an unknown backend and refuses to run when none answers', async () => {
    const calls: string[] = [];
    await expect(
      runBenchmark('20250101-000000-cccc', config({ backends: [{ backendId: 'custom:gone' }] }), deps(fakeClient(calls), fakeMemory([])), ctx()),
    ).rejects.toMatchObject({ code: 'server_unreachable', message: expect.stringContaining('custom:gone: The backend "custom:gone" is not available.') });
    expect(calls).toEqual([]);
  });
});

describe('prompt suites', () => {
  it('defaults to the seed prompts', () => {
    const s = defaultSuite();
    expect(s.map((p) => p.id)).toContain('math-train');
    expect(s.find((p) => p.id === 'math-train')!.prompt).toMatch(/240 km in 3 hours/);
    expect(s.find((p) => p.id === 'math-train')!.system).toMatch(/step by step/);
  });

  it('reads JSONL and JSON arrays, and says which line is wrong', () => {
    expect(parseSuite('{"prompt":"a"}\n\n# comment\n{"id":"x","text":"b","system":"s"}\n{"content":"c","id":"x"}')).toEqual([
      { id: 'p1', prompt: 'a' },
      { id: 'x', prompt: 'b', system: 's' },
      { id: 'x-5', prompt: 'c' },
    ]);
    expect(parseSuite('[{"prompt":"a","label":"A"}]')).toEqual([{ id: 'p1', prompt: 'a', label: 'A' }]);
    expect(() => parseSuite('{"prompt":"a"}\n{"prompt": }')).toThrow(/Line 2 of the suite is not JSON/);
    expect(() => parseSuite('{"prompt":"a"}\n{"question":"b"}')).toThrow('Line 2 of the suite has no prompt.');
    expect(() => parseSuite('   ')).toThrow('The prompt suite is empty.');
    const round = defaultSuite();
    expect(parseSuite(suiteToJsonl(round))).toEqual(round);
  });
});
