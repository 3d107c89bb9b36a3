import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { MetricScope, SampleBatch, SourceStatus } from '../../electron/shared/contract/metrics';
import { EventBus } from '../../electron/core/events/event-bus';
import { silentLogger } from '../../electron/core/log/logger';
import { MetricsService, capacityFor } from '../../electron/core/metrics/metrics-service';
import { metricsHandlers } from '../../electron/core/metrics/handlers';
import { def, type MetricSource, type Reading } from '../../electron/core/metrics/source';
import { Dispatcher } from '../../electron/core/rpc/dispatcher';
import type { Handlers } from '../../electron/core/rpc/handlers';

/** A source whose behaviour the test switches: answer, throw, or never answer. */
class Scripted implements MetricSource {
  started = 0;
  stopped = 0;
  mode: 'ok' | 'fail' | 'hang' = 'ok';
  private n = 0;
  constructor(
    readonly scope: MetricScope,
    private id: string,
  ) {}
  start(): void {
    this.started++;
  }
  stop(): void {
    this.stopped++;
  }
  collect(): Reading[] | Promise<Reading[]> {
    if (this.mode === 'fail') throw new Error('daemon gone');
    if (this.mode === 'hang') return new Promise<Reading[]>(() => undefined);
    return [{ def: def(this.id, this.id, 'percent', 'cpu', this.scope, 'test', 100), value: ++this.n }];
  }
  status(): SourceStatus[] {
    return [{ name: this.id, scope: this.scope, state: this.mode === 'ok' ? 'ok' : 'failing', message: this.mode }];
  }
}

const services: MetricsService[] = [];
afterEach(() => {
  for (const s of services.splice(0)) s.close();
});

function setup(intervalMs = 100, home?: string) {
  const bus = new EventBus();
  const host = new Scripted('host', 'host.cpu');
  const containers = new Scripted('containers', 'container.c1.cpu');
  const service = new MetricsService({ bus, log: silentLogger, host, containers, intervalMs, batchMs: 0, home });
  services.push(service);
  const batches: SampleBatch[] = [];
  bus.on('metrics.sample', (b) => batches.push(b));
  const waitFor = async (pred: () => boolean, ms = 5000) => {
    const end = Date.now() + ms;
    while (!pred()) {
      if (Date.now() > end) throw new Error('timed out waiting');
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  return { bus, host, containers, service, batches, waitFor };
}

/** The clock for "nothing happens": a twin service on the same interval, watched, samples three times. */
async function threeTwinTicks(): Promise<void> {
  const twin = setup();
  const { watchId } = twin.service.watch({ scopes: ['host'] });
  await twin.waitFor(() => twin.batches.length >= 3);
  twin.service.unwatch(watchId);
}

describe('MetricsService', () => {
  it('samples only while watched, and each scope only while someone watches it', async () => {
    const { host, containers, service, batches, waitFor } = setup();
    await threeTwinTicks();
    expect(batches).toHaveLength(0);
    expect(host.started).toBe(0);

    const a = service.watch({ scopes: ['host'] });
    await waitFor(() => batches.length >= 2);
    expect(host.started).toBe(1);
    expect(containers.started).toBe(0);
    expect(service.status()).toMatchObject({ running: true, watchers: 1, scopes: ['host'] });

    const b = service.watch({ scopes: ['host', 'containers'] });
    expect(containers.started).toBe(1);
    expect(host.started).toBe(1);
    await waitFor(() => batches.some((x) => 'container.c1.cpu' in x.values));

    service.unwatch(b.watchId);
    expect(containers.stopped).toBe(1);
    expect(host.stopped).toBe(0);

    expect(service.unwatch(a.watchId)).toBe(true);
    expect(service.unwatch(a.watchId)).toBe(false);
    expect(host.stopped).toBe(1);
    expect(service.status().running).toBe(false);
    const count = batches.length;
    await threeTwinTicks();
    expect(batches.length).toBe(count);
  });

  it('a scope its last watcher left keeps sampling for the linger time while others watch, then stops', async () => {
    const host = new Scripted('host', 'host.cpu');
    const containers = new Scripted('containers', 'container.c1.cpu');
    const service = new MetricsService({ bus: new EventBus(), log: silentLogger, host, containers, intervalMs: 50, batchMs: 0, lingerMs: 400 });
    services.push(service);
    const strip = service.watch({ scopes: ['host'] });
    const page = service.watch({ scopes: ['host', 'containers'] });
    const rows = () => service.snapshot({ series: ['container.c1.cpu'] }).series[0]?.values.filter((v) => v !== null).length ?? 0;
    await vi.waitFor(() => expect(rows()).toBeGreaterThanOrEqual(2), { timeout: 5000, interval: 10 });
    // The page goes away: its containers keep being sampled, so the history has no gap when it comes back.
    service.unwatch(page.watchId);
    expect(service.status().scopes).toEqual(['host', 'containers']);
    const atLeave = rows();
    await vi.waitFor(() => expect(rows()).toBeGreaterThan(atLeave + 2), { timeout: 5000, interval: 10 });
    expect(containers.stopped).toBe(0);
    // After the linger time it stops; the host scope goes on for the strip.
    await vi.waitFor(() => expect(containers.stopped).toBe(1), { timeout: 5000, interval: 10 });
    expect(service.status().scopes).toEqual(['host']);
    // A page that comes back within the buffer finds the rows sampled while it was away.
    service.watch({ scopes: ['host', 'containers'] });
    expect(rows()).toBeGreaterThan(atLeave + 2);
    // With nobody watching at all, nothing lingers.
    service.close();
    expect(service.status().running).toBe(false);
    service.unwatch(strip.watchId);
  });

  it('a watch ends when its caller goes away', async () => {
    const { host, service } = setup();
    const caller = new AbortController();
    service.watch({}, caller.signal);
    expect(service.status().watchers).toBe(1);
    caller.abort();
    expect(service.status()).toMatchObject({ watchers: 0, running: false });
    expect(host.stopped).toBe(1);
    // An already-closed caller does not start anything.
    service.watch({}, caller.signal);
    expect(service.status().running).toBe(false);
  });

  it('sends definitions once, then only values, on the interval grid', async () => {
    const { service, batches, waitFor } = setup(100);
    service.watch({ scopes: ['host'] });
    await waitFor(() => batches.length >= 3);
    expect(batches[0].defs.map((d) => d.id)).toEqual(['host.cpu']);
    expect(batches[1].defs).toEqual([]);
    expect(batches[0].sources?.[0]).toMatchObject({ name: 'host.cpu', state: 'ok' });
    expect(batches[1].sources).toBeUndefined();
    const times = batches.flatMap((b) => b.at);
    for (const t of times) expect(t % 100).toBe(0);
    for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThan(times[i - 1]);
    expect(batches.flatMap((b) => b.values['host.cpu'])).toEqual(times.map((_, i) => i + 1));
  });

  it('readings stay at least half an interval apart when sampling starts at the end of a slot', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    try {
      vi.setSystemTime(1_700_000_000_990); // 10 ms before the next 1 s slot
      const { host, service, batches } = setup(1000);
      const readAt: number[] = [];
      const collect = host.collect.bind(host);
      host.collect = () => (readAt.push(Date.now()), collect());
      service.watch({ scopes: ['host'] });
      await vi.advanceTimersByTimeAsync(4000);
      const times = batches.flatMap((b) => b.at);
      // The immediate first row, then the slot 10 ms later is skipped: a CPU rate over 10 ms would be noise.
      expect(times).toEqual([1_700_000_000_000, 1_700_000_002_000, 1_700_000_003_000, 1_700_000_004_000]);
      for (let i = 1; i < readAt.length; i++) expect(readAt[i] - readAt[i - 1]).toBeGreaterThanOrEqual(500);
    } finally {
      vi.useRealTimers();
    }
  });

  it('a failing or hung source leaves gaps and recovers by itself', async () => {
    const { host, service, batches, waitFor } = setup(100);
    service.watch({ scopes: ['host'] });
    await waitFor(() => batches.length >= 2);
    host.mode = 'fail';
    // A series without a value is left out of the batch: the client draws a gap.
    await waitFor(() => !('host.cpu' in batches.at(-1)!.values));
    expect(batches.some((b) => b.sources?.[0]?.state === 'failing')).toBe(true);
    host.mode = 'hang';
    const before = batches.length;
    await waitFor(() => batches.length >= before + 2);
    host.mode = 'ok';
    await waitFor(() => typeof batches.at(-1)!.values['host.cpu']?.[0] === 'number');
    const snap = service.snapshot({ series: ['host'] });
    const values = snap.series[0].values;
    expect(values[0]).toBe(1);
    expect(values.includes(null)).toBe(true);
    expect(values.at(-1)).toEqual(expect.any(Number));
    expect(snap.at).toHaveLength(values.length);
  });

  it('snapshot filters by id prefix and window; CSV has a header with units and empty cells for gaps', async () => {
    const { host, service, batches, waitFor } = setup(100);
    service.watch({});
    await waitFor(() => batches.length >= 3);
    host.mode = 'fail';
    await waitFor(() => !('host.cpu' in batches.at(-1)!.values));
    const all = service.snapshot();
    expect(all.series.map((s) => s.id)).toEqual(['host.cpu', 'container.c1.cpu']);
    expect(service.snapshot({ series: ['container'] }).series.map((s) => s.id)).toEqual(['container.c1.cpu']);
    expect(service.snapshot({ series: ['host.cp'] }).series).toEqual([]);
    expect(service.snapshot({ windowSeconds: 1 }).at.length).toBeLessThanOrEqual(10);
    expect(all.capacity).toBe(capacityFor(100));

    const csv = service.exportCsv();
    const lines = csv.csv.trimEnd().split('\r\n');
    expect(lines[0]).toBe('time,host.cpu (%),container.c1.cpu (%)');
    expect(lines).toHaveLength(csv.rows + 1);
    expect(csv.columns).toBe(3);
    expect(lines[1]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z,1,1$/);
    expect(lines.at(-1)).toMatch(/Z,,\d+$/);
    expect(csv.filename).toMatch(/^slm-deck-metrics-\d{8}-\d{6}\.csv$/);
  });

  it('keeps the interval across restarts and starts a new buffer when it changes', async () => {
    const home = mkdtempSync(path.join(os.tmpdir(), 'slm-deck-metrics-'));
    const { service, batches, waitFor } = setup(100, home);
    service.watch({ scopes: ['host'] });
    await waitFor(() => batches.length >= 1);
    const oldEpoch = batches[0].epoch;
    const st = await service.configure({ intervalMs: 250 });
    expect(st).toMatchObject({ intervalMs: 250, capacity: 3600, running: true });
    expect(service.snapshot().epoch).not.toBe(oldEpoch);
    await waitFor(() => batches.some((b) => b.intervalMs === 250));
    expect(JSON.parse(readFileSync(path.join(home, 'metrics.json'), 'utf8'))).toEqual({ version: 1, intervalMs: 250 });

    const again = await MetricsService.create({ bus: new EventBus(), log: silentLogger, home });
    services.push(again);
    expect(again.status().intervalMs).toBe(250);

    writeFileSync(path.join(home, 'metrics.json'), '{ not json');
    const recovered = await MetricsService.create({ bus: new EventBus(), log: silentLogger, home });
    services.push(recovered);
    expect(recovered.status().intervalMs).toBe(1000);
    expect(existsSync(path.join(home, 'metrics.json.bak'))).toBe(true);
  });
});

describe('metrics.* through the dispatcher', () => {
  const bus = new EventBus();
  const service = new MetricsService({ bus, log: silentLogger, host: new Scripted('host', 'host.cpu') });
  services.push(service);
  const dispatcher = new Dispatcher(metricsHandlers(service) as unknown as Handlers, silentLogger);
  const call = (m: string, p: unknown) => dispatcher.call(m, p, { transport: 'websocket', signal: new AbortController().signal });

  it.each([
    ['metrics.configure', { intervalMs: 10 }],
    ['metrics.configure', { intervalMs: 60_000 }],
    ['metrics.watch', { scopes: ['disk'] }],
    ['metrics.watch', { scopes: [] }],
    ['metrics.watch', { engines: [{ kind: 'vllm', url: 'file:///etc/passwd' }] }],
    ['metrics.watch', { engines: [{ kind: 'tgi', url: 'http://127.0.0.1:8000' }] }],
    ['metrics.snapshot', { windowSeconds: 0 }],
    ['metrics.snapshot', { windowSeconds: 3600 }],
    ['metrics.exportCsv', { extra: true }],
    ['metrics.unwatch', {}],
  ])('%s rejects %j', async (method, params) => {
    const env = await call(method, params);
    expect(env.ok).toBe(false);
    if (!env.ok) expect(env.error.code).toBe('invalid_input');
  });

  it('watch, status and unwatch over the contract', async () => {
    const w = await call('metrics.watch', { scopes: ['host'] });
    expect(w.ok).toBe(true);
    const id = w.ok ? (w.result as { watchId: string }).watchId : '';
    const st = await call('metrics.status', {});
    expect(st.ok && st.result).toMatchObject({ running: true, watchers: 1, intervalMs: 1000, windowSeconds: 900, capacity: 900 });
    expect(await call('metrics.unwatch', { watchId: id })).toEqual({ ok: true, result: { stopped: true } });
  });
});
