import type { Command } from 'commander';
import { fmtSize } from '../../shared/format';
import { verb } from '../context';
import { print, table } from '../output';
import { waitTask } from './deploy';


/** The per-call Ollama URL (`--ollama URL`), else settings.ollamaUrl. */
export const ollamaUrl = (cmd: Command): { url?: string } => {
  const url = cmd.optsWithGlobals().ollama as string | undefined;
  return url ? { url } : {};
};

export function registerModels(program: Command): void {
  const models = program
    .command('models')
    .description('Ollama models: list, show, pull, delete, copy, loaded models')
    .option('--ollama <url>', 'Ollama URL for this command (default: the ollamaUrl setting)');

  models
    .command('status')
    .description('Is Ollama answering, and which version')
    .action(
      verb(async (ctx, cmd) => {
        const s = await ctx.call('ollama.status', ollamaUrl(cmd));
        print(cmd, s, (v) => (v.reachable ? `Ollama ${v.version} at ${v.url}` : `${v.error?.message}\nhint: ${v.error?.hint ?? ''}`));
        if (!s.reachable) {
          await ctx.core.close();
          process.exit(1);
        }
      }),
    );

  models
    .command('list')
    .alias('ls')
    .description('Installed models')
    .action(
      verb(async (ctx, cmd) => {
        const list = await ctx.call('ollama.list', ollamaUrl(cmd));
        print(cmd, list, (l) =>
          l.length
            ? table([
                ['NAME', 'SIZE', 'FAMILY', 'PARAMS', 'QUANT', 'MODIFIED'],
                ...l.map((m) => [m.name + (m.variant ? ' *' : ''), fmtSize(m.sizeBytes), m.family, m.parameterSize, m.quantization, m.modifiedAt.slice(0, 16).replace('T', ' ')]),
              ]) + (l.some((m) => m.variant) ? '\n\n* a variant saved in SLM Deck' : '')
            : 'No models installed. Pull one with `slm-deck models pull phi4-mini`.',
        );
      }),
    );

  models
    .command('show <model>')
    .description('Parameters, template, system prompt, capabilities and context length')
    .action(
      verb(async (ctx, cmd, model: string) => {
        const m = await ctx.call('ollama.show', { model, ...ollamaUrl(cmd) });
        print(cmd, m, (v) => {
          const params = Object.entries(v.parameters).flatMap(([k, val]) => (Array.isArray(val) ? val.map((x) => [k, JSON.stringify(x)]) : [[k, String(val)]]));
          return [
            table([
              ['model', v.name],
              ['family', `${v.family} (${v.architecture ?? 'unknown architecture'})`],
              ['parameters', v.parameterSize],
              ['quantization', v.quantization],
              ['context length', v.contextLength ? String(v.contextLength) : 'unknown'],
              ['capabilities', v.capabilities.join(', ')],
            ]),
            '',
            params.length ? 'Parameters:\n' + table(params.map(([k, x]) => ['  ' + k, x])) : 'Parameters: none set',
            v.system ? `\nSystem prompt:\n${v.system}` : '',
            v.template ? `\nTemplate:\n${v.template}` : '',
          ].join('\n');
        });
      }),
    );

  models
    .command('pull <model>')
    .description('Pull a model with progress; Ctrl-C cancels, pulling again resumes')
    .action(
      verb(async (ctx, cmd, model: string) => {
        const { taskId } = await ctx.call('ollama.pull', { model, ...ollamaUrl(cmd) });
        process.once('SIGINT', () => void ctx.call('tasks.cancel', { taskId }));
        const r = (await waitTask(ctx, cmd, taskId)) as { model: string; bytesTotal: number; resumedFromBytes: number; steps: string[] };
        print(
          cmd,
          r,
          (v) =>
            `pulled ${v.model} (${fmtSize(v.bytesTotal)}${v.resumedFromBytes >= 1e6 ? `, resumed with ${fmtSize(v.resumedFromBytes)} already on disk` : ''})\n` +
            `steps: ${v.steps.join(' → ')}`,
        );
      }),
    );

  models
    .command('rm <model>')
    .description('Delete an installed model')
    .action(
      verb(async (ctx, cmd, model: string) => {
        print(cmd, await ctx.call('ollama.delete', { model, ...ollamaUrl(cmd) }), (v) => `deleted ${v.deleted}`);
      }),
    );

  models
    .command('cp <source> <destination>')
    .description('Copy a model under another name')
    .action(
      verb(async (ctx, cmd, source: string, destination: string) => {
        print(cmd, await ctx.call('ollama.copy', { source, destination, ...ollamaUrl(cmd) }), (v) => `created ${v.created}`);
      }),
    );

  models
    .command('ps')
    .description('Models loaded in memory')
    .action(
      verb(async (ctx, cmd) => {
        const ps = await ctx.call('ollama.ps', ollamaUrl(cmd));
        print(cmd, ps, (l) =>
          l.length
            ? table([
                ['NAME', 'SIZE', 'VRAM', 'RAM', 'CONTEXT', 'UNLOADS AT'],
                ...l.map((m) => [m.name, fmtSize(m.sizeBytes), m.vramBytes ? fmtSize(m.vramBytes) : 'none', fmtSize(m.ramBytes), String(m.contextLength ?? '?'), m.expiresAt.slice(0, 19).replace('T', ' ')]),
              ])
            : 'No model is loaded.',
        );
      }),
    );

  models
    .command('unload <model>')
    .description('Unload a model from memory (keep_alive 0)')
    .action(
      verb(async (ctx, cmd, model: string) => {
        print(cmd, await ctx.call('ollama.unload', { model, ...ollamaUrl(cmd) }), (v) => `unloaded ${v.unloaded}`);
      }),
    );

  models
    .command('suggest')
    .description('Suggested Phi-4-mini pulls with sizes and whether they fit this machine')
    .action(
      verb(async (ctx, cmd) => {
        const s = await ctx.call('ollama.suggestions', ollamaUrl(cmd));
        print(cmd, s, (l) =>
          table([
            ['MODEL', 'SIZE', 'FIT', 'NOTE'],
            ...l.map((x) => [x.model + (x.installed ? ' (installed)' : ''), fmtSize(x.sizeBytes), x.fit?.verdict ?? 'unknown', x.note]),
          ]) +
          '\n\n' +
          l.filter((x) => x.fit).map((x) => `${x.model}: ${x.fit!.reason}`).join('\n'),
        );
      }),
    );
}
