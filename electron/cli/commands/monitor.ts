import type { Command } from 'commander';
import {
  EngineTargetSchema,
  formatMetric,
  MetricScopeSchema,
  type EngineTarget,
  type MetricScope,
  type MetricsSnapshot,
  type SampleBatch,
  type SeriesDef,
} from '../../shared/contract/metrics';
import { DeckError } from '../../shared/errors';
import { openCore } from '../context';
import { fail } from '../output';

const collectList = (v: string, prev: string[] = []) => [...prev, v];

function parseScopes(list: string | undefined): MetricScope[] | undefined {
  if (!list) return undefined;
  return list.split(',').map((s) => {
    const r = MetricScopeSchema.safeParse(s.trim());
    if (!r.success) throw new DeckError('invalid_input', `Unknown scope "${s}".`, `Scopes: ${MetricScopeSchema.options.join(', ')}.`);
    return r.data;
  });
}

/** `vllm=http://127.0.0.1:8000` */
function parseEngine(spec: string): EngineTarget {
  const i = spec.indexOf('=');
  const r = EngineTargetSchema.safeParse(i > 0 ? { kind: spec.slice(0, i), url: spec.slice(i + 1) } : null);
  if (!r.success) throw new DeckError('invalid_input', `Invalid --engine "${spec}".`, 'Use KIND=URL with KIND vllm, onnx or ollama, e.g. --engine vllm=http://127.0.0.1:8000');
  return r.data;
}

/** One line per row: host CPU and memory, GPUs, containers, engines' tokens/s. */
function humanLine(at: number, values: Record<string, (number | null)[]>, i: number, defs: Map<string, SeriesDef>): string {
  const v = (id: string) => values[id]?.[i] ?? null;
  const parts = [new Date(at).toLocaleTimeString()];
  const memMax = defs.get('host.mem.used')?.max ?? null;
  parts.push(`CPU ${formatMetric(v('host.cpu'), 'percent')}`);
  parts.push(`RAM ${formatMetric(v('host.mem.used'), 'bytes')}${memMax ? ` / ${formatMetric(memMax, 'bytes')}` : ''}`);
  for (const d of defs.values()) {
    if (!(d.id in values)) continue;
    if (d.group === 'gpu-util' || d.group === 'vram' || d.group === 'container-cpu' || d.group === 'container-memory' || d.group === 'tokens') {
      parts.push(`${d.label} ${formatMetric(v(d.id), d.unit)}`);
    }
  }
  return parts.join('  ');
}

export function registerMonitor(program: Command): void {
  program
    .command('monitor')
    .description('Sample host, GPU, container and engine metrics (1 Hz by default) and print them')
    .option('--seconds <n>', 'stop after this many seconds (default: until Ctrl+C)')
    .option('--scope <list>', 'comma-separated: host,gpu,containers,engines (default: all)')
    .option('--engine <kind=url>', 'also sample this engine, e.g. vllm=http://127.0.0.1:8000 (repeatable)', collectList)
    .option('--interval <ms>', 'change the sampling interval (kept for later runs), 250 to 10000')
    .option('--csv', 'print the samples as CSV at the end')
    .action(async (o: { seconds?: string; scope?: string; engine?: string[]; interval?: string; csv?: boolean }, cmd: Command) => {
      try {
        const json = Boolean(cmd.optsWithGlobals().json);
        const seconds = o.seconds === undefined ? null : Number(o.seconds);
        if (seconds !== null && (!Number.isFinite(seconds) || seconds <= 0 || seconds > 900)) {
          throw new DeckError('invalid_input', `Invalid --seconds "${o.seconds}".`, 'Use a number of seconds from 1 to 900 (the buffer keeps 15 minutes).');
        }
        const scopes = parseScopes(o.scope);
        const engines = (o.engine ?? []).map(parseEngine);
        const { core, call } = await openCore(cmd);
        if (o.interval !== undefined) await call('metrics.configure', { intervalMs: Number(o.interval) });

        const defs = new Map<string, SeriesDef>();
        const live = !json && !o.csv;
        const off = core.bus.on('metrics.sample', (b: SampleBatch) => {
          for (const d of b.defs) defs.set(d.id, d);
          if (live) b.at.forEach((t, i) => process.stdout.write(humanLine(t, b.values, i, defs) + '\n'));
        });
        const started = Date.now();
        const { watchId } = await call('metrics.watch', { ...(scopes ? { scopes } : {}), ...(engines.length ? { engines } : {}) });
        await new Promise<void>((resolve) => {
          const timer = seconds === null ? null : setTimeout(resolve, seconds * 1000);
          process.once('SIGINT', () => {
            if (timer) clearTimeout(timer);
            resolve();
          });
        });
        await call('metrics.unwatch', { watchId });
        off();
        const windowSeconds = Math.min(900, Math.max(1, Math.ceil((Date.now() - started) / 1000)));
        if (o.csv) process.stdout.write((await call('metrics.exportCsv', { windowSeconds })).csv);
        else if (json) {
          const snap: MetricsSnapshot = await call('metrics.snapshot', { windowSeconds });
          process.stdout.write(JSON.stringify(snap, null, 2) + '\n');
        }
        await core.close();
        process.exit(0);
      } catch (e) {
        fail(cmd, e);
      }
    });
}
