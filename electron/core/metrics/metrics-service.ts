import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { z } from 'zod';
import {
  ALL_SCOPES,
  BUFFER_SECONDS,
  DEFAULT_INTERVAL_MS,
  MAX_INTERVAL_MS,
  MIN_INTERVAL_MS,
  MetricGroupSchema,
  type EngineTarget,
  type MetricScope,
  type MetricsSnapshot,
  type MetricsStatus,
  type SampleBatch,
  type SeriesDef,
  type SourceStatus,
} from '../../shared/contract/metrics';
import type { EventBus } from '../events/event-bus';
import { readJsonOrRecover, writeFileAtomic } from '../fs/atomic';
import type { Logger } from '../log/logger';
import { csvFilename, snapshotToCsv } from './csv';
import type { EngineSource } from './engine-source';
import { RingBuffer } from './ring-buffer';
import type { MetricSource, Reading } from './source';

const ConfigSchema = z.object({ version: z.literal(1), intervalMs: z.number().int().min(MIN_INTERVAL_MS).max(MAX_INTERVAL_MS) });

export interface MetricsServiceOptions {
  bus: EventBus;
  log: Logger;
  /** Where metrics.json (the interval) lives; without it the interval is not persisted. */
  home?: string;
  host?: MetricSource;
  gpu?: MetricSource;
  containers?: MetricSource;
  engines?: EngineSource;
  /** Tokens/s of chat streams (engines scope). */
  chat?: MetricSource;
  intervalMs?: number;
  /** Rows are sent in batches of about this long (default 1 s: one row per event at 1 Hz). */
  batchMs?: number;
  /**
   * How long a scope keeps sampling after its last watcher left, while the sampler runs for
   * someone else (default 0: it stops at once). The app keeps scopes for the buffer's length,
   * so the Monitor page finds the history it promises when the user comes back to it.
   */
  lingerMs?: number;
}

interface Watch {
  scopes: Set<MetricScope>;
  off: () => void;
}

export function capacityFor(intervalMs: number): number {
  return Math.ceil((BUFFER_SECONDS * 1000) / intervalMs);
}

const SCOPE_ORDER: Record<MetricScope, number> = { host: 0, gpu: 1, containers: 2, engines: 3 };
const GROUP_ORDER = new Map(MetricGroupSchema.options.map((g, i) => [g, i]));
/** Host, GPUs, containers, engines; within each, one subject's series together in chart order. */
const compareDefs = (a: SeriesDef, b: SeriesDef) =>
  SCOPE_ORDER[a.scope] - SCOPE_ORDER[b.scope] ||
  a.subject.localeCompare(b.subject, 'en', { numeric: true }) ||
  GROUP_ORDER.get(a.group)! - GROUP_ORDER.get(b.group)! ||
  a.id.localeCompare(b.id, 'en', { numeric: true });

function matches(id: string, filter: string[] | undefined): boolean {
  return !filter || filter.some((f) => id === f || id.startsWith(f.endsWith('.') ? f : `${f}.`));
}

/**
 * The sampler: reads every watched source once per tick into a 15-minute ring buffer and
 * publishes the new rows as `metrics.sample` batches. It runs only while at least one
 * watch exists; each scope's source is started with its first watcher and stopped after
 * its last, so Docker stats streams and the nvidia-smi loop exist only while someone looks.
 */
export class MetricsService {
  private watches = new Map<string, Watch>();
  private active = new Set<MetricScope>();
  private buffer: RingBuffer;
  private epoch = randomUUID();
  private intervalMs: number;
  private timer: NodeJS.Timeout | null = null;
  private ticking = false;
  private defs = new Map<string, SeriesDef>();
  private sentDefs = new Map<string, string>();
  private batch: { at: number[]; rows: Map<string, number | null>[] } = { at: [], rows: [] };
  private lastFlush = 0;
  private lastSources = '';
  private lastTime = 0;
  /** Wall-clock start of the last tick, to keep consecutive readings at least half an interval apart. */
  private lastRunAt = 0;
  private ticks = 0;
  /** Scopes nobody watches any more, sampled until then (epoch ms). */
  private lingerUntil = new Map<MetricScope, number>();
  private lingerTimer: NodeJS.Timeout | null = null;
  private readonly sources: MetricSource[];

  constructor(private opts: MetricsServiceOptions) {
    this.intervalMs = opts.intervalMs ?? DEFAULT_INTERVAL_MS;
    this.buffer = new RingBuffer(capacityFor(this.intervalMs));
    this.sources = [opts.host, opts.gpu, opts.containers, opts.engines, opts.chat].filter((s): s is MetricSource => !!s);
  }

  /** Builds the service with the interval saved in `home` (a corrupt file is kept as .bak and the default used). */
  static async create(opts: MetricsServiceOptions): Promise<MetricsService> {
    let intervalMs = opts.intervalMs;
    if (intervalMs === undefined && opts.home) {
      const file = path.join(opts.home, 'metrics.json');
      try {
        const read = await readJsonOrRecover(file);
        if (read.kind === 'ok') {
          const parsed = ConfigSchema.safeParse(read.value);
          if (parsed.success) intervalMs = parsed.data.intervalMs;
          else opts.log.warn('metrics.json ignored', { reason: parsed.error.message });
        } else if (read.kind === 'corrupt') opts.log.warn('metrics.json was corrupt', { backup: read.backupPath, reason: read.reason });
      } catch (e) {
        opts.log.warn('metrics.json unreadable', { error: String(e) });
      }
    }
    return new MetricsService({ ...opts, intervalMs });
  }

  get running(): boolean {
    return this.active.size > 0;
  }

  watch(input: { scopes?: MetricScope[]; engines?: EngineTarget[] }, signal?: AbortSignal): { watchId: string; intervalMs: number; epoch: string } {
    const watchId = randomUUID();
    const result = { watchId, intervalMs: this.intervalMs, epoch: this.epoch };
    if (signal?.aborted) return result;
    const onAbort = () => this.unwatch(watchId);
    signal?.addEventListener('abort', onAbort, { once: true });
    this.watches.set(watchId, {
      scopes: new Set(input.scopes?.length ? input.scopes : ALL_SCOPES),
      off: () => signal?.removeEventListener('abort', onAbort),
    });
    if (input.engines?.length) this.opts.engines?.setWatchTargets(watchId, input.engines);
    this.reconcile();
    return result;
  }

  unwatch(watchId: string): boolean {
    const w = this.watches.get(watchId);
    if (!w) return false;
    w.off();
    this.watches.delete(watchId);
    this.opts.engines?.setWatchTargets(watchId, []);
    this.reconcile();
    return true;
  }

  snapshot(input: { windowSeconds?: number; series?: string[] } = {}): MetricsSnapshot {
    const windowMs = input.windowSeconds === undefined ? undefined : input.windowSeconds * 1000;
    const defs = [...this.defs.values()].filter((d) => this.buffer.has(d.id) && matches(d.id, input.series)).sort(compareDefs);
    return {
      epoch: this.epoch,
      intervalMs: this.intervalMs,
      capacity: this.buffer.capacity,
      at: this.buffer.timestamps(windowMs),
      series: defs.map((d) => ({ ...d, values: this.buffer.values(d.id, windowMs) })),
      sources: this.sourceStatus(),
    };
  }

  exportCsv(input: { windowSeconds?: number; series?: string[] } = {}): { filename: string; csv: string; rows: number; columns: number } {
    const snap = this.snapshot(input);
    return { filename: csvFilename(), csv: snapshotToCsv(snap), rows: snap.at.length, columns: snap.series.length + 1 };
  }

  status(): MetricsStatus {
    return {
      running: this.running,
      intervalMs: this.intervalMs,
      capacity: this.buffer.capacity,
      windowSeconds: BUFFER_SECONDS,
      watchers: this.watches.size,
      scopes: ALL_SCOPES.filter((s) => this.active.has(s)),
      sources: this.sourceStatus(),
    };
  }

  async configure(input: { intervalMs: number }): Promise<MetricsStatus> {
    if (input.intervalMs !== this.intervalMs) {
      this.intervalMs = input.intervalMs;
      this.buffer = new RingBuffer(capacityFor(this.intervalMs));
      this.epoch = randomUUID();
      this.defs.clear();
      this.sentDefs.clear();
      this.batch = { at: [], rows: [] };
      this.lastTime = 0;
      // Restart what runs, so loops (nvidia-smi) pick up the new interval.
      const scopes = [...this.active];
      this.halt();
      for (const s of scopes) this.setScope(s, true);
      if (scopes.length) this.schedule(true);
      this.opts.log.info('interval changed', { intervalMs: this.intervalMs });
    }
    if (this.opts.home) {
      await writeFileAtomic(path.join(this.opts.home, 'metrics.json'), JSON.stringify({ version: 1, intervalMs: this.intervalMs }, null, 2) + '\n');
    }
    return this.status();
  }

  close(): void {
    for (const id of [...this.watches.keys()]) this.unwatch(id);
    if (this.lingerTimer) clearTimeout(this.lingerTimer);
    this.halt();
  }

  /** One tick now, in the current interval slot (skipped if that slot already has a row). */
  async sampleNow(): Promise<void> {
    await this.tick(Math.floor(Date.now() / this.intervalMs) * this.intervalMs);
  }

  private sourceStatus(): SourceStatus[] {
    return this.sources.flatMap((s) => s.status());
  }

  private reconcile(): void {
    const want = new Set<MetricScope>();
    for (const w of this.watches.values()) for (const s of w.scopes) want.add(s);
    const wasRunning = this.active.size > 0;
    const now = Date.now();
    const linger = this.opts.lingerMs ?? 0;
    for (const s of ALL_SCOPES) {
      if (want.has(s)) this.lingerUntil.delete(s);
      // A scope left by its last watcher keeps sampling a while, as long as the sampler runs for others.
      else if (this.active.has(s) && linger > 0 && want.size > 0 && !this.lingerUntil.has(s)) this.lingerUntil.set(s, now + linger);
      const keep = want.has(s) || (want.size > 0 && (this.lingerUntil.get(s) ?? 0) > now);
      if (!keep) this.lingerUntil.delete(s);
      if (keep && !this.active.has(s)) this.setScope(s, true);
      else if (!keep && this.active.has(s)) this.setScope(s, false);
    }
    if (this.lingerTimer) clearTimeout(this.lingerTimer);
    this.lingerTimer = null;
    const next = Math.min(...this.lingerUntil.values());
    if (Number.isFinite(next)) {
      this.lingerTimer = setTimeout(() => this.reconcile(), Math.max(0, next - now) + 1);
      this.lingerTimer.unref();
    }
    if (!wasRunning && this.active.size > 0) {
      this.opts.log.debug('sampling started', { intervalMs: this.intervalMs });
      this.schedule(true);
    } else if (wasRunning && this.active.size === 0) {
      this.opts.log.debug('sampling stopped');
      this.halt();
    }
  }

  private setScope(scope: MetricScope, on: boolean): void {
    if (on) this.active.add(scope);
    else this.active.delete(scope);
    for (const src of this.sources) {
      if (src.scope !== scope) continue;
      try {
        if (on) src.start?.(this.intervalMs);
        else src.stop?.();
      } catch (e) {
        this.opts.log.warn('metric source failed to start or stop', { scope, error: String(e) });
      }
    }
  }

  private halt(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const s of [...this.active]) this.setScope(s, false);
    this.flush();
  }

  /** Ticks land on multiples of the interval, so rows of different runs and exports line up. */
  private schedule(immediately = false): void {
    if (this.timer) clearTimeout(this.timer);
    const now = Date.now();
    const slot = Math.floor(now / this.intervalMs) * this.intervalMs;
    let time = immediately ? slot : slot + this.intervalMs;
    // Rates over a few milliseconds are noise (CPU counters move in 10 ms steps): after the
    // immediate first tick late in its slot, or a tick that ran late, skip to the next slot
    // at least half an interval away. The skipped slot is a missing row, never an off-grid one.
    while (!immediately && time - this.lastRunAt < this.intervalMs / 2) time += this.intervalMs;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.active.size === 0) return;
      void this.tick(time).finally(() => {
        if (this.active.size > 0 && !this.timer) this.schedule();
      });
    }, time - now);
    this.timer.unref();
  }

  /** `time` is the slot on the interval grid this row stands for. */
  private async tick(time: number): Promise<void> {
    if (this.ticking || this.active.size === 0) return;
    this.ticking = true;
    this.lastRunAt = Date.now();
    const interval = this.intervalMs;
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), Math.max(40, interval * 0.8));
    try {
      const timedOut = new Promise<Reading[]>((resolve) => deadline.signal.addEventListener('abort', () => resolve([]), { once: true }));
      const active = this.sources.filter((s) => this.active.has(s.scope));
      const results = await Promise.all(
        active.map((s) =>
          Promise.race([
            Promise.resolve()
              .then(() => s.collect({ signal: deadline.signal, now: time, intervalMs: interval }))
              .catch((): Reading[] => []),
            timedOut,
          ]),
        ),
      );
      // The interval changed or sampling stopped while we waited: these readings belong to no buffer.
      if (interval !== this.intervalMs || this.active.size === 0 || time <= this.lastTime) return;
      this.lastTime = time;
      const row = new Map<string, number | null>();
      for (const r of results.flat()) {
        row.set(r.def.id, r.value);
        this.defs.set(r.def.id, r.def);
      }
      this.buffer.push(time, row);
      this.batch.at.push(time);
      this.batch.rows.push(row);
      if (++this.ticks % 60 === 0) {
        for (const id of this.buffer.prune()) {
          this.defs.delete(id);
          this.sentDefs.delete(id);
        }
      }
      // Batches of about a second: one row per event at 1 Hz, several at faster intervals.
      if (time - this.lastFlush >= (this.opts.batchMs ?? 1000) - interval / 2) this.flush();
    } finally {
      clearTimeout(timer);
      this.ticking = false;
    }
  }

  private flush(): void {
    const { at, rows } = this.batch;
    if (at.length === 0) return;
    this.batch = { at: [], rows: [] };
    this.lastFlush = at[at.length - 1];
    const values: Record<string, (number | null)[]> = {};
    const ids = new Set<string>();
    for (const r of rows) for (const id of r.keys()) ids.add(id);
    for (const id of ids) values[id] = rows.map((r) => r.get(id) ?? null);
    const defs: SeriesDef[] = [];
    for (const id of ids) {
      const d = this.defs.get(id);
      if (!d) continue;
      const json = JSON.stringify(d);
      if (this.sentDefs.get(id) !== json) {
        this.sentDefs.set(id, json);
        defs.push(d);
      }
    }
    const payload: SampleBatch = { epoch: this.epoch, intervalMs: this.intervalMs, at, values, defs };
    const sources = this.sourceStatus();
    const sourcesJson = JSON.stringify(sources);
    if (sourcesJson !== this.lastSources) {
      this.lastSources = sourcesJson;
      payload.sources = sources;
    }
    this.opts.bus.emit('metrics.sample', payload);
  }
}
