import type { Command } from 'commander';
import type { BuildImageResultSchema, DownloadResult, EmbeddedStatus, LocalModel } from '../../shared/contract/engine';
import { DEFAULT_DOWNLOAD_MODEL } from '../../shared/contract/engine';
import { DeckError } from '../../shared/errors';
import type { z } from 'zod';
import { openCore, verb, type CliContext } from '../context';
import { fail, print, table } from '../output';
import { waitTask } from './deploy';
import { fmtSize } from '../../shared/format';

function statusLine(s: EmbeddedStatus): string {
  const model = s.model ? `${s.model.label}${s.model.demo ? ' — a toy that always gives the same answer' : ''}` : 'no model';
  switch (s.state) {
    case 'running':
      return `running ${model} at ${s.url} (pid ${s.pid}, ${s.host}${s.restarts ? `, restarted ${s.restarts}×` : ''})`;
    case 'failed':
      return `failed: ${s.error?.message ?? 'unknown error'}${s.error?.hint ? `\nhint: ${s.error.hint}` : ''}`;
    default:
      return `${s.state}${s.model ? ` (${model})` : ''}`;
  }
}

/**
 * For `slm-deck chat --backend embedded`: starts the embedded engine in this process when it
 * is not running (the demo model unless another was started last); core.close() stops it.
 */
export async function ensureEmbeddedEngine(ctx: CliContext, quiet: boolean): Promise<EmbeddedStatus> {
  const s = await ctx.call('engine.status', {});
  if (s.state === 'running') return s;
  if (!quiet) process.stderr.write('Starting the embedded engine… ');
  const started = await ctx.call('engine.start', {});
  if (!quiet) process.stderr.write(`${started.model?.label ?? ''} at ${started.url}\n`);
  return started;
}

function modelsTable(list: LocalModel[]): string {
  return table([
    ['ID', 'STATE', 'SIZE', 'PATH', 'LABEL'],
    ...list.map((m) => [m.id, m.state, m.totalBytes && m.state !== 'ready' ? `${fmtSize(m.sizeBytes)} of ${fmtSize(m.totalBytes)}` : fmtSize(m.sizeBytes), m.path, m.label]),
  ]);
}

export function registerEngine(program: Command): void {
  const engine = program.command('engine').description('The embedded ONNX engine (no Docker), its model store and the onnx-engine image');

  engine
    .command('status')
    .description('Is the embedded engine running in this process (always "stopped" from a fresh CLI; see `engine run`)')
    .action(verb(async (ctx, cmd) => print(cmd, await ctx.call('engine.status', {}), statusLine)));

  engine
    .command('run')
    .description('Run the embedded engine in the foreground (OpenAI-compatible API on 127.0.0.1) until Ctrl-C')
    .option('--model <id>', 'model id from `slm-deck engine models` (default: the last one run, else the demo model)')
    .option('--port <port>', 'port on 127.0.0.1 (default: a free one)')
    .action(async (o: { model?: string; port?: string }, cmd: Command) => {
      try {
        const ctx = await openCore(cmd);
        const json = Boolean(cmd.optsWithGlobals().json);
        const off = ctx.core.bus.on('engine.status', (s) => {
          if (!json && (s.state === 'restarting' || s.state === 'failed')) process.stderr.write(`${statusLine(s)}\n`);
          if (!json && s.state === 'running' && s.restarts) process.stderr.write(`${statusLine(s)}\n`);
          if (s.state === 'failed') void ctx.core.close().then(() => process.exit(1));
        });
        const s = await ctx.call('engine.start', { ...(o.model ? { model: o.model } : {}), ...(o.port ? { port: Number(o.port) } : {}) });
        print(cmd, s, (v) => `${statusLine(v)}\nTry: curl ${v.url}/v1/chat/completions -H 'Content-Type: application/json' -d '{"messages":[{"role":"user","content":"Hello!"}]}'\nCtrl-C stops it.`);
        const stop = () => {
          off();
          void ctx.core.close().then(() => process.exit(0));
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      } catch (e) {
        fail(cmd, e);
      }
    });

  engine
    .command('models')
    .alias('ls')
    .description('Models the engine can run: the demo model and downloads (with size and path)')
    .action(verb(async (ctx, cmd) => print(cmd, await ctx.call('engine.models', {}), modelsTable)));

  engine
    .command('available')
    .description('Models the store can download from Hugging Face')
    .action(
      verb(async (ctx, cmd) => {
        const list = await ctx.call('modelStore.available', {});
        print(cmd, list, (l) =>
          table([
            ['ID', 'SIZE (ABOUT)', 'STATE', 'FROM'],
            ...l.map((m) => [m.id, fmtSize(m.approxBytes), m.installed ? 'installed' : m.partialBytes ? `${fmtSize(m.partialBytes)} downloaded` : '', `${m.repo}/${m.folder}`]),
          ]),
        );
      }),
    );

  engine
    .command('download [model]')
    .description(`Download a model from Hugging Face (default ${DEFAULT_DOWNLOAD_MODEL}); Ctrl-C stops, running it again resumes`)
    .action(
      verb(async (ctx, cmd, model: string | undefined) => {
        const { taskId } = await ctx.call('modelStore.download', { model: model ?? DEFAULT_DOWNLOAD_MODEL });
        process.once('SIGINT', () => void ctx.call('tasks.cancel', { taskId }));
        const r = (await waitTask(ctx, cmd, taskId)) as DownloadResult;
        print(cmd, r, (v) => `downloaded ${v.model}: ${v.files} files, ${fmtSize(v.bytesTotal)}${v.resumedFromBytes ? ` (resumed with ${fmtSize(v.resumedFromBytes)} already on disk)` : ''}\n${v.path}`);
      }),
    );

  engine
    .command('rm <model>')
    .description('Delete a downloaded model (or an interrupted download)')
    .action(verb(async (ctx, cmd, model: string) => print(cmd, await ctx.call('modelStore.delete', { model }), (v) => `deleted ${v.deleted} (${fmtSize(v.freedBytes)} freed)`)));

  engine
    .command('image')
    .description('Is the onnx-engine Docker image built')
    .action(
      verb(async (ctx, cmd) => {
        const s = await ctx.call('engine.imageStatus', {});
        print(cmd, s, (v) =>
          !v.dockerReachable ? `Docker is not reachable; ${v.image} cannot be checked.` : v.built ? `${v.image} is built (${fmtSize(v.sizeBytes ?? 0)}, ${v.createdAt})` : `${v.image} is not built yet: run \`slm-deck engine build-image\`.`,
        );
      }),
    );

  engine
    .command('build-image')
    .description('Build the onnx-engine image from resources/engine/Dockerfile through the Docker API')
    .option('--base <image>', 'base image with Node 20+ on glibc (default: node:20-bookworm-slim through the registry mirror)')
    .action(
      verb(async (ctx, cmd) => {
        const base = cmd.opts<{ base?: string }>().base;
        const { taskId } = await ctx.call('engine.buildImage', base ? { baseImage: base } : {});
        process.once('SIGINT', () => void ctx.call('tasks.cancel', { taskId }));
        const r = (await waitTask(ctx, cmd, taskId)) as z.infer<typeof BuildImageResultSchema>;
        if (!r) throw new DeckError('internal', 'The build finished without a result.');
        print(cmd, r, (v) => `built ${v.image} (${v.id.slice(7, 19)}) from ${v.baseImage}; context ${fmtSize(v.contextBytes)}`);
      }),
    );
}
