import { z } from 'zod';
import { ChatProtocolSchema, ErrorInfoSchema } from './chat';
import { method, event } from './define';
import { HardwareProfileSchema } from './hardware';

/**
 * Benchmarks: the same prompt suite sent to several backends, interleaved, with time to
 * first token, decode speed, latency, throughput and peak memory per backend and
 * concurrency level. Runs are tasks; results are kept under <home>/benchmarks/.
 */

/** Which project serves the backend: decides the documented facts shown next to the numbers. */
export const BenchFamilySchema = z.enum(['vllm', 'ollama', 'onnx', 'llama-cpp', 'openai']);
export type BenchFamily = z.infer<typeof BenchFamilySchema>;
export const BenchDeviceSchema = z.enum(['gpu', 'cpu', 'unknown']);
export type BenchDevice = z.infer<typeof BenchDeviceSchema>;

export const BenchPromptSchema = z
  .object({
    id: z.string().trim().min(1).max(100),
    label: z.string().max(200).optional(),
    prompt: z.string().min(1).max(20_000),
    system: z.string().max(20_000).optional(),
  })
  .strict();
export type BenchPrompt = z.infer<typeof BenchPromptSchema>;

export const BenchTargetSchema = z.object({ backendId: z.string().min(1).max(200), model: z.string().min(1).max(300).optional() }).strict();
export type BenchTarget = z.infer<typeof BenchTargetSchema>;

export const BENCH_LIMITS = { runs: 50, concurrency: 32, levels: 4, prompts: 200, backends: 8, maxTokens: 4096, warmup: 5 } as const;

export const BENCH_DEFAULTS = {
  runs: 1,
  concurrency: [1, 4],
  maxTokens: 128,
  temperature: 0,
  seed: 42,
  warmup: 1,
  timeoutSec: 300,
} as const;

const ConcurrencySchema = z
  .array(z.number().int().min(1).max(BENCH_LIMITS.concurrency))
  .min(1)
  .max(BENCH_LIMITS.levels)
  .refine((l) => new Set(l).size === l.length, 'each concurrency level once');

/** Everything a run ran with, as stored with its results. */
export const BenchConfigSchema = z
  .object({
    name: z.string().trim().max(120),
    backends: z
      .array(BenchTargetSchema)
      .min(1)
      .max(BENCH_LIMITS.backends)
      .refine((l) => new Set(l.map((t) => t.backendId)).size === l.length, 'each backend once'),
    prompts: z.array(BenchPromptSchema).min(1).max(BENCH_LIMITS.prompts),
    /** Measured requests per prompt per backend and concurrency level. */
    runs: z.number().int().min(1).max(BENCH_LIMITS.runs),
    /** Requests in flight at once against one backend, one level after the other. */
    concurrency: ConcurrencySchema,
    maxTokens: z.number().int().min(1).max(BENCH_LIMITS.maxTokens),
    /** Sent to every backend; servers that ignore them (some OpenAI-compatible ones) sample as they like. */
    temperature: z.number().min(0).max(2),
    seed: z.number().int().min(0).max(2 ** 32 - 1),
    /** Requests per backend before measuring (model load, caches); never counted. */
    warmup: z.number().int().min(0).max(BENCH_LIMITS.warmup),
    /** A request without a complete answer after this long counts as an error. */
    timeoutSec: z.number().int().min(5).max(3600),
  })
  .strict();
export type BenchConfig = z.infer<typeof BenchConfigSchema>;

/** What `bench.start` takes: only the backends are required; the suite defaults to the seed's prompts. */
export const BenchStartSchema = BenchConfigSchema.partial().required({ backends: true }).strict();
export type BenchStart = z.infer<typeof BenchStartSchema>;

export const BenchBackendSchema = z.object({
  backendId: z.string(),
  label: z.string(),
  kind: ChatProtocolSchema,
  baseUrl: z.string(),
  source: z.string(),
  model: z.string().nullable(),
  family: BenchFamilySchema,
  device: BenchDeviceSchema,
  /** The managed deployment behind it, when there is one. */
  deployment: z.object({ name: z.string(), backend: z.string(), container: z.string().nullable() }).nullable(),
  /** `failed`: it could not be reached or failed repeatedly mid-run; the others went on. */
  status: z.enum(['ok', 'failed']),
  error: ErrorInfoSchema.nullable(),
  /** Measured requests it had been sent when it was given up. */
  failedAfter: z.number().int().nullable(),
});
export type BenchBackend = z.infer<typeof BenchBackendSchema>;

/** One measured request. Times in milliseconds from the moment the request was sent. */
export const BenchSampleSchema = z.object({
  backendId: z.string(),
  concurrency: z.number().int(),
  promptId: z.string(),
  run: z.number().int(),
  /** Index of the slice (c requests sent together) within its concurrency level. */
  slice: z.number().int(),
  ttftMs: z.number().nullable(),
  totalMs: z.number(),
  promptTokens: z.number().nullable(),
  completionTokens: z.number().nullable(),
  /** (completion tokens - 1) / (last token time - first token time). */
  decodeTps: z.number().nullable(),
  /** `server`: usage / eval counters; `counted`: one per streamed chunk. */
  tokenSource: z.enum(['server', 'counted']),
  error: ErrorInfoSchema.nullable(),
});
export type BenchSample = z.infer<typeof BenchSampleSchema>;

/** Per backend and concurrency level. Percentiles interpolate linearly between ranks (numpy's default). */
export const BenchCellSchema = z.object({
  backendId: z.string(),
  concurrency: z.number().int(),
  planned: z.number().int(),
  /** Requests sent (answered or failed); planned - sent were skipped after the backend failed or the run was cancelled. */
  sent: z.number().int(),
  ok: z.number().int(),
  errors: z.number().int(),
  ttftP50Ms: z.number().nullable(),
  ttftP95Ms: z.number().nullable(),
  decodeTpsP50: z.number().nullable(),
  promptTpsP50: z.number().nullable(),
  e2eP50Ms: z.number().nullable(),
  e2eP95Ms: z.number().nullable(),
  e2eMeanMs: z.number().nullable(),
  /** Answered requests per second of this backend's own measured time. */
  requestsPerSec: z.number().nullable(),
  /** Completion tokens of answered requests per second of measured time (aggregate throughput). */
  outputTps: z.number().nullable(),
  /** This backend's measured time: the sum of its slices' wall times. */
  wallMs: z.number(),
  peakMemoryBytes: z.number().nullable(),
  peakVramBytes: z.number().nullable(),
  /** Where the memory figures come from, or why there are none. */
  memoryNote: z.string(),
});
export type BenchCell = z.infer<typeof BenchCellSchema>;

export const BenchRunStatusSchema = z.enum(['completed', 'cancelled']);

/** What a run's badge says: a completed run where a backend failed is only partial. */
export function benchOutcome(status: z.infer<typeof BenchRunStatusSchema>, backends: { status: 'ok' | 'failed' }[]): 'completed' | 'partial' | 'cancelled' {
  return status === 'completed' && backends.some((b) => b.status === 'failed') ? 'partial' : status;
}

export const BenchRunIdSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,79}$/, 'a run id such as 20250101-120000-ab12');

export const BenchRunSchema = z.object({
  version: z.literal(1),
  id: BenchRunIdSchema,
  status: BenchRunStatusSchema,
  createdAt: z.number(),
  finishedAt: z.number(),
  appVersion: z.string(),
  config: BenchConfigSchema,
  hardware: HardwareProfileSchema.nullable(),
  /** Why the hardware profile is missing. */
  hardwareError: z.string().nullable(),
  backends: z.array(BenchBackendSchema),
  cells: z.array(BenchCellSchema),
  samples: z.array(BenchSampleSchema),
});
export type BenchRun = z.infer<typeof BenchRunSchema>;

export const BenchRunSummarySchema = z.object({
  id: z.string(),
  name: z.string(),
  status: BenchRunStatusSchema,
  createdAt: z.number(),
  durationMs: z.number(),
  backends: z.array(z.object({ backendId: z.string(), label: z.string(), family: BenchFamilySchema, status: z.enum(['ok', 'failed']) })),
  concurrency: z.array(z.number()),
  prompts: z.number(),
  runs: z.number(),
  /** One line about the machine, e.g. "AMD Ryzen 9 · 16 cores · 64 GB · no GPU". */
  machine: z.string(),
});
export type BenchRunSummary = z.infer<typeof BenchRunSummarySchema>;

/** The seed's comparison table with measured figures in place of quoted ones. */
export const ComparisonCellSchema = z.object({
  text: z.string(),
  /** True: measured in this run; false: a documented fact or the seed's quoted figure. */
  measured: z.boolean(),
  note: z.string().optional(),
});
export const ComparisonTableSchema = z.object({
  columns: z.array(z.object({ backendId: z.string(), label: z.string(), family: BenchFamilySchema, familyLabel: z.string(), device: BenchDeviceSchema })),
  rows: z.array(z.object({ key: z.string(), label: z.string(), kind: z.enum(['measured', 'fact']), cells: z.array(ComparisonCellSchema) })),
  /** Plain-language answers: fastest single stream, best throughput, lowest memory. */
  verdicts: z.array(z.string()),
  source: z.string(),
});
export type ComparisonTable = z.infer<typeof ComparisonTableSchema>;

export const BenchMetricKeySchema = z.enum([
  'ttftP50Ms',
  'ttftP95Ms',
  'decodeTpsP50',
  'promptTpsP50',
  'e2eP50Ms',
  'e2eP95Ms',
  'requestsPerSec',
  'outputTps',
  'errors',
  'peakMemoryBytes',
  'peakVramBytes',
]);
export type BenchMetricKey = z.infer<typeof BenchMetricKeySchema>;

export interface BenchMetricDef {
  key: BenchMetricKey;
  label: string;
  unit: 'ms' | 'tok/s' | 'req/s' | 'count' | 'MiB';
  better: 'higher' | 'lower';
  /** Decimals in tables and Markdown. */
  decimals: number;
}

/** One list for the table, the charts, the CSV columns and the Markdown export. */
export const BENCH_METRICS: BenchMetricDef[] = [
  { key: 'ttftP50Ms', label: 'TTFT p50', unit: 'ms', better: 'lower', decimals: 1 },
  { key: 'ttftP95Ms', label: 'TTFT p95', unit: 'ms', better: 'lower', decimals: 1 },
  { key: 'decodeTpsP50', label: 'Decode p50', unit: 'tok/s', better: 'higher', decimals: 2 },
  { key: 'promptTpsP50', label: 'Prompt p50', unit: 'tok/s', better: 'higher', decimals: 1 },
  { key: 'e2eP50Ms', label: 'Latency p50', unit: 'ms', better: 'lower', decimals: 1 },
  { key: 'e2eP95Ms', label: 'Latency p95', unit: 'ms', better: 'lower', decimals: 1 },
  { key: 'requestsPerSec', label: 'Requests/s', unit: 'req/s', better: 'higher', decimals: 3 },
  { key: 'outputTps', label: 'Output', unit: 'tok/s', better: 'higher', decimals: 2 },
  { key: 'errors', label: 'Errors', unit: 'count', better: 'lower', decimals: 0 },
  { key: 'peakMemoryBytes', label: 'Peak memory', unit: 'MiB', better: 'lower', decimals: 1 },
  { key: 'peakVramBytes', label: 'Peak VRAM', unit: 'MiB', better: 'lower', decimals: 1 },
];

const MIB = 1024 * 1024;

/** A cell's value in the metric's display unit (bytes -> MiB), null when not measured. */
export function benchMetricValue(cell: BenchCell, key: BenchMetricKey): number | null {
  const v = cell[key];
  if (v === null || !Number.isFinite(v)) return null;
  return key === 'peakMemoryBytes' || key === 'peakVramBytes' ? v / MIB : v;
}

/** `12.3` for a table cell, `—` when not measured. */
export function formatBenchNumber(value: number | null, decimals: number): string {
  return value === null || !Number.isFinite(value) ? '—' : value.toFixed(decimals);
}

export function benchMetricDef(key: BenchMetricKey): BenchMetricDef {
  return BENCH_METRICS.find((m) => m.key === key)!;
}

export const BenchCompareRowSchema = z.object({
  backendId: z.string(),
  label: z.string(),
  concurrency: z.number(),
  metric: BenchMetricKeySchema,
  a: z.number().nullable(),
  b: z.number().nullable(),
  /** (b - a) / a in percent; null when either side is missing or a is 0. */
  changePct: z.number().nullable(),
  /** Whether b is better than a by this metric's direction; null when unchanged or unknown. */
  improved: z.boolean().nullable(),
});
export type BenchCompareRow = z.infer<typeof BenchCompareRowSchema>;

export const BenchExportFormatSchema = z.enum(['csv', 'json', 'markdown']);
export type BenchExportFormat = z.infer<typeof BenchExportFormatSchema>;

const none = z.object({}).strict();
const RunRef = z.object({ id: BenchRunIdSchema }).strict();

export const benchMethods = {
  'bench.start': method(
    BenchStartSchema,
    z.object({ taskId: z.string() }),
    'Start a benchmark run (a task): the suite against each backend, interleaved, at each concurrency level.',
    { task: true },
  ),
  'bench.defaultSuite': method(none, z.array(BenchPromptSchema), "The default prompt suite: the deployment guide's test prompts."),
  'bench.parseSuite': method(
    z.object({ text: z.string().max(2_000_000) }).strict(),
    z.array(BenchPromptSchema),
    'Read a prompt suite from JSONL (one {"prompt", "id"?, "label"?, "system"?} per line) or a JSON array.',
  ),
  'bench.list': method(none, z.array(BenchRunSummarySchema), 'Saved benchmark runs, newest first.'),
  'bench.get': method(RunRef, BenchRunSchema, 'One saved run with its configuration, hardware profile, results and every sample.'),
  'bench.comparison': method(RunRef, ComparisonTableSchema, "The deployment guide's comparison table with this run's measured numbers."),
  'bench.delete': method(RunRef, z.object({ deleted: z.boolean() }), 'Delete a saved run.'),
  'bench.compare': method(
    z.object({ a: BenchRunIdSchema, b: BenchRunIdSchema }).strict(),
    z.object({ a: BenchRunSummarySchema, b: BenchRunSummarySchema, rows: z.array(BenchCompareRowSchema) }),
    'Two runs side by side: every metric of every backend and concurrency level both ran, with the change.',
  ),
  'bench.export': method(
    z.object({ id: BenchRunIdSchema, format: BenchExportFormatSchema }).strict(),
    z.object({ filename: z.string(), mime: z.string(), content: z.string() }),
    'A run as CSV (one row per backend and concurrency), JSON (everything) or Markdown (tables to share).',
  ),
};

export const benchEvents = {
  'bench.changed': event(z.object({ id: z.string().nullable() }), 'A benchmark run was saved or deleted.'),
};
