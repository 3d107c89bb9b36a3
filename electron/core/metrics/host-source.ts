import fs from 'node:fs';
import os from 'node:os';
import type { SourceStatus } from '../../shared/contract/metrics';
import { def, errorText, type MetricSource, type Reading } from './source';

/** Cumulative CPU time in clock ticks: busy and total (busy + idle + iowait). */
export interface CpuTimes {
  busy: number;
  total: number;
}

export interface ProcStat {
  all: CpuTimes;
  cores: CpuTimes[];
}

export interface MemInfo {
  totalBytes: number;
  availableBytes: number;
  swapTotalBytes: number;
  swapFreeBytes: number;
}

/** /proc/stat `cpu` and `cpuN` lines. guest time is already inside user, so it is not added again. */
export function parseProcStat(text: string): ProcStat {
  let all: CpuTimes | null = null;
  const cores: CpuTimes[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('cpu')) continue;
    const parts = line.trim().split(/\s+/);
    const f = parts.slice(1, 9).map(Number);
    if (f.length < 4 || f.some((n) => !Number.isFinite(n))) continue;
    const [user, nice, system, idle, iowait = 0, irq = 0, softirq = 0, steal = 0] = f;
    const busy = user + nice + system + irq + softirq + steal;
    const t = { busy, total: busy + idle + iowait };
    if (parts[0] === 'cpu') all = t;
    else {
      const idx = Number(parts[0].slice(3));
      if (Number.isInteger(idx)) cores[idx] = t;
    }
  }
  if (!all) throw new Error('no aggregate "cpu" line in /proc/stat');
  return { all, cores };
}

/** /proc/meminfo; kernels before 3.14 lack MemAvailable, where free + buffers + cache is the usual estimate. */
export function parseMeminfo(text: string): MemInfo {
  const kb = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^(\w+(?:\(\w+\))?):\s+(\d+)/.exec(line);
    if (m) kb.set(m[1], Number(m[2]));
  }
  const total = kb.get('MemTotal');
  if (total === undefined) throw new Error('no MemTotal in /proc/meminfo');
  const available = kb.get('MemAvailable') ?? (kb.get('MemFree') ?? 0) + (kb.get('Buffers') ?? 0) + (kb.get('Cached') ?? 0);
  return {
    totalBytes: total * 1024,
    availableBytes: available * 1024,
    swapTotalBytes: (kb.get('SwapTotal') ?? 0) * 1024,
    swapFreeBytes: (kb.get('SwapFree') ?? 0) * 1024,
  };
}

/** Busy share of the time between two readings, 0..100; null without a previous reading or elapsed time. */
export function cpuPercent(prev: CpuTimes | undefined, cur: CpuTimes | undefined): number | null {
  if (!prev || !cur) return null;
  const dt = cur.total - prev.total;
  if (dt <= 0) return null;
  return Math.min(100, Math.max(0, ((cur.busy - prev.busy) / dt) * 100));
}

export interface HostReader {
  stat(): Promise<ProcStat>;
  mem(): Promise<MemInfo>;
  load1(): number | null;
}

/**
 * Reads a /proc file into a reused buffer (procfs is generated in memory, so a synchronous
 * read never waits on a disk). Files there report size 0, which makes readFile grow buffers
 * and go through the thread pool. CPU per tick for stat + meminfo on the development
 * machine: readFileSync 120 us, fs.promises 214 us, this 12 us; systeminformation's
 * currentLoad + mem about 320 us (see `npm run bench`, metrics-cost).
 */
export function procFileReader(): (file: string) => string {
  let buf = Buffer.alloc(64 * 1024);
  return (file) => {
    const fd = fs.openSync(file, 'r');
    try {
      let len = 0;
      for (;;) {
        if (len === buf.length) {
          const bigger = Buffer.alloc(buf.length * 2);
          buf.copy(bigger);
          buf = bigger;
        }
        const n = fs.readSync(fd, buf, len, buf.length - len, null);
        if (n === 0) break;
        len += n;
      }
      return buf.toString('latin1', 0, len);
    } finally {
      fs.closeSync(fd);
    }
  };
}

/** Linux: /proc/stat and /proc/meminfo once per tick. */
export function procReader(root = '/proc'): HostReader {
  const read = procFileReader();
  return {
    stat: async () => parseProcStat(read(`${root}/stat`)),
    mem: async () => parseMeminfo(read(`${root}/meminfo`)),
    load1: () => os.loadavg()[0],
  };
}

/**
 * macOS and Windows: os.cpus() carries per-core times everywhere; swap needs
 * systeminformation (it runs sysctl / wmic), so it is refreshed at most every 10 s.
 */
export function portableReader(): HostReader {
  let swap = { total: 0, free: 0, at: 0 };
  let pending = false;
  const refreshSwap = () => {
    if (pending || Date.now() - swap.at < 10_000) return;
    pending = true;
    void import('systeminformation')
      .then((si) => si.mem())
      .then((m) => (swap = { total: m.swaptotal, free: m.swapfree, at: Date.now() }))
      .catch(() => (swap = { ...swap, at: Date.now() }))
      .finally(() => (pending = false));
  };
  return {
    stat: async () => {
      const cores = os.cpus().map((c) => {
        const busy = c.times.user + c.times.nice + c.times.sys + c.times.irq;
        return { busy, total: busy + c.times.idle };
      });
      const all = cores.reduce((a, c) => ({ busy: a.busy + c.busy, total: a.total + c.total }), { busy: 0, total: 0 });
      return { all, cores };
    },
    mem: async () => {
      refreshSwap();
      return { totalBytes: os.totalmem(), availableBytes: os.freemem(), swapTotalBytes: swap.total, swapFreeBytes: swap.free };
    },
    // Windows has no load average (Node returns zeros).
    load1: () => (process.platform === 'win32' ? null : os.loadavg()[0]),
  };
}

/** CPU total and per core, memory used/available, swap, 1-minute load. */
export class HostSource implements MetricSource {
  readonly scope = 'host' as const;
  private prev: ProcStat | null = null;
  private state: SourceStatus = { name: 'host', scope: 'host', state: 'idle', message: 'Not sampled right now.' };

  constructor(private reader: HostReader = process.platform === 'linux' ? procReader() : portableReader()) {}

  start(): void {
    this.prev = null;
  }

  stop(): void {
    this.prev = null;
    this.state = { ...this.state, state: 'idle', message: 'Not sampled right now.' };
  }

  status(): SourceStatus[] {
    return [this.state];
  }

  async collect(): Promise<Reading[]> {
    const out: Reading[] = [];
    try {
      const [stat, mem] = await Promise.all([this.reader.stat(), this.reader.mem()]);
      const prev = this.prev;
      this.prev = stat;
      out.push({ def: def('host.cpu', 'CPU', 'percent', 'cpu', 'host', 'host', 100), value: cpuPercent(prev?.all, stat.all) });
      stat.cores.forEach((c, i) => {
        if (c) out.push({ def: def(`host.cpu.${i}`, `Core ${i}`, 'percent', 'cores', 'host', 'host', 100), value: cpuPercent(prev?.cores[i], c) });
      });
      const used = mem.totalBytes - mem.availableBytes;
      out.push({ def: def('host.mem.used', 'Memory used', 'bytes', 'memory', 'host', 'host', mem.totalBytes), value: used });
      out.push({
        def: def('host.mem.available', 'Memory available', 'bytes', 'memory', 'host', 'host', mem.totalBytes),
        value: mem.availableBytes,
      });
      if (mem.swapTotalBytes > 0) {
        out.push({
          def: def('host.swap.used', 'Swap used', 'bytes', 'swap', 'host', 'host', mem.swapTotalBytes),
          value: mem.swapTotalBytes - mem.swapFreeBytes,
        });
      }
      const load = this.reader.load1();
      if (load !== null) out.push({ def: def('host.load1', 'Load (1 min)', 'load', 'load', 'host', 'host', null), value: load });
      this.state = { name: 'host', scope: 'host', state: 'ok', message: `${stat.cores.length} cores, ${Math.round(mem.totalBytes / 2 ** 30)} GiB memory` };
    } catch (e) {
      this.prev = null;
      this.state = { name: 'host', scope: 'host', state: 'failing', message: `Could not read host counters: ${errorText(e)}` };
      throw e;
    }
    return out;
  }
}
