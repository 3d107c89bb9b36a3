// Sampler cost: CPU time of this process while the real sampler runs at 1 Hz with every
// scope watched and 4 managed containers on the test Docker daemon (one stats stream each),
// every batch serialised as the WebSocket transport would. Compared with the same process
// idle over the same window. Also compares host readers (/proc vs systeminformation).
// Prints one JSON object; target: under 1 % of one core.
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import si from 'systeminformation';
import { createDockerClient } from '../../electron/core/docker/client';
import { LABEL } from '../../electron/core/docker/labels';
import { EventBus } from '../../electron/core/events/event-bus';
import { silentLogger } from '../../electron/core/log/logger';
import { createMetrics } from '../../electron/core/metrics/create-metrics';
import { procReader } from '../../electron/core/metrics/host-source';

const DOCKER_HOST = process.env.SLM_TEST_DOCKER_HOST ?? 'unix:///tmp/slm-deck-test/docker.sock';
const STATE = process.env.SLM_TEST_STATE ?? '/tmp/slm-deck-test';
const REGISTRY = process.env.SLM_TEST_REGISTRY ?? 'localhost:5000';
const WINDOW_S = Number(process.env.BENCH_WINDOW_S ?? 30);
const CONTAINERS = 4;
const TARGET_PERCENT = 1;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (v: number, d = 3) => Math.round(v * 10 ** d) / 10 ** d;

/** CPU seconds of a process from /proc (utime + stime), or null when it cannot be read. */
function procCpuSeconds(pid: number): number | null {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return null;
  }
}
const dockerdPid = (() => {
  try {
    return Number(readFileSync(path.join(STATE, 'dockerd.pid'), 'utf8').trim());
  } catch {
    return null;
  }
})();

/** Share of one core this process (and dockerd) used over `seconds`, in percent. */
async function measure(seconds: number): Promise<{ self: number; dockerd: number | null }> {
  const c0 = process.cpuUsage();
  const d0 = dockerdPid ? procCpuSeconds(dockerdPid) : null;
  const t0 = performance.now();
  await sleep(seconds * 1000);
  const wall = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  const d1 = dockerdPid ? procCpuSeconds(dockerdPid) : null;
  return {
    self: ((c.user + c.system) / 1e6 / wall) * 100,
    dockerd: d0 !== null && d1 !== null ? ((d1 - d0) / wall) * 100 : null,
  };
}

/** CPU time per call of an async reader, in microseconds. */
async function perCall(n: number, fn: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 10; i++) await fn();
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) await fn();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / n;
}

const docker = createDockerClient(DOCKER_HOST);
const names = Array.from({ length: CONTAINERS }, (_, i) => `slm-deck-metrics-bench-${process.pid}-${i}`);
const cleanup = () => Promise.all(names.map((n) => docker.getContainer(n).remove({ force: true }).catch(() => undefined)));

try {
  await cleanup();
  for (const name of names) {
    const c = await docker.createContainer({
      name,
      Image: `${REGISTRY}/slm-deck/busybox:latest`,
      Cmd: ['sleep', '3600'],
      Labels: { [LABEL.managed]: 'true', [LABEL.deployment]: `metrics-bench-${process.pid}`, [LABEL.role]: 'server' },
      HostConfig: { Init: true, Memory: 32 * 1024 * 1024 },
    });
    await c.start();
  }

  // Host readers: what one tick's host sample costs each way.
  const proc = procReader();
  const procUs = await perCall(200, () => Promise.all([proc.stat(), proc.mem()]));
  const siUs = await perCall(200, () => Promise.all([si.currentLoad(), si.mem()]));

  const bus = new EventBus();
  const metrics = await createMetrics({
    home: mkdtempSync(path.join(os.tmpdir(), 'slm-deck-metrics-bench-')),
    bus,
    log: silentLogger,
    dockerClient: async () => ({ docker }),
    ollamaUrl: () => 'http://127.0.0.1:11434',
  });
  let bytes = 0;
  let batches = 0;
  bus.on('metrics.sample', (b) => {
    batches++;
    bytes += JSON.stringify({ type: 'event', event: 'metrics.sample', payload: b }).length;
  });

  const idle = await measure(WINDOW_S);
  metrics.service.watch({});
  await sleep(5000); // streams open, CPU counters primed
  const b0 = batches;
  const running = await measure(WINDOW_S);
  const snap = metrics.service.snapshot({ windowSeconds: WINDOW_S, series: ['container'] });
  const watched = snap.series.filter((s) => s.group === 'container-cpu' && names.includes(s.subject) && s.values.some((v) => v !== null)).length;
  const status = metrics.service.status();
  metrics.close();

  const net = running.self - idle.self;
  const result = {
    bench: 'metrics-cost',
    intervalMs: status.intervalMs,
    windowSeconds: WINDOW_S,
    containersWatched: watched,
    scopes: status.scopes.length ? status.scopes : ['host', 'gpu', 'containers', 'engines'],
    samplerPercentOfOneCore: round(net),
    processPercent: { idle: round(idle.self), sampling: round(running.self) },
    dockerdPercent: running.dockerd === null || idle.dockerd === null ? null : { idle: round(idle.dockerd), sampling: round(running.dockerd) },
    batchesPerSecond: round((batches - b0) / WINDOW_S, 2),
    bytesPerBatch: Math.round(bytes / Math.max(1, batches)),
    hostReaderMicrosPerTick: { proc: Math.round(procUs), systeminformation: Math.round(siUs) },
    targetPercent: TARGET_PERCENT,
    pass: net < TARGET_PERCENT && watched === CONTAINERS,
    loadAvg1: os.loadavg()[0],
    cpus: os.cpus().length,
  };
  console.log(JSON.stringify(result));
  process.exitCode = result.pass ? 0 : 1;
} finally {
  await cleanup();
}
