import type Docker from 'dockerode';
import { z } from 'zod';
import type { StatsSample } from '../../shared/contract/docker';
import { LineSplitter } from '../http/line-stream';
import { toDeckError } from './errors';

const CpuSchema = z.object({
  cpu_usage: z.object({ total_usage: z.number().default(0), percpu_usage: z.array(z.number()).nullish() }).partial().default({}),
  system_cpu_usage: z.number().nullish(),
  online_cpus: z.number().nullish(),
});

/** One JSON object of GET /containers/{id}/stats (Linux containers). */
export const RawStatsSchema = z.object({
  read: z.string().optional(),
  cpu_stats: CpuSchema.default({ cpu_usage: {} }),
  precpu_stats: CpuSchema.default({ cpu_usage: {} }),
  memory_stats: z
    .object({ usage: z.number().nullish(), limit: z.number().nullish(), stats: z.record(z.string(), z.number()).nullish() })
    .default({}),
  networks: z.record(z.string(), z.object({ rx_bytes: z.number().default(0), tx_bytes: z.number().default(0) })).nullish(),
  blkio_stats: z
    .object({ io_service_bytes_recursive: z.array(z.object({ op: z.string(), value: z.number() })).nullish() })
    .nullish(),
  pids_stats: z.object({ current: z.number().nullish() }).nullish(),
});
export type RawStats = z.infer<typeof RawStatsSchema>;

/** The docker CLI's formula: container CPU time over system CPU time, times the online CPUs. */
export function cpuPercent(s: RawStats): { percent: number; onlineCpus: number } {
  const cur = s.cpu_stats;
  const pre = s.precpu_stats;
  const online = cur.online_cpus || cur.cpu_usage.percpu_usage?.length || 0;
  const cpuDelta = (cur.cpu_usage.total_usage ?? 0) - (pre.cpu_usage.total_usage ?? 0);
  const sysDelta = (cur.system_cpu_usage ?? 0) - (pre.system_cpu_usage ?? 0);
  if (sysDelta > 0 && cpuDelta > 0 && online > 0) return { percent: (cpuDelta / sysDelta) * online * 100, onlineCpus: online };
  return { percent: 0, onlineCpus: online };
}

/**
 * Memory as `docker stats` shows it: usage minus the inactive page cache
 * (cgroup v1: total_inactive_file; cgroup v2: inactive_file).
 */
export function memoryUsage(s: RawStats): number {
  const usage = s.memory_stats.usage ?? 0;
  const st = s.memory_stats.stats ?? {};
  // Same order as the docker CLI (calculateMemUsageUnixNoCache).
  if (st.total_inactive_file !== undefined && st.total_inactive_file < usage) return usage - st.total_inactive_file;
  const inactive = st.inactive_file ?? 0;
  return inactive < usage ? usage - inactive : usage;
}

export function toSample(container: string, s: RawStats, now = Date.now()): StatsSample {
  const { percent, onlineCpus } = cpuPercent(s);
  const memoryBytes = memoryUsage(s);
  const memoryLimitBytes = s.memory_stats.limit ?? 0;
  let rx = 0;
  let tx = 0;
  for (const n of Object.values(s.networks ?? {})) {
    rx += n.rx_bytes;
    tx += n.tx_bytes;
  }
  let read = 0;
  let write = 0;
  for (const e of s.blkio_stats?.io_service_bytes_recursive ?? []) {
    const op = e.op.toLowerCase();
    if (op === 'read') read += e.value;
    else if (op === 'write') write += e.value;
  }
  const t = s.read ? Date.parse(s.read) : NaN;
  return {
    container,
    time: Number.isFinite(t) && t > 0 ? t : now,
    cpuPercent: percent,
    onlineCpus,
    memoryBytes,
    memoryLimitBytes,
    memoryPercent: memoryLimitBytes > 0 ? (memoryBytes / memoryLimitBytes) * 100 : 0,
    netRxBytes: rx,
    netTxBytes: tx,
    blockReadBytes: read,
    blockWriteBytes: write,
    pids: s.pids_stats?.current ?? 0,
  };
}

/** One sample (the daemon waits for a second reading so CPU % is meaningful). */
export async function statsOnce(docker: Docker, container: string): Promise<StatsSample> {
  try {
    const raw = await docker.getContainer(container).stats({ stream: false });
    return toSample(container, RawStatsSchema.parse(raw));
  } catch (e) {
    throw toDeckError(e, `read stats of ${container}`);
  }
}

/**
 * Parsed stats samples of one container, about one a second, until the signal aborts or
 * the container stops. The daemon's first reading has no previous one, so its CPU % is
 * skipped. For charts (Monitor page) and the deployments list.
 */
export async function* containerStats(docker: Docker, id: string, signal: AbortSignal): AsyncGenerator<StatsSample> {
  let stream: NodeJS.ReadableStream;
  try {
    // abortSignal is honoured by dockerode though missing from its types.
    const opts = { stream: true, abortSignal: signal } as { stream: true };
    stream = (await docker.getContainer(id).stats(opts)) as unknown as NodeJS.ReadableStream;
  } catch (e) {
    throw toDeckError(e, `read stats of ${id}`, signal);
  }
  const stop = () => (stream as unknown as { destroy?: () => void }).destroy?.();
  signal.addEventListener('abort', stop, { once: true });
  const lines = new LineSplitter();
  let first = true;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer | string>) {
      for (const text of lines.push(chunk)) {
        if (!text.trim()) continue;
        const parsed = RawStatsSchema.safeParse(JSON.parse(text));
        if (!parsed.success) continue;
        if (first && !parsed.data.precpu_stats.system_cpu_usage) {
          first = false;
          continue;
        }
        first = false;
        yield toSample(id, parsed.data);
      }
    }
  } catch (e) {
    if (!signal.aborted) throw toDeckError(e, `read stats of ${id}`);
  } finally {
    signal.removeEventListener('abort', stop);
    stop();
  }
}
