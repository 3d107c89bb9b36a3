import type { EngineTarget, MetricScope, MetricsSnapshot } from '../../shared/contract/metrics';

/** What the runner needs from the monitor: sample while the run lasts, then the peak of some series in a window. */
export interface MemoryProbe {
  begin(o: { scopes: MetricScope[]; engines: EngineTarget[] }): MemorySession;
}

export interface MemorySession {
  /** Wait for a sample taken after this moment (at least one per window, however short the window). */
  mark(): Promise<void>;
  /** Highest per-row sum of the series between two epoch-ms times; null without a value. */
  peak(series: string[], from: number, to: number): number | null;
  end(): void;
}

/** The subset of MetricsService the probe uses. */
export interface MetricsLike {
  watch(input: { scopes?: MetricScope[]; engines?: EngineTarget[] }): { watchId: string; intervalMs: number };
  unwatch(watchId: string): boolean;
  sampleNow(): Promise<void>;
  snapshot(input: { series?: string[] }): MetricsSnapshot;
  status(): { intervalMs: number };
}

/**
 * Waits for a row sampled after this moment (the next interval slot), so a level shorter
 * than the interval still has a sample taken while its model was loaded. An earlier row in
 * the same slot may predate the level (the monitor may have been running for other pages).
 */
async function markRow(metrics: MetricsLike): Promise<void> {
  const interval = metrics.status().intervalMs;
  const slot = Math.floor(Date.now() / interval) * interval;
  const deadline = Date.now() + interval * 3;
  while (Date.now() < deadline) {
    const at = metrics.snapshot({ series: [] }).at;
    if (at.length && at[at.length - 1] > slot) return;
    await new Promise((r) => setTimeout(r, Math.max(20, interval / 20)));
    if (Date.now() >= slot + interval) await metrics.sampleNow().catch(() => undefined);
  }
}

/** Peak of per-row sums (several GPUs add up) over rows inside [from - interval, to]. */
export function peakOf(snap: Pick<MetricsSnapshot, 'at' | 'series' | 'intervalMs'>, ids: string[], from: number, to: number): number | null {
  const series = snap.series.filter((s) => ids.includes(s.id));
  if (!series.length) return null;
  let peak: number | null = null;
  snap.at.forEach((t, i) => {
    if (t < from - snap.intervalMs || t > to) return;
    let sum: number | null = null;
    for (const s of series) {
      const v = s.values[i];
      if (v !== null && v !== undefined && Number.isFinite(v)) sum = (sum ?? 0) + v;
    }
    if (sum !== null && (peak === null || sum > peak)) peak = sum;
  });
  return peak;
}

/** The monitor's ring buffers: a watch for the run's duration, peaks read from its snapshot. */
export function metricsMemoryProbe(metrics: MetricsLike): MemoryProbe {
  return {
    begin({ scopes, engines }) {
      if (!scopes.length) return { mark: async () => undefined, peak: () => null, end: () => undefined };
      const { watchId } = metrics.watch({ scopes, ...(engines.length ? { engines } : {}) });
      return {
        mark: () => markRow(metrics),
        peak: (series, from, to) => (series.length ? peakOf(metrics.snapshot({ series }), series, from, to) : null),
        end: () => void metrics.unwatch(watchId),
      };
    },
  };
}
