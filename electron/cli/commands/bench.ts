import { promises as fs } from 'node:fs';
import type { Command } from 'commander';
import type { BenchRunSummary, BenchTarget } from '../../shared/contract/bench';
import { DeckError } from '../../shared/errors';
import { verb, type CliContext } from '../context';
import { print, table } from '../output';
import { findBackend } from './chat';
import { waitTask } from './deploy';

interface BenchOpts {
  backend?: string[];
  model?: string[];
  suite?: string;
  runs?: string;
  concurrency?: string[];
  maxTokens?: string;
  temperature?: string;
  seed?: string;
  warmup?: string;
  timeout?: string;
  name?: string;
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

export function registerBench(program: Command): void {
  const bench = program
    .command('bench')
    .description('Benchmark backends side by side: time to first token, decode speed, latency, throughput, memory (exit code 2 when a backend failed)')
    .option('--backend <backend>', 'backend id, label or OpenAI-compatible URL (repeat for more)', collect)
    .option('--model <model>', 'model for the backend in the same position (repeatable)', collect)
    .option('--suite <file>', 'prompt suite: JSONL, one {"prompt": "..."} per line (default: the prompts of the deployment guide)')
    .option('--runs <n>', 'measured requests per prompt (default 1)')
    .option('--concurrency <c>', 'requests in flight per backend, e.g. 1,4 (repeatable; default 1,4)', collect)
    .option('--max-tokens <n>', 'tokens to generate per request (default 128)')
    .option('--temperature <t>', 'sampling temperature (default 0)')
    .option('--seed <n>', 'sampling seed (default 42)')
    .option('--warmup <n>', 'unmeasured requests per backend first (default 1)')
    .option('--timeout <seconds>', 'per-request timeout (default 300)')
    .option('--name <name>', 'a name for the run')
    .action(verb(run));

  bench
    .command('list')
    .description('Saved runs, newest first')
    .action(
      verb(async (ctx, cmd) => {
        const list = await ctx.call('bench.list', {});
        print(cmd, list, (l) => (l.length ? table([['ID', 'STATUS', 'BACKENDS', 'SUITE', 'MACHINE'], ...l.map(row)]) : 'No runs yet. Start one with `slm-deck bench --backend <id>`.'));
      }),
    );

  bench
    .command('show <id>')
    .description('A saved run as Markdown tables (JSON with --json)')
    .action(
      verb(async (ctx, cmd, id: string) => {
        const r = await ctx.call('bench.get', { id });
        if (cmd.optsWithGlobals().json) print(cmd, r, () => '');
        else process.stdout.write((await ctx.call('bench.export', { id, format: 'markdown' })).content);
      }),
    );

  bench
    .command('export <id>')
    .description('Write a run as CSV, JSON or Markdown')
    .option('--format <format>', 'csv, json or markdown', 'markdown')
    .option('--out <file>', 'file to write (default: stdout)')
    .action(
      verb(async (ctx, cmd, id: string) => {
        const o = cmd.opts<{ format: string; out?: string }>();
        const format = o.format === 'md' ? 'markdown' : o.format;
        if (format !== 'csv' && format !== 'json' && format !== 'markdown') {
          throw new DeckError('invalid_input', `Unknown format "${o.format}".`, 'Use --format csv, json or markdown.');
        }
        const ex = await ctx.call('bench.export', { id, format });
        if (o.out) {
          await fs.writeFile(o.out, ex.content);
          process.stderr.write(`wrote ${o.out}\n`);
        } else process.stdout.write(ex.content);
      }),
    );

  bench
    .command('compare <a> <b>')
    .description('Two runs side by side, with the change of every figure')
    .action(
      verb(async (ctx, cmd, a: string, b: string) => {
        const c = await ctx.call('bench.compare', { a, b });
        print(cmd, c, (v) =>
          v.rows.length
            ? table([
                ['BACKEND', 'C', 'METRIC', a, b, 'CHANGE'],
                ...v.rows.map((r) => [r.label, String(r.concurrency), r.metric, fmt(r.a), fmt(r.b), r.changePct === null ? '' : `${r.changePct > 0 ? '+' : ''}${r.changePct.toFixed(1)} %${r.improved === null ? '' : r.improved ? ' better' : ' worse'}`]),
              ])
            : 'The two runs share no backend at the same concurrency.',
        );
      }),
    );

  bench
    .command('delete <id>')
    .description('Delete a saved run')
    .action(
      verb(async (ctx, cmd, id: string) => {
        const r = await ctx.call('bench.delete', { id });
        print(cmd, r, (v) => (v.deleted ? `deleted ${id}` : `no run ${id}`));
      }),
    );
}

const fmt = (v: number | null) => (v === null ? '—' : Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(2));

function row(s: BenchRunSummary): string[] {
  return [s.id, s.status, s.backends.map((b) => `${b.label}${b.status === 'failed' ? ' (failed)' : ''}`).join(', '), `${s.prompts}×${s.runs} c=${s.concurrency.join(',')}`, s.machine];
}

async function run(ctx: CliContext, cmd: Command): Promise<number> {
  const o = cmd.opts<BenchOpts>();
  if (!o.backend?.length) {
    throw new DeckError('invalid_input', 'Which backends? Pass --backend once per backend.', 'List them with `slm-deck chat --list-backends`; e.g. slm-deck bench --backend ollama --backend embedded');
  }
  const list = await ctx.call('chat.backends', {});
  const targets: BenchTarget[] = [];
  for (const [i, wanted] of o.backend.entries()) {
    const b = await findBackend(ctx, list, wanted);
    targets.push({ backendId: b.id, ...(o.model?.[i] ? { model: o.model[i] } : {}) });
  }
  let prompts;
  if (o.suite) {
    let text: string;
    try {
      text = await fs.readFile(o.suite, 'utf8');
    } catch (e) {
      throw new DeckError('io_error', `Cannot read ${o.suite}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}.`, 'Check the path of the suite file.');
    }
    prompts = await ctx.call('bench.parseSuite', { text });
  }
  const int = (name: string, v: string | undefined) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n)) throw new DeckError('invalid_input', `--${name} must be a whole number, not "${v}".`);
    return n;
  };
  const concurrency = o.concurrency?.flatMap((c) => c.split(',')).filter((c) => c.trim()).map((c) => int('concurrency', c.trim())!);
  const temperature = o.temperature === undefined ? undefined : Number(o.temperature);
  if (temperature !== undefined && !Number.isFinite(temperature)) throw new DeckError('invalid_input', `--temperature must be a number, not "${o.temperature}".`);
  const { taskId } = await ctx.call('bench.start', {
    backends: targets,
    ...(prompts ? { prompts } : {}),
    ...(o.name ? { name: o.name } : {}),
    ...(o.runs !== undefined ? { runs: int('runs', o.runs) } : {}),
    ...(concurrency?.length ? { concurrency } : {}),
    ...(o.maxTokens !== undefined ? { maxTokens: int('max-tokens', o.maxTokens) } : {}),
    ...(temperature !== undefined ? { temperature } : {}),
    ...(o.seed !== undefined ? { seed: int('seed', o.seed) } : {}),
    ...(o.warmup !== undefined ? { warmup: int('warmup', o.warmup) } : {}),
    ...(o.timeout !== undefined ? { timeoutSec: int('timeout', o.timeout) } : {}),
  });
  const onSigint = () => void ctx.call('tasks.cancel', { taskId }).catch(() => undefined);
  process.on('SIGINT', onSigint);
  let result: unknown;
  try {
    result = await waitTask(ctx, cmd, taskId);
  } finally {
    process.off('SIGINT', onSigint);
  }
  const { runId } = result as { runId: string };
  const r = await ctx.call('bench.get', { id: runId });
  if (cmd.optsWithGlobals().json) print(cmd, r, () => '');
  else {
    process.stdout.write((await ctx.call('bench.export', { id: runId, format: 'markdown' })).content);
    process.stderr.write(`\nSaved as ${runId}: \`slm-deck bench export ${runId} --format csv\` for a spreadsheet.\n`);
  }
  return r.backends.some((b) => b.status === 'failed') ? 2 : 0;
}
