import type { BenchBackend, BenchCell, BenchConfig, BenchRun, BenchSample } from '../../shared/contract/bench';
import type { ChatBackend, ChatProtocol } from '../../shared/contract/chat';
import type { Deployment } from '../../shared/contract/docker';
import type { HardwareProfile } from '../../shared/contract/hardware';
import type { EngineTarget, MetricScope } from '../../shared/contract/metrics';
import { DeckError, type ErrorInfo } from '../../shared/errors';
import type { ChatClient, ChatRequest, ModelInfo, WireMessage } from '../chat/protocols/types';
import type { Logger } from '../log/logger';
import type { TaskContext } from '../tasks/task-registry';
import { profileBackend, type BackendProfile } from './backend-profile';
import { measureRequest, toInfo } from './measure';
import type { MemoryProbe } from './memory-probe';
import { planLevel } from './schedule';
import { summarise } from './stats';

export interface RunnerDeps {
  resolveBackend(id: string): Promise<ChatBackend>;
  /** The key a backend requires as `Authorization: Bearer` (an engine deployment published beyond loopback). */
  apiKey?(backend: ChatBackend): Promise<string | undefined>;
  clients: Record<ChatProtocol, ChatClient>;
  /** Managed deployments (empty while Docker is away). */
  deployments(): Promise<Deployment[]>;
  hardware(): Promise<HardwareProfile>;
  memory: MemoryProbe;
  appVersion: string;
  log: Logger;
  /** Monotonic milliseconds for request timing. */
  now?: () => number;
  /** Epoch milliseconds for run and window times. */
  clock?: () => number;
  /** A backend is given up after this many failed requests in a row (default 3). */
  giveUpAfter?: number;
}

interface Entry {
  backend: ChatBackend;
  info: BenchBackend;
  profile: BackendProfile | null;
  model: string;
  apiKey?: string;
  failures: number;
  sent: number;
}

const MODELS_TIMEOUT_MS = 10_000;

/**
 * One benchmark run. Backends are resolved and warmed up, then each concurrency level runs
 * its slices with the backends interleaved (see planLevel). A backend that keeps failing is
 * given up and reported; the others go on. Cancelling ends the run with what was measured.
 */
export async function runBenchmark(id: string, config: BenchConfig, deps: RunnerDeps, ctx: TaskContext): Promise<BenchRun> {
  const now = deps.now ?? (() => performance.now());
  const clock = deps.clock ?? (() => Date.now());
  const giveUpAfter = deps.giveUpAfter ?? 3;
  const createdAt = clock();
  const { signal } = ctx;
  ctx.update({ step: 'Reading the hardware profile and the backends', progress: 0 });

  const [hw, deployments] = await Promise.all([
    deps.hardware().then(
      (h) => ({ profile: h, error: null }),
      (e: unknown) => ({ profile: null, error: e instanceof Error ? e.message : String(e) }),
    ),
    deps.deployments().catch((): Deployment[] => []),
  ]);

  const entries: Entry[] = [];
  for (const target of config.backends) {
    entries.push(await prepare(target, deps, { deployments, hardware: hw.profile, signal }));
  }
  const name = config.name || entries.map((e) => e.info.label).join(' vs ');
  const failNow = (e: Entry, error: ErrorInfo) => {
    e.info.status = 'failed';
    e.info.error = error;
    e.info.failedAfter = e.sent;
  };
  const alive = () => entries.filter((e) => e.info.status === 'ok');

  const requestOf = (e: Entry, p: BenchConfig['prompts'][number]): ChatRequest => {
    const messages: WireMessage[] = [...(p.system ? [{ role: 'system' as const, content: p.system }] : []), { role: 'user', content: p.prompt }];
    return {
      baseUrl: e.backend.baseUrl,
      model: e.model,
      messages,
      params: { temperature: config.temperature, seed: config.seed, max_tokens: config.maxTokens },
      stream: true,
      ...(e.apiKey ? { apiKey: e.apiKey } : {}),
    };
  };
  const send = (e: Entry, p: BenchConfig['prompts'][number]) =>
    measureRequest({ client: deps.clients[e.backend.kind], request: requestOf(e, p), signal, timeoutMs: config.timeoutSec * 1000, now, what: e.backend.label });

  const planned = config.prompts.length * config.runs;
  const total = alive().length * (config.warmup + config.concurrency.length * planned) || 1;
  let done = 0;
  const progress = (step: string) => ctx.update({ step, progress: Math.min(1, done / total), detail: `${done} of ${total} requests` });

  // Warm-up: load the model, fill caches; never measured. A backend that cannot answer it is out.
  for (const e of alive()) {
    for (let i = 0; i < config.warmup && !signal.aborted && e.info.status === 'ok'; i++) {
      progress(`Warming up ${e.info.label}`);
      const m = await send(e, config.prompts[0]);
      done++;
      if (m.error) failNow(e, { ...m.error, message: `Warm-up failed: ${m.error.message}` });
    }
  }
  if (!signal.aborted && !alive().length) {
    throw new DeckError(
      'server_unreachable',
      `No backend answered: ${entries.map((e) => `${e.info.label}: ${e.info.error?.message ?? 'failed'}`).join('; ')}`,
      'Start the deployments on the Deploy page (or check the URLs), then run the benchmark again.',
    );
  }

  const scopes = new Set<MetricScope>();
  const engines: EngineTarget[] = [];
  for (const e of alive()) {
    e.profile?.memory.scopes.forEach((s) => scopes.add(s));
    if (e.profile?.memory.engine) engines.push(e.profile.memory.engine);
  }
  const memory = deps.memory.begin({ scopes: [...scopes], engines });
  const samples: BenchSample[] = [];
  const wall = new Map<string, number>();
  const windows = new Map<number, { from: number; to: number }>();
  const key = (backendId: string, c: number) => `${c}\u0000${backendId}`;

  let cells: BenchCell[];
  try {
    for (const c of config.concurrency) {
      if (signal.aborted) break;
      const from = clock();
      const slices = planLevel(alive().map((e) => e.info.backendId), config.prompts, config.runs, c);
      for (const slice of slices) {
        for (const backendId of slice.order) {
          if (signal.aborted) break;
          const e = entries.find((x) => x.info.backendId === backendId)!;
          if (e.info.status !== 'ok') {
            done += slice.requests.length;
            continue;
          }
          const first = slice.index * c + 1;
          const last = first + slice.requests.length - 1;
          progress(`Concurrency ${c}: ${e.info.label}, ${first === last ? `request ${first}` : `requests ${first}–${last}`} of ${planned}`);
          const t0 = now();
          const results = await Promise.all(slice.requests.map((r) => send(e, r.prompt)));
          const k = key(backendId, c);
          let recorded = 0;
          results.forEach((m, i) => {
            if (m.aborted) return;
            recorded++;
            const r = slice.requests[i];
            samples.push({
              backendId,
              concurrency: c,
              promptId: r.prompt.id,
              run: r.run,
              slice: slice.index,
              ttftMs: m.ttftMs,
              totalMs: m.totalMs,
              promptTokens: m.promptTokens,
              completionTokens: m.completionTokens,
              decodeTps: m.decodeTps,
              tokenSource: m.tokenSource,
              error: m.error,
            });
            e.sent++;
            e.failures = m.error ? e.failures + 1 : 0;
          });
          if (recorded) wall.set(k, (wall.get(k) ?? 0) + (now() - t0));
          done += slice.requests.length;
          const lastError = [...results].reverse().find((m) => m.error)?.error;
          if (e.failures >= giveUpAfter && lastError) {
            deps.log.warn('backend given up', { backend: backendId, failures: e.failures, error: lastError.message });
            failNow(e, { ...lastError, message: `Given up after ${e.failures} failed requests in a row: ${lastError.message}` });
          }
        }
        if (signal.aborted) break;
      }
      await memory.mark();
      windows.set(c, { from, to: clock() });
    }
    cells = buildCells(entries, config, samples, wall, windows, memory, key);
  } finally {
    memory.end();
  }

  for (const e of entries) {
    if (e.info.device === 'unknown' && e.backend.kind === 'ollama') {
      const mine = cells.filter((c) => c.backendId === e.info.backendId);
      const vram = Math.max(...mine.map((c) => c.peakVramBytes ?? -1));
      const mem = Math.max(...mine.map((c) => c.peakMemoryBytes ?? -1));
      if (vram > 0) e.info.device = 'gpu';
      else if (vram === 0 && mem > 0) e.info.device = 'cpu';
    }
  }

  return {
    version: 1,
    id,
    status: signal.aborted ? 'cancelled' : 'completed',
    createdAt,
    finishedAt: clock(),
    appVersion: deps.appVersion,
    config: { ...config, name },
    hardware: hw.profile,
    hardwareError: hw.error,
    backends: entries.map((e) => e.info),
    cells,
    samples,
  };
}

function buildCells(
  entries: Entry[],
  config: BenchConfig,
  samples: BenchSample[],
  wall: Map<string, number>,
  windows: Map<number, { from: number; to: number }>,
  memory: { peak(series: string[], from: number, to: number): number | null },
  key: (backendId: string, c: number) => string,
): BenchCell[] {
  const planned = config.prompts.length * config.runs;
  const cells: BenchCell[] = [];
  for (const c of config.concurrency) {
    for (const e of entries) {
      const mine = samples.filter((s) => s.backendId === e.info.backendId && s.concurrency === c);
      const stats = summarise(mine, wall.get(key(e.info.backendId, c)) ?? 0);
      const w = windows.get(c);
      const plan = e.profile?.memory;
      const peakMemoryBytes = w && plan && mine.length ? memory.peak(plan.memorySeries, w.from, w.to) : null;
      const peakVramBytes = w && plan && mine.length ? memory.peak(plan.vramSeries, w.from, w.to) : null;
      const memNote = !plan
        ? 'not measured: the backend was not reached'
        : !mine.length
          ? 'not measured: no request was sent at this level'
          : `Memory: ${peakMemoryBytes !== null ? plan.memoryWhat : `not measured (${plan.memoryReason})`}. VRAM: ${peakVramBytes !== null ? plan.vramWhat : `not measured (${plan.vramReason})`}.`;
      cells.push({ backendId: e.info.backendId, concurrency: c, planned, ...stats, peakMemoryBytes, peakVramBytes, memoryNote: memNote });
    }
  }
  return cells;
}

/** Resolve a target: the backend, its model (named, the backend's own, or the server's Phi-4 / first), what it is. */
async function prepare(
  target: BenchConfig['backends'][number],
  deps: RunnerDeps,
  o: { deployments: Deployment[]; hardware: HardwareProfile | null; signal: AbortSignal },
): Promise<Entry> {
  let backend: ChatBackend;
  try {
    backend = await deps.resolveBackend(target.backendId);
  } catch (e) {
    const info: BenchBackend = {
      backendId: target.backendId,
      label: target.backendId,
      kind: 'openai',
      baseUrl: '',
      source: 'unknown',
      model: target.model ?? null,
      family: 'openai',
      device: 'unknown',
      deployment: null,
      status: 'failed',
      error: toInfo(e, target.backendId),
      failedAfter: 0,
    };
    return { backend: { id: target.backendId, kind: 'openai', baseUrl: 'http://127.0.0.1/', label: target.backendId, source: 'unknown', removable: false }, info, profile: null, model: '', failures: 0, sent: 0 };
  }
  let models: ModelInfo[] = [];
  let modelsError: ErrorInfo | null = null;
  let apiKey: string | undefined;
  try {
    apiKey = await deps.apiKey?.(backend);
    models = await deps.clients[backend.kind].models(backend.baseUrl, AbortSignal.any([o.signal, AbortSignal.timeout(MODELS_TIMEOUT_MS)]), apiKey);
  } catch (e) {
    modelsError = toInfo(e, backend.label);
  }
  const model = target.model ?? backend.model ?? (models.find((m) => /phi-?4/i.test(m.id)) ?? models[0])?.id ?? null;
  const profile = profileBackend(backend, { deployments: o.deployments, hardware: o.hardware, models });
  const error: ErrorInfo | null = model
    ? null
    : (modelsError ?? {
        code: 'not_found',
        message: `${backend.label} has no models.`,
        hint: backend.kind === 'ollama' ? 'Pull phi4-mini on the Models page first.' : 'Start the server with a model.',
      });
  const info: BenchBackend = {
    backendId: backend.id,
    label: backend.label,
    kind: backend.kind,
    baseUrl: backend.baseUrl,
    source: backend.source,
    model,
    family: profile.family,
    device: profile.device,
    deployment: profile.deployment,
    status: error ? 'failed' : 'ok',
    error,
    failedAfter: error ? 0 : null,
  };
  return { backend, info, profile, model: model ?? '', ...(apiKey ? { apiKey } : {}), failures: 0, sent: 0 };
}
