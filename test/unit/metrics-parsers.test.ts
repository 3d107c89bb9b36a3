import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { counterRate, engineCounters, OllamaPsSchema, ollamaTotals } from '../../electron/core/metrics/engine-parse';
import { cpuPercent, parseMeminfo, parseProcStat, procFileReader, procReader } from '../../electron/core/metrics/host-source';
import { parseNvidiaLoopLine } from '../../electron/core/metrics/nvidia-loop';
import { parsePrometheus, sumOf } from '../../electron/core/metrics/prometheus';
import { gpuReadings } from '../../electron/core/metrics/gpu-source';
import { findAmdCards, readAmdCard } from '../../electron/core/metrics/amd-sysfs';

const fixture = (name: string) => path.join(import.meta.dirname, '..', 'fixtures', 'metrics', name);
const read = (name: string) => readFileSync(fixture(name), 'utf8');

describe('Prometheus text from vLLM /metrics', () => {
  it('reads gauges and counters with labels, skipping histograms it does not need', () => {
    const p = parsePrometheus(read('vllm-metrics-t0.prom'));
    expect(p.skipped).toBe(0);
    expect(p.types.get('vllm:generation_tokens_total')).toBe('counter');
    expect(p.samples.get('vllm:num_requests_running')).toEqual([
      { labels: { engine: '0', model_name: 'microsoft/Phi-4-mini-instruct' }, value: 2 },
    ]);
    expect(sumOf(p, 'vllm:request_success_total')).toBe(40);
    const inf = p.samples.get('vllm:iteration_tokens_total_bucket')!.find((s) => s.labels.le === '+Inf');
    expect(inf?.value).toBe(10040);
  });

  it('gives tokens, running, waiting and KV cache in percent', () => {
    expect(engineCounters(parsePrometheus(read('vllm-metrics-t0.prom')))).toEqual({
      generationTokens: 10000,
      running: 2,
      waiting: 1,
      kvCachePercent: 12.5,
      kvCacheBytes: null,
    });
  });

  it('tokens/s is the counter rate between two scrapes', () => {
    const a = engineCounters(parsePrometheus(read('vllm-metrics-t0.prom')));
    const b = engineCounters(parsePrometheus(read('vllm-metrics-t1.prom')));
    const rate = counterRate({ value: a.generationTokens!, at: 10_000 }, b.generationTokens!, 11_500);
    expect(rate).toBe(300); // 450 tokens in 1.5 s
    expect(b.running).toBe(3);
    expect(b.kvCachePercent).toBe(25);
  });

  it('sums data-parallel engines and averages their KV cache use', () => {
    const c = engineCounters(parsePrometheus(read('vllm-metrics-dp2.prom')));
    expect(c).toEqual({ generationTokens: 1000, running: 6, waiting: 5, kvCachePercent: 40, kvCacheBytes: null });
  });

  it('falls back to gpu_cache_usage_perc on vLLM before 0.9', () => {
    const c = engineCounters(parsePrometheus(read('vllm-0.6-metrics.prom')));
    expect(c.kvCachePercent).toBe(6.25);
    expect(c.generationTokens).toBe(2048);
  });

  it('a counter that goes down (server restarted) or no previous scrape gives no rate', () => {
    expect(counterRate(null, 10, 1000)).toBeNull();
    expect(counterRate({ value: 500, at: 0 }, 20, 1000)).toBeNull();
    expect(counterRate({ value: 500, at: 1000 }, 600, 1000)).toBeNull();
  });

  it('handles escapes, special values and timestamps, and counts lines it cannot read', () => {
    const p = parsePrometheus(
      [
        'a_metric{path="C:\\\\models",msg="say \\"hi\\"\\n"} 1.5 1732540000000',
        'b_metric NaN',
        'c_metric -Inf',
        'd_metric{broken="x} 1',
        'e_metric not-a-number',
        '   ',
        '# a comment',
        'f_metric{} 3e2',
      ].join('\n'),
    );
    expect(p.samples.get('a_metric')).toEqual([{ labels: { path: 'C:\\models', msg: 'say "hi"\n' }, value: 1.5 }]);
    expect(p.samples.get('b_metric')![0].value).toBeNaN();
    expect(p.samples.get('c_metric')![0].value).toBe(-Infinity);
    expect(p.samples.get('f_metric')![0].value).toBe(300);
    expect(p.skipped).toBe(2);
    expect(sumOf(p, 'b_metric')).toBe(0);
    expect(sumOf(p, 'missing')).toBeNull();
  });
});

describe('nvidia-smi loop output', () => {
  it('parses each row of a two-GPU loop, [N/A] as no value', () => {
    const rows = read('nvidia-smi-loop-2gpu.csv').trim().split('\n').map(parseNvidiaLoopLine);
    expect(rows.map((r) => r?.index)).toEqual([0, 1, 0, 1]);
    const [first, second, third] = rows;
    expect(first).toMatchObject({
      vendor: 'nvidia',
      name: 'NVIDIA GeForce RTX 4090',
      vramTotalBytes: 24564 * 2 ** 20,
      vramUsedBytes: 6012 * 2 ** 20,
      utilizationPercent: 87,
      temperatureC: 71,
      powerDrawW: 312.45,
    });
    expect(second?.powerDrawW).toBeNull();
    expect(third?.utilizationPercent).toBe(91);
  });

  it('driver error lines are not GPU rows', () => {
    for (const line of read('nvidia-smi-loop-driver-gone.txt').trim().split('\n')) expect(parseNvidiaLoopLine(line)).toBeNull();
  });

  it('turns a GPU into utilisation, VRAM (with its total), temperature and power series', () => {
    const gpu = parseNvidiaLoopLine(read('nvidia-smi-loop-2gpu.csv').split('\n')[0])!;
    const r = gpuReadings(gpu);
    expect(r.map((x) => [x.def.id, x.def.unit, x.value])).toEqual([
      ['gpu.nvidia0.util', 'percent', 87],
      ['gpu.nvidia0.vram', 'bytes', 6012 * 2 ** 20],
      ['gpu.nvidia0.temp', 'celsius', 71],
      ['gpu.nvidia0.power', 'watts', 312.45],
    ]);
    expect(r[1].def.max).toBe(24564 * 2 ** 20);
    expect(r[0].def.label).toBe('GPU 0 (GeForce RTX 4090) utilisation');
  });
});

describe('amdgpu sysfs', () => {
  it('finds only AMD cards and reads busy %, VRAM, temperature and power', async () => {
    const cards = await findAmdCards(fixture('amd-sysfs'));
    expect(cards.map((c) => c.index)).toEqual([0]);
    const gpu = await readAmdCard(cards[0].index, cards[0].deviceDir);
    expect(gpu).toMatchObject({
      vendor: 'amd',
      name: 'AMD Radeon RX 7800 XT',
      utilizationPercent: 63,
      vramUsedBytes: 4294967296,
      vramTotalBytes: 17163091968,
      temperatureC: 54,
      powerDrawW: 187,
    });
  });

  it('no drm folder means no AMD GPU', async () => {
    expect(await findAmdCards(fixture('no-such-folder'))).toEqual([]);
  });
});

describe('Ollama /api/ps', () => {
  it('sums loaded models and their VRAM', () => {
    const ps = OllamaPsSchema.parse(JSON.parse(read('ollama-ps.json')));
    expect(ollamaTotals(ps)).toEqual({ models: 1, sizeBytes: 3902963712, vramBytes: 3160694784, names: ['phi4-mini-reasoning:latest'] });
  });

  it('nothing loaded (models: [] or null)', () => {
    expect(ollamaTotals(OllamaPsSchema.parse({ models: [] })).models).toBe(0);
    expect(ollamaTotals(OllamaPsSchema.parse({ models: null })).vramBytes).toBe(0);
  });

  it('rejects a response that is not /api/ps', () => {
    expect(OllamaPsSchema.safeParse({ models: [{ name: 'x' }] }).success).toBe(false);
    expect(OllamaPsSchema.safeParse('Ollama is running').success).toBe(false);
  });
});

describe('/proc host counters', () => {
  it('CPU total and per core from two /proc/stat readings (iowait counts as idle)', () => {
    const a = parseProcStat(read('proc-stat-t0.txt'));
    const b = parseProcStat(read('proc-stat-t1.txt'));
    expect(a.cores).toHaveLength(4);
    expect(cpuPercent(a.all, b.all)).toBe(37.5);
    expect(b.cores.map((c, i) => cpuPercent(a.cores[i], c))).toEqual([100, 50, 0, 0]);
    expect(cpuPercent(undefined, b.all)).toBeNull();
    expect(cpuPercent(b.all, b.all)).toBeNull();
  });

  it('memory and swap from /proc/meminfo', () => {
    expect(parseMeminfo(read('meminfo.txt'))).toEqual({
      totalBytes: 16318412 * 1024,
      availableBytes: 9438460 * 1024,
      swapTotalBytes: 4194300 * 1024,
      swapFreeBytes: 3145724 * 1024,
    });
  });

  it('estimates available memory on kernels without MemAvailable', () => {
    expect(parseMeminfo(read('meminfo-3.10.txt')).availableBytes).toBe((1000000 + 200000 + 3000000) * 1024);
  });

  it('reads whole files into its reused buffer, growing it for long ones (a /proc/stat with many IRQs)', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'slm-deck-proc-'));
    const big = read('proc-stat-t0.txt').replace('intr 1229977', `intr 1229977${' 0'.repeat(100_000)}`);
    writeFileSync(path.join(dir, 'stat'), big);
    writeFileSync(path.join(dir, 'small'), 'x');
    const readProc = procFileReader();
    expect(readProc(path.join(dir, 'stat'))).toBe(big);
    expect(readProc(path.join(dir, 'small'))).toBe('x');
    expect(parseProcStat(readProc(path.join(dir, 'stat'))).cores).toHaveLength(4);
  });

  it('reads this machine\'s /proc', async () => {
    const r = procReader();
    expect((await r.stat()).cores.length).toBe(os.cpus().length);
    expect((await r.mem()).totalBytes).toBe(os.totalmem());
  });

  it('rejects text that is not /proc/stat or /proc/meminfo', () => {
    expect(() => parseProcStat('hello')).toThrow(/cpu/);
    expect(() => parseMeminfo('hello')).toThrow(/MemTotal/);
  });
});
