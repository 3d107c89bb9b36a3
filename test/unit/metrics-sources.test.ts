import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { StatsSample } from '../../electron/shared/contract/docker';
import { EventBus } from '../../electron/core/events/event-bus';
import { ChatStreamSource } from '../../electron/core/metrics/chat-stream-source';
import { ContainerSource, type ContainerFeed, type WatchedContainer } from '../../electron/core/metrics/container-source';
import { chatBackendEngines } from '../../electron/core/metrics/engine-targets';
import { EngineSource, engineKey } from '../../electron/core/metrics/engine-source';
import { HostSource } from '../../electron/core/metrics/host-source';
import { NvidiaSmiLoop } from '../../electron/core/metrics/nvidia-loop';
import type { CollectContext } from '../../electron/core/metrics/source';

const fixture = (name: string) => path.join(import.meta.dirname, '..', 'fixtures', 'metrics', name);
const ctx = (now: number, intervalMs = 1000): CollectContext => ({ now, intervalMs, signal: new AbortController().signal });
const until = async (pred: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('HostSource on this machine', () => {
  it('reads CPU (from the second tick), every core, memory within the total, and load', async () => {
    const src = new HostSource();
    src.start();
    const first = await src.collect();
    expect(first.find((r) => r.def.id === 'host.cpu')!.value).toBeNull();
    await new Promise((r) => setTimeout(r, 200));
    const second = await src.collect();
    const byId = new Map(second.map((r) => [r.def.id, r]));
    const cpu = byId.get('host.cpu')!.value!;
    expect(cpu).toBeGreaterThanOrEqual(0);
    expect(cpu).toBeLessThanOrEqual(100);
    const cores = second.filter((r) => r.def.group === 'cores');
    expect(cores.length).toBeGreaterThanOrEqual(1);
    const used = byId.get('host.mem.used')!;
    expect(used.value!).toBeGreaterThan(0);
    expect(used.value!).toBeLessThan(used.def.max!);
    expect(byId.get('host.load1')!.value).toBeGreaterThanOrEqual(0);
    expect(src.status()[0].state).toBe('ok');
  });
});

describe('NvidiaSmiLoop', () => {
  it('no nvidia-smi on PATH: no GPU series and no retries', async () => {
    const loop = new NvidiaSmiLoop('slm-deck-no-such-nvidia-smi');
    loop.start(1000);
    await until(() => loop.status().state === 'absent');
    expect(loop.read(Date.now())).toEqual([]);
    expect(loop.status().message).toMatch(/No NVIDIA GPU/);
    loop.stop();
  });

  it('reads rows as the loop prints them; a loop that ends leaves stale rows out and restarts', async () => {
    // `cat` stands in for the long-running loop: it prints recorded rows, then exits like a crashed loop would.
    const loop = new NvidiaSmiLoop('cat', undefined, () => [fixture('nvidia-smi-loop-2gpu.csv')]);
    loop.start(100);
    await until(() => loop.read(Date.now()).length === 2);
    const gpus = loop.read(Date.now());
    expect(gpus.map((g) => [g.index, g.utilizationPercent])).toEqual([
      [0, 91],
      [1, 0],
    ]);
    await until(() => loop.status().state === 'failing');
    expect(loop.status().message).toMatch(/Retrying in 2 s/);
    // After 2.5 intervals without a row the GPU reads as a gap, not as its last value.
    await until(() => loop.read(Date.now()).length === 0);
    expect(loop.status().state).toBe('failing');
    // The backoff (2 s) passes; a read after it starts the loop again and fresh rows arrive.
    await until(() => loop.read(Date.now()).length === 2, 10_000);
    loop.stop();
    expect(loop.status().state).toBe('idle');
  });

  it('a driver failure says what to do', async () => {
    const loop = new NvidiaSmiLoop('cat', undefined, () => [fixture('nvidia-smi-loop-driver-gone.txt')]);
    loop.start(1000);
    await until(() => loop.status().state === 'failing');
    expect(loop.status().message).toMatch(/cannot talk to the NVIDIA driver/);
    expect(loop.status().hint).toMatch(/modprobe nvidia/);
    loop.stop();
  });
});

function sample(container: string, cpuPercent: number, memoryBytes: number): StatsSample {
  return {
    container,
    time: Date.now(),
    cpuPercent,
    onlineCpus: 2,
    memoryBytes,
    memoryLimitBytes: 512 * 2 ** 20,
    memoryPercent: 0,
    netRxBytes: 0,
    netTxBytes: 0,
    blockReadBytes: 0,
    blockWriteBytes: 0,
    pids: 1,
  };
}

/** Stands in for Docker's list and stats so the stream bookkeeping can be checked; the real daemon is in the integration test. */
class ScriptedFeed implements ContainerFeed {
  running: WatchedContainer[] = [];
  down = false;
  open = new Set<string>();
  async list(): Promise<WatchedContainer[]> {
    if (this.down) throw new Error('connect ENOENT /var/run/docker.sock');
    return this.running;
  }
  stats(id: string, signal: AbortSignal): AsyncIterable<StatsSample> {
    const open = this.open;
    return {
      async *[Symbol.asyncIterator]() {
        open.add(id);
        try {
          let n = 0;
          while (!signal.aborted) {
            yield sample(id, 50 + n, 100 * 2 ** 20);
            n++;
            await new Promise((r) => setTimeout(r, 20));
          }
        } finally {
          open.delete(id);
        }
      },
    };
  }
}

describe('ContainerSource', () => {
  it('opens one stream per running container while started, closes them on stop, and recovers after the daemon returns', async () => {
    const feed = new ScriptedFeed();
    feed.running = [
      { id: 'a1', name: 'slm-deck-vllm' },
      { id: 'b2', name: 'slm-deck-ollama' },
    ];
    const src = new ContainerSource(feed, { pollMs: 50, failingPollMs: 50 });
    expect(feed.open.size).toBe(0);
    src.start();
    await until(() => feed.open.size === 2 && src.collect(ctx(Date.now())).every((r) => r.value !== null));
    const readings = src.collect(ctx(Date.now()));
    expect(readings.map((r) => r.def.id).sort()).toEqual([
      'container.slm-deck-ollama.cpu',
      'container.slm-deck-ollama.mem',
      'container.slm-deck-vllm.cpu',
      'container.slm-deck-vllm.mem',
    ]);
    expect(readings.find((r) => r.def.id === 'container.slm-deck-vllm.cpu')!.def.max).toBe(200);
    expect(readings.find((r) => r.def.id === 'container.slm-deck-vllm.mem')!.def.max).toBe(512 * 2 ** 20);

    feed.running = [{ id: 'a1', name: 'slm-deck-vllm' }];
    await until(() => feed.open.size === 1);

    feed.down = true;
    await until(() => src.status()[0].state === 'failing');
    await until(() => feed.open.size === 0);
    expect(src.collect(ctx(Date.now()))).toEqual([]);

    feed.down = false;
    await until(() => src.status()[0].state === 'ok' && feed.open.size === 1);

    src.stop();
    await until(() => feed.open.size === 0);
    expect(src.status()[0].state).toBe('idle');
  });
});

describe('ContainerSource between polls', () => {
  it('an announced change (docker.changed) opens the new container at once; a stream that ends re-checks the list', async () => {
    const feed = new ScriptedFeed();
    let announce: () => void = () => undefined;
    let lists = 0;
    const list = feed.list.bind(feed);
    feed.list = async () => {
      lists++;
      return list();
    };
    const src = new ContainerSource(feed, { pollMs: 60_000, changes: (fn) => ((announce = fn), () => (announce = () => undefined)) });
    src.start();
    await until(() => src.status()[0].state === 'ok');
    expect(feed.open.size).toBe(0);
    feed.running = [{ id: 'n1', name: 'slm-deck-new' }];
    announce();
    announce();
    await until(() => feed.open.size === 1);
    expect(lists).toBe(2);
    src.stop();
    expect(() => announce()).not.toThrow();
    await until(() => feed.open.size === 0);
  });
});

function textResponse(body: string, status = 200): Response {
  return new Response(body, { status, headers: { 'Content-Type': 'text/plain' } });
}

describe('EngineSource', () => {
  it('vLLM: tokens/s from the counter, requests and KV cache; a stopped server leaves gaps and comes back', async () => {
    const bodies = [fixture('vllm-metrics-t0.prom'), fixture('vllm-metrics-t1.prom')].map((f) => readFileSync(f, 'utf8'));
    let next = 0;
    let up = true;
    const asked: string[] = [];
    const fetchFn = (async (url: string | URL | Request) => {
      asked.push(String(url));
      if (!up) throw new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } });
      return textResponse(bodies[Math.min(next++, 1)]);
    }) as typeof fetch;
    const src = new EngineSource(fetchFn);
    src.setWatchTargets('w', [{ kind: 'vllm', url: 'http://127.0.0.1:8000/' }]);
    const a = await src.collect(ctx(10_000));
    expect(a.find((r) => r.def.id === 'engine.127.0.0.1:8000.tokens')!.value).toBeNull();
    const b = await src.collect(ctx(11_000));
    const v = Object.fromEntries(b.map((r) => [r.def.id, r.value]));
    expect(v).toEqual({
      'engine.127.0.0.1:8000.tokens': 450,
      'engine.127.0.0.1:8000.running': 3,
      'engine.127.0.0.1:8000.waiting': 0,
      'engine.127.0.0.1:8000.kv': 25,
    });
    expect(b[0].def.label).toBe('vLLM 127.0.0.1:8000 tokens/s');

    up = false;
    expect(await src.collect(ctx(12_000))).toEqual([]);
    expect(src.status()[0]).toMatchObject({ state: 'failing' });
    expect(src.status()[0].message).toMatch(/stopped answering .*fetch failed ECONNREFUSED/);
    up = true;
    const c = await src.collect(ctx(13_000));
    // The first scrape after a gap has no rate (the gap may hide a restart).
    expect(c.find((r) => r.def.id.endsWith('.tokens'))!.value).toBeNull();
    expect(src.status()[0].state).toBe('ok');
    // Every scrape went to the server's /metrics, whatever the trailing slash of its URL.
    expect(asked).toEqual(Array(4).fill('http://127.0.0.1:8000/metrics'));
  });

  it('an engine that never answered has no series and reads as absent', async () => {
    const src = new EngineSource((async () => textResponse('nope', 404)) as typeof fetch);
    src.addProvider(() => [{ kind: 'ollama', url: 'http://127.0.0.1:11434', label: 'Ollama' }]);
    expect(await src.collect(ctx(1000))).toEqual([]);
    expect(src.status()).toEqual([
      expect.objectContaining({ name: 'engine 127.0.0.1:11434', state: 'absent', message: expect.stringMatching(/No Ollama answering .*HTTP 404/) }),
    ]);
  });

  it('Ollama: loaded models and VRAM from /api/ps (it has no token counter: its rate is the chat series)', async () => {
    const ps = readFileSync(fixture('ollama-ps.json'), 'utf8');
    const src = new EngineSource((async () => new Response(ps, { headers: { 'Content-Type': 'application/json' } })) as typeof fetch);
    src.addProvider(() => [{ kind: 'ollama', url: 'http://127.0.0.1:11434', label: 'Ollama' }]);
    await src.collect(ctx(1000));
    const r = Object.fromEntries((await src.collect(ctx(3000))).map((x) => [x.def.id, x.value]));
    expect(r).toEqual({
      'engine.127.0.0.1:11434.vram': 3160694784,
      'engine.127.0.0.1:11434.memory': 3902963712,
      'engine.127.0.0.1:11434.models': 1,
    });
    expect(src.status()[0].message).toBe('Ollama: phi4-mini-reasoning:latest loaded');
  });

  it('one series set per server, whatever the URL spelling; watch targets win over discovered ones', async () => {
    expect(engineKey('http://localhost:8000/v1')).toBe('localhost:8000');
    expect(engineKey('http://127.0.0.1')).toBe('127.0.0.1:80');
    const seen: string[] = [];
    const src = new EngineSource((async (u: string | URL | Request) => {
      seen.push(String(u));
      return textResponse('vllm:num_requests_running 1');
    }) as typeof fetch);
    src.addProvider(() => [{ kind: 'vllm', url: 'http://127.0.0.1:8000', label: 'from docker' }]);
    src.setWatchTargets('w', [{ kind: 'onnx', url: 'http://127.0.0.1:8000/', label: 'mine' }]);
    const r = await src.collect(ctx(1000));
    expect(seen).toEqual(['http://127.0.0.1:8000/metrics']);
    expect(r.map((x) => x.def.label)).toEqual(['mine requests running']);
  });
});

describe('engine targets from chat backends', () => {
  it('scrapes OpenAI-style servers at their root and Ollama through /api/ps', async () => {
    const provider = chatBackendEngines(async () => [
      { id: 'embedded', kind: 'openai', baseUrl: 'http://127.0.0.1:41234/v1', label: 'Embedded engine', source: 'embedded', removable: false },
      { id: 'ollama', kind: 'ollama', baseUrl: 'http://127.0.0.1:11434', label: 'Ollama', source: 'settings', removable: false },
      { id: 'custom:1', kind: 'openai', baseUrl: 'http://localhost:8000/v1/', label: 'my vLLM', source: 'custom', removable: true },
    ]);
    expect(await provider()).toEqual([
      { kind: 'onnx', url: 'http://127.0.0.1:41234', label: 'Embedded engine' },
      { kind: 'ollama', url: 'http://127.0.0.1:11434', label: 'Ollama' },
      { kind: 'vllm', url: 'http://localhost:8000', label: 'my vLLM' },
    ]);
  });

  it('a server that never answered is asked again only every 10 s', async () => {
    let calls = 0;
    const src = new EngineSource((async () => {
      calls++;
      return textResponse('no', 404);
    }) as typeof fetch);
    src.setWatchTargets('w', [{ kind: 'vllm', url: 'http://127.0.0.1:9' }]);
    for (let t = 0; t < 10_000; t += 1000) await src.collect(ctx(1_000_000 + t));
    expect(calls).toBe(1);
    await src.collect(ctx(1_010_000));
    expect(calls).toBe(2);
  });
});

describe('ChatStreamSource', () => {
  it('tokens/s of replies as chat.delta reports them, only while started', async () => {
    const bus = new EventBus();
    const src = new ChatStreamSource(bus);
    const delta = (messageId: string, tokens: number) =>
      bus.emit('chat.delta', { conversationId: 'c', messageId, content: 'x', contentAt: 0, reasoningAt: 0, tokens, ttftMs: 10 });
    delta('m1', 5);
    expect(src.collect(ctx(1000))).toEqual([]);
    src.start();
    expect(src.collect(ctx(0))).toEqual([]);
    // A reply that streams whole between two samples counts, even as the first one.
    delta('m1', 10);
    expect(src.collect(ctx(1000))[0].value).toBe(10);
    delta('m1', 30);
    delta('m2', 10);
    delta('m1', 30);
    const r = src.collect(ctx(3000));
    expect(r[0].def).toMatchObject({ id: 'chat.tokens', unit: 'tokensPerSecond', group: 'tokens' });
    expect(r[0].value).toBe(15); // 20 more in m1, 10 in m2, over 2 s
    expect(src.collect(ctx(4000))[0].value).toBe(0);
    src.stop();
    expect(bus.listenerCount('chat.delta')).toBe(0);
    // Started again: the first sample sets a new baseline rather than a rate over the pause.
    src.start();
    delta('m3', 8);
    expect(src.collect(ctx(60_000))[0].value).toBeNull();
  });
});
