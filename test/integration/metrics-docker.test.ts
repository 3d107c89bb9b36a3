import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MetricsSnapshot } from '../../electron/shared/contract/metrics';
import { createCore, type Core } from '../../electron/core/app-core';
import { createDockerClient } from '../../electron/core/docker/client';
import { LABEL } from '../../electron/core/docker/labels';
import { unwrap } from '../../electron/core/rpc/dispatcher';
import { tempHome } from '../helpers/serve';

const DOCKER_HOST = process.env.SLM_TEST_DOCKER_HOST ?? 'unix:///tmp/slm-deck-test/docker.sock';
const REGISTRY = process.env.SLM_TEST_REGISTRY ?? 'localhost:5000';
const IMAGE = `${REGISTRY}/slm-deck/cpu-burner:latest`;
const NAME = `slm-deck-metrics-it-${process.pid}`;
const LIMIT = 64 * 1024 * 1024;

let core: Core;
let docker: Docker;
const caller = new AbortController();
const call = async <T>(method: string, params: unknown): Promise<T> =>
  unwrap(await core.dispatcher.call(method, params, { transport: 'websocket', signal: caller.signal })) as T;

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const series = (s: MetricsSnapshot, id: string) => s.series.find((x) => x.id === id);
const cpuId = `container.${NAME}.cpu`;
const memId = `container.${NAME}.mem`;

beforeAll(async () => {
  docker = createDockerClient(DOCKER_HOST);
  await docker.getContainer(NAME).remove({ force: true }).catch(() => undefined);
  core = await createCore({ home: tempHome('slm-deck-metrics-it-') });
  await call('settings.set', { dockerEndpoint: DOCKER_HOST });
  // The burner image, kept idle (sleep) until the test starts the load inside it.
  const c = await docker.createContainer({
    name: NAME,
    Image: IMAGE,
    Cmd: ['sleep', '600'],
    Labels: { [LABEL.managed]: 'true', [LABEL.deployment]: `metrics-it-${process.pid}`, [LABEL.role]: 'server' },
    HostConfig: { Memory: LIMIT, Init: true },
  });
  await c.start();
});

afterAll(async () => {
  caller.abort();
  await core?.close();
  await docker?.getContainer(NAME).remove({ force: true }).catch(() => undefined);
});

describe('sampler against the real host and a real container (test Docker daemon)', () => {
  it("a managed container's CPU series rises while a load runs in it; memory stays within its limit", async () => {
    const { watchId } = await call<{ watchId: string }>('metrics.watch', { scopes: ['host', 'containers'] });

    // Idle first: a few samples near zero.
    const idle = await until('idle container samples', async () => {
      const s = await call<MetricsSnapshot>('metrics.snapshot', { series: [`container.${NAME}`] });
      const v = series(s, cpuId)?.values.filter((x): x is number => x !== null) ?? [];
      return v.length >= 3 ? v : undefined;
    });
    expect(Math.max(...idle)).toBeLessThan(20);

    // Start one busy core inside the container's cgroup.
    const exec = await docker.getContainer(NAME).exec({ Cmd: ['burn', '1'], AttachStdout: false, AttachStderr: false });
    await exec.start({ Detach: true });
    const busy = await until('CPU to rise', async () => {
      const s = await call<MetricsSnapshot>('metrics.snapshot', { windowSeconds: 5, series: [`container.${NAME}`] });
      const v = series(s, cpuId)?.values.filter((x): x is number => x !== null) ?? [];
      return v.length >= 2 && v.slice(-2).every((x) => x > 50) ? v : undefined;
    });
    expect(busy.at(-1)!).toBeGreaterThan(50);
    // One core is 100 %; the container may not exceed the cores it can see.
    const snap = await call<MetricsSnapshot>('metrics.snapshot', {});
    const cpu = series(snap, cpuId)!;
    expect(cpu.max).toBeGreaterThanOrEqual(100);
    for (const v of cpu.values) if (v !== null) expect(v).toBeLessThanOrEqual(cpu.max! + 5);

    const mem = series(snap, memId)!;
    expect(mem.max).toBe(LIMIT);
    const used = mem.values.filter((x): x is number => x !== null);
    expect(used.length).toBeGreaterThan(0);
    for (const v of used) {
      expect(v).toBeGreaterThan(0);
      expect(v).toBeLessThanOrEqual(LIMIT);
    }

    // The host saw it too: total CPU is measured every tick alongside.
    const hostCpu = series(snap, 'host.cpu')!.values.filter((x): x is number => x !== null);
    expect(hostCpu.length).toBeGreaterThan(2);
    expect(series(snap, 'host.mem.used')!.values.at(-1)).toBeGreaterThan(0);

    // The CSV export carries the same series.
    const csv = await call<{ csv: string }>('metrics.exportCsv', { series: [`container.${NAME}`] });
    expect(csv.csv.split('\r\n')[0]).toBe(`time,${NAME} CPU (%),${NAME} memory (bytes)`);

    await call('metrics.unwatch', { watchId });
    expect((await call<{ running: boolean }>('metrics.status', {})).running).toBe(false);
  });

  it('a stopped container leaves a gap, and its series resumes when it runs again', async () => {
    await call('metrics.watch', { scopes: ['containers'] });
    await until('samples', async () => {
      const s = await call<MetricsSnapshot>('metrics.snapshot', { windowSeconds: 3, series: [cpuId] });
      return series(s, cpuId)?.values.some((x) => x !== null) ? true : undefined;
    });
    await docker.getContainer(NAME).stop({ t: 0 });
    await until('a gap', async () => {
      const s = await call<MetricsSnapshot>('metrics.snapshot', { windowSeconds: 3, series: [cpuId] });
      const v = series(s, cpuId)?.values ?? [];
      return v.length >= 2 && v.slice(-2).every((x) => x === null) ? true : undefined;
    });
    const status = await call<{ sources: { name: string; state: string; message: string }[] }>('metrics.status', {});
    expect(status.sources.find((x) => x.name === 'docker')).toMatchObject({ state: 'ok' });

    await docker.getContainer(NAME).start();
    const after = await until('samples again', async () => {
      const s = await call<MetricsSnapshot>('metrics.snapshot', { windowSeconds: 5, series: [cpuId] });
      const v = series(s, cpuId)?.values ?? [];
      return v.at(-1) !== null && v.at(-1) !== undefined ? v : undefined;
    });
    expect(after.at(-1)).toEqual(expect.any(Number));
    const whole = series(await call<MetricsSnapshot>('metrics.snapshot', { series: [cpuId] }), cpuId)!.values;
    const firstGap = whole.indexOf(null, whole.findIndex((x) => x !== null));
    expect(firstGap).toBeGreaterThan(0);
    expect(whole.slice(firstGap).some((x) => x !== null)).toBe(true);
  });
});
