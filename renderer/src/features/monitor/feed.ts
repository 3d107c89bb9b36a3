import { useEffect, useSyncExternalStore } from 'react';
import { ALL_SCOPES, type MetricScope, type MetricsSnapshot, type SampleBatch, type SeriesDef, type SourceStatus } from '../../../../electron/shared/contract/metrics';
import { call, subscribe } from '../../api/client';
import { useConnection } from '../../stores/connection';

export interface FeedSeries {
  def: SeriesDef;
  /** Aligned with FeedState.at; null = gap. */
  values: (number | null)[];
}

export interface FeedState {
  epoch: string | null;
  intervalMs: number;
  capacity: number;
  /** Epoch ms, oldest first. */
  at: number[];
  series: Map<string, FeedSeries>;
  sources: SourceStatus[];
  /** Bumped on every change, so views can skip work when nothing moved. */
  version: number;
}

/**
 * The renderer's copy of the sampler's buffer, shared by the live strip and the Monitor
 * page: one server watch for the union of the scopes its users want, a snapshot to start
 * from, then metrics.sample batches appended. A reconnect or a new epoch (interval changed)
 * starts again from a snapshot.
 */
class MetricsFeed {
  state: FeedState = { epoch: null, intervalMs: 1000, capacity: 900, at: [], series: new Map(), sources: [], version: 0 };
  private listeners = new Set<() => void>();
  private wanted = new Map<number, MetricScope[]>();
  private nextUser = 1;
  private watchId: string | null = null;
  private watchedKey = '';
  private offEvent: (() => void) | null = null;
  private syncing: Promise<void> = Promise.resolve();
  /** Batches that arrive while a snapshot loads are applied after it (rows it already has are skipped). */
  private held: SampleBatch[] | null = null;

  subscribeStore = (fn: () => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };

  getState = () => this.state;

  /** A view wants these scopes until the returned function is called. */
  use(scopes: MetricScope[]): () => void {
    const id = this.nextUser++;
    this.wanted.set(id, scopes);
    this.sync();
    return () => {
      this.wanted.delete(id);
      this.sync();
    };
  }

  /** Re-establish the watch (after a reconnect the server has forgotten it). */
  reconnect(): void {
    // The old watch id is unwatched after the new watch (harmless if the server already forgot it).
    this.watchedKey = '';
    this.sync();
  }

  private union(): MetricScope[] {
    const all = new Set<MetricScope>();
    for (const s of this.wanted.values()) for (const x of s) all.add(x);
    return ALL_SCOPES.filter((s) => all.has(s));
  }

  private sync(): void {
    this.syncing = this.syncing.then(() => this.syncNow()).catch(() => undefined);
  }

  private async syncNow(): Promise<void> {
    const scopes = this.union();
    const key = scopes.join(',');
    if (key === this.watchedKey) return;
    const old = this.watchId;
    this.watchId = null;
    this.watchedKey = key;
    if (key) {
      this.offEvent ??= subscribe('metrics.sample', (b) => this.onBatch(b));
      // Watch the new set before dropping the old one, so the sampler does not stop in between.
      let w;
      try {
        w = await call('metrics.watch', { scopes });
      } catch (e) {
        this.watchId = old;
        this.watchedKey = '';
        throw e;
      }
      this.watchId = w.watchId;
      if (w.epoch !== this.state.epoch || this.state.at.length === 0) await this.loadSnapshot();
    } else {
      this.offEvent?.();
      this.offEvent = null;
    }
    if (old) await call('metrics.unwatch', { watchId: old }).catch(() => undefined);
  }

  private async loadSnapshot(): Promise<void> {
    if (this.held) return;
    this.held = [];
    try {
      this.applySnapshot(await call('metrics.snapshot', {}));
    } finally {
      const held = this.held;
      this.held = null;
      for (const b of held) this.onBatch(b);
    }
  }

  applySnapshot(s: MetricsSnapshot): void {
    const series = new Map<string, FeedSeries>();
    for (const { values, ...def } of s.series) series.set(def.id, { def, values: [...values] });
    this.state = { epoch: s.epoch, intervalMs: s.intervalMs, capacity: s.capacity, at: [...s.at], series, sources: s.sources, version: this.state.version + 1 };
    this.emit();
  }

  onBatch(b: SampleBatch): void {
    if (this.held) {
      this.held.push(b);
      return;
    }
    if (b.epoch !== this.state.epoch) {
      void this.loadSnapshot().catch(() => undefined);
      return;
    }
    const st = this.state;
    const last = st.at.length ? st.at[st.at.length - 1] : -Infinity;
    // Rows the snapshot already had are skipped.
    const fresh = b.at.map((t, i) => [t, i] as const).filter(([t]) => t > last);
    if (fresh.length === 0 && !b.sources && b.defs.length === 0) return;
    for (const d of b.defs) {
      const s = st.series.get(d.id);
      if (s) s.def = d;
      else st.series.set(d.id, { def: d, values: new Array<number | null>(st.at.length).fill(null) });
    }
    for (const [t, i] of fresh) {
      st.at.push(t);
      for (const [id, s] of st.series) s.values.push(b.values[id]?.[i] ?? null);
    }
    const extra = st.at.length - st.capacity;
    if (extra > 0) {
      st.at.splice(0, extra);
      for (const s of st.series.values()) s.values.splice(0, extra);
    }
    this.state = { ...st, sources: b.sources ?? st.sources, version: st.version + 1 };
    this.emit();
  }

  private emit(): void {
    for (const fn of this.listeners) fn();
  }
}

export const metricsFeed = new MetricsFeed();

let reconnectHooked = false;
function hookReconnect(): void {
  if (reconnectHooked) return;
  reconnectHooked = true;
  let prev = useConnection.getState().state;
  useConnection.subscribe((s) => {
    if (s.state === 'open' && prev !== 'open') metricsFeed.reconnect();
    prev = s.state;
  });
}

/** The shared feed, watching `scopes` while the calling component is mounted. */
export function useMetricsFeed(scopes: MetricScope[]): FeedState {
  const key = scopes.join(',');
  useEffect(() => {
    hookReconnect();
    return metricsFeed.use(key.split(',') as MetricScope[]);
  }, [key]);
  return useSyncExternalStore(metricsFeed.subscribeStore, metricsFeed.getState);
}

/** Series of the given chart groups, in the sampler's order. */
export function seriesOf(state: FeedState, groups: SeriesDef['group'][]): FeedSeries[] {
  return [...state.series.values()].filter((s) => groups.includes(s.def.group));
}

/** Index of the first row within the last `windowMs`. */
export function windowStart(at: number[], windowMs: number): number {
  if (at.length === 0) return 0;
  const from = at[at.length - 1] - windowMs;
  let i = at.length;
  while (i > 0 && at[i - 1] > from) i--;
  return i;
}

/** Newest non-gap value of a series within the last few rows (a single missed tick should not blank a number). */
export function latest(s: FeedSeries | undefined, lookback = 3): number | null {
  if (!s) return null;
  for (let i = s.values.length - 1; i >= Math.max(0, s.values.length - lookback); i--) {
    const v = s.values[i];
    if (v !== null) return v;
  }
  return null;
}
