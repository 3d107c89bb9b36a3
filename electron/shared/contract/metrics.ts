import { z } from 'zod';
import { fmtBytes } from '../format';
import { event, method } from './define';

/** What a watcher asks to be sampled. Containers open one Docker stats stream each, so they are opt-in per watch. */
export const MetricScopeSchema = z.enum(['host', 'gpu', 'containers', 'engines']);
export type MetricScope = z.infer<typeof MetricScopeSchema>;
export const ALL_SCOPES: MetricScope[] = ['host', 'gpu', 'containers', 'engines'];

export const MetricUnitSchema = z.enum(['percent', 'bytes', 'tokensPerSecond', 'count', 'celsius', 'watts', 'load']);
export type MetricUnit = z.infer<typeof MetricUnitSchema>;

/** Which chart a series belongs on. */
export const MetricGroupSchema = z.enum([
  'cpu',
  'cores',
  'memory',
  'swap',
  'load',
  'gpu-util',
  'vram',
  'gpu-temp',
  'gpu-power',
  'container-cpu',
  'container-memory',
  'tokens',
  'requests',
  'kv-cache',
  'engine-memory',
]);
export type MetricGroup = z.infer<typeof MetricGroupSchema>;

export const SeriesDefSchema = z.object({
  /** Stable key, e.g. `host.cpu`, `gpu.nvidia0.vram`, `container.slm-deck-vllm.cpu`, `engine.127.0.0.1:8000.tokens`. */
  id: z.string(),
  /** Short human label for legends and CSV headers, e.g. "CPU", "slm-deck-vllm memory". */
  label: z.string(),
  unit: MetricUnitSchema,
  group: MetricGroupSchema,
  scope: MetricScopeSchema,
  /** The thing measured (device, container, engine), so charts can colour by subject. */
  subject: z.string(),
  /** Upper bound when one exists: memory total, VRAM total, container memory limit. */
  max: z.number().nullable(),
});
export type SeriesDef = z.infer<typeof SeriesDefSchema>;

export const SourceStatusSchema = z.object({
  /** e.g. "host", "nvidia-smi", "amd-sysfs", "docker", "engine 127.0.0.1:8000" */
  name: z.string(),
  scope: MetricScopeSchema,
  /** idle: not sampled now; absent: nothing to measure (no GPU); failing: series show gaps until it recovers. */
  state: z.enum(['ok', 'idle', 'absent', 'failing']),
  message: z.string(),
  hint: z.string().optional(),
});
export type SourceStatus = z.infer<typeof SourceStatusSchema>;

/** A value per row of `at`; null is a gap (source down, series not yet or no longer present). */
const ValuesSchema = z.array(z.number().nullable());

export const SnapshotSchema = z.object({
  /** Changes whenever the buffer is reset (interval changed); clients refetch when a batch carries another epoch. */
  epoch: z.string(),
  intervalMs: z.number(),
  /** Rows the ring buffer holds at most (15 minutes at the interval). */
  capacity: z.number(),
  /** Epoch milliseconds of each row, oldest first. */
  at: z.array(z.number()),
  series: z.array(SeriesDefSchema.extend({ values: ValuesSchema })),
  sources: z.array(SourceStatusSchema),
});
export type MetricsSnapshot = z.infer<typeof SnapshotSchema>;

export const SampleBatchSchema = z.object({
  epoch: z.string(),
  intervalMs: z.number(),
  at: z.array(z.number()),
  /** Series id -> values aligned with `at`. Series without a value in this batch are omitted. */
  values: z.record(z.string(), ValuesSchema),
  /** Definitions that are new or changed since the previous batch. */
  defs: z.array(SeriesDefSchema),
  /** Present when a source changed state. */
  sources: z.array(SourceStatusSchema).optional(),
});
export type SampleBatch = z.infer<typeof SampleBatchSchema>;

export const EngineKindSchema = z.enum(['vllm', 'onnx', 'llama-cpp', 'ollama']);
export type EngineKind = z.infer<typeof EngineKindSchema>;

export const EngineTargetSchema = z
  .object({
    kind: EngineKindSchema,
    /** Base URL of the server, e.g. http://127.0.0.1:8000 */
    url: z.string().url().regex(/^https?:\/\//, 'an http:// or https:// URL'),
    label: z.string().max(80).optional(),
  })
  .strict();
export type EngineTarget = z.infer<typeof EngineTargetSchema>;

export const MetricsStatusSchema = z.object({
  running: z.boolean(),
  intervalMs: z.number(),
  capacity: z.number(),
  windowSeconds: z.number(),
  watchers: z.number(),
  scopes: z.array(MetricScopeSchema),
  sources: z.array(SourceStatusSchema),
});
export type MetricsStatus = z.infer<typeof MetricsStatusSchema>;

export const MIN_INTERVAL_MS = 250;
export const MAX_INTERVAL_MS = 10_000;
export const DEFAULT_INTERVAL_MS = 1000;
/** The ring buffer always covers this much time, whatever the interval. */
export const BUFFER_SECONDS = 15 * 60;

const WindowSchema = z.number().int().min(1).max(BUFFER_SECONDS);
const SeriesFilterSchema = z.array(z.string().max(200)).max(500);

export const metricsMethods = {
  'metrics.watch': method(
    z
      .object({
        scopes: z.array(MetricScopeSchema).min(1).optional(),
        /** Extra engines to sample for as long as this watch lives (besides deployments and the Ollama URL). */
        engines: z.array(EngineTargetSchema).max(16).optional(),
      })
      .strict(),
    z.object({ watchId: z.string(), intervalMs: z.number(), epoch: z.string() }),
    'Start sampling (all scopes by default) until metrics.unwatch or the caller goes away; samples arrive as metrics.sample events.',
  ),
  'metrics.unwatch': method(
    z.object({ watchId: z.string() }).strict(),
    z.object({ stopped: z.boolean() }),
    'End a watch; sampling stops when the last watch ends.',
  ),
  'metrics.snapshot': method(
    z.object({ windowSeconds: WindowSchema.optional(), series: SeriesFilterSchema.optional() }).strict(),
    SnapshotSchema,
    'The buffered samples (up to 15 minutes), optionally only the last N seconds or some series (ids or id prefixes).',
  ),
  'metrics.exportCsv': method(
    z.object({ windowSeconds: WindowSchema.optional(), series: SeriesFilterSchema.optional() }).strict(),
    z.object({ filename: z.string(), csv: z.string(), rows: z.number(), columns: z.number() }),
    'The buffer as CSV text: a time column, then one column per series with its unit.',
  ),
  'metrics.status': method(z.object({}).strict(), MetricsStatusSchema, 'Whether sampling runs, its interval, and the state of each source.'),
  'metrics.configure': method(
    z.object({ intervalMs: z.number().int().min(MIN_INTERVAL_MS).max(MAX_INTERVAL_MS) }).strict(),
    MetricsStatusSchema,
    'Change the sampling interval (kept across restarts). The buffer restarts, still covering 15 minutes.',
  ),
};

export const metricsEvents = {
  'metrics.sample': event(SampleBatchSchema, 'New rows of samples (one per tick at 1 Hz) while at least one watch is active.'),
};

/** One formatter for the CLI, the charts and the live strip, so a value reads the same everywhere. */
export function formatMetric(value: number | null | undefined, unit: MetricUnit): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  const fixed = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(Math.abs(v) >= 1 || v === 0 ? 1 : 2));
  switch (unit) {
    case 'percent':
      return `${value >= 10 || Number.isInteger(value) ? value.toFixed(0) : value.toFixed(1)} %`;
    case 'bytes':
      return fmtBytes(value, 'compact');
    case 'tokensPerSecond':
      return `${fixed(value)} tok/s`;
    case 'count':
      return String(Math.round(value));
    case 'celsius':
      return `${value.toFixed(0)} °C`;
    case 'watts':
      return `${value.toFixed(0)} W`;
    case 'load':
      return value.toFixed(2);
  }
}
