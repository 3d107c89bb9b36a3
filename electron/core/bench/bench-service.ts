import { randomBytes } from 'node:crypto';
import { BENCH_DEFAULTS, BenchConfigSchema, type BenchConfig, type BenchRun, type BenchStart } from '../../shared/contract/bench';
import { DeckError } from '../../shared/errors';
import type { EventBus } from '../events/event-bus';
import type { Logger } from '../log/logger';
import type { TaskRegistry } from '../tasks/task-registry';
import type { BenchStore } from './bench-store';
import { runBenchmark, type RunnerDeps } from './runner';
import { defaultSuite } from './suite';

/** `20250102-030405-ab12`: sorts by time, unique enough for one machine. */
export function newRunId(at = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const d = `${at.getUTCFullYear()}${p(at.getUTCMonth() + 1)}${p(at.getUTCDate())}`;
  const t = `${p(at.getUTCHours())}${p(at.getUTCMinutes())}${p(at.getUTCSeconds())}`;
  return `${d}-${t}-${randomBytes(2).toString('hex')}`;
}

/** Fills the defaults (seed suite, one run, concurrency 1 and 4, 128 tokens, temperature 0, seed 42). */
export function resolveConfig(input: BenchStart): BenchConfig {
  const parsed = BenchConfigSchema.safeParse({
    name: input.name ?? '',
    backends: input.backends,
    prompts: input.prompts ?? defaultSuite(),
    runs: input.runs ?? BENCH_DEFAULTS.runs,
    concurrency: input.concurrency ?? [...BENCH_DEFAULTS.concurrency],
    maxTokens: input.maxTokens ?? BENCH_DEFAULTS.maxTokens,
    temperature: input.temperature ?? BENCH_DEFAULTS.temperature,
    seed: input.seed ?? BENCH_DEFAULTS.seed,
    warmup: input.warmup ?? BENCH_DEFAULTS.warmup,
    timeoutSec: input.timeoutSec ?? BENCH_DEFAULTS.timeoutSec,
  });
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new DeckError('invalid_input', `Invalid benchmark settings: ${i?.path.join('.')}: ${i?.message}`, 'Check the settings and try again.');
  }
  return parsed.data;
}

/** Starts runs as tasks (one at a time, so two runs never share the machine) and saves their results. */
export class BenchService {
  private running: string | null = null;

  constructor(
    private readonly services: { store: BenchStore; tasks: TaskRegistry; bus: EventBus; log: Logger; deps: RunnerDeps },
  ) {}

  start(input: BenchStart): { taskId: string } {
    if (this.running && this.services.tasks.get(this.running)?.state === 'running') {
      throw new DeckError('conflict', 'A benchmark is already running.', 'Wait for it to finish or cancel it: two runs at once would measure each other.');
    }
    const config = resolveConfig(input);
    const id = newRunId();
    const title = `Benchmark ${config.name || config.backends.map((b) => b.backendId).join(', ')}`;
    const ref = this.services.tasks.start('bench', title, async (ctx) => {
      const run = await runBenchmark(id, config, this.services.deps, ctx);
      if (run.samples.length || run.status === 'completed') {
        await this.services.store.save(run);
        this.services.bus.emit('bench.changed', { id: run.id });
      }
      this.services.log.info('benchmark finished', { id: run.id, status: run.status, samples: run.samples.length });
      if (run.status === 'cancelled') throw ctx.signal.reason ?? new DeckError('cancelled', 'Cancelled.');
      return { runId: run.id, status: run.status, backends: run.backends.map((b) => ({ backendId: b.backendId, status: b.status })) } satisfies Record<string, unknown>;
    });
    this.running = ref.taskId;
    return ref;
  }

  async delete(id: string): Promise<boolean> {
    const deleted = await this.services.store.delete(id);
    if (deleted) this.services.bus.emit('bench.changed', { id });
    return deleted;
  }

  get(id: string): Promise<BenchRun> {
    return this.services.store.get(id);
  }
}
