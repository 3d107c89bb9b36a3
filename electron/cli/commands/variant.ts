import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { VariantDiff } from '../../shared/contract/ollama';
import { DeckError, isDeckError } from '../../shared/errors';
import { analyzeModelfile, looksLikePath, parseModelfile, renderModelfile, type Diagnostic } from '../../shared/modelfile';
import { verb, type CliContext } from '../context';
import { print, table } from '../output';
import { waitTask } from './deploy';
import { ollamaUrl } from './models';

/** Compiler-style lines: `file:line:col: error: message` plus the hint. */
function printDiagnostics(file: string, diags: readonly Diagnostic[]): void {
  for (const d of diags) {
    process.stderr.write(`${file}:${d.line}:${d.column}: ${d.severity}: ${d.message}\n`);
    if (d.hint) process.stderr.write(`  hint: ${d.hint}\n`);
  }
}

/** Shows every mistake of a refused Modelfile before the one-line error. */
function withDiagnostics(file: string, e: unknown): never {
  if (isDeckError(e) && Array.isArray(e.details)) printDiagnostics(file, e.details as Diagnostic[]);
  throw e;
}

async function readText(file: string): Promise<string> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (e) {
    throw new DeckError('io_error', `Cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}.`, 'Check the path.');
  }
}

/**
 * A Modelfile given as a file, with relative FROM/ADAPTER paths made absolute: they point next
 * to that file, while the saved copy (which Ollama's create reads from) lives under SLM_DECK_HOME.
 */
export async function readModelfile(file: string): Promise<string> {
  const text = await readText(file);
  const dir = path.dirname(path.resolve(file));
  let changed = false;
  const nodes = parseModelfile(text).nodes.map((n) => {
    if (n.type !== 'instruction' || (n.instruction !== 'FROM' && n.instruction !== 'ADAPTER')) return n;
    if (!looksLikePath(n.value) || path.isAbsolute(n.value) || n.value.startsWith('~')) return n;
    changed = true;
    return { ...n, value: path.resolve(dir, n.value) };
  });
  return changed ? renderModelfile(nodes) : text;
}

async function sourceText(ctx: CliContext, o: { file?: string; template?: string }): Promise<{ text: string; label: string } | null> {
  if (o.file) return { text: await readModelfile(o.file), label: o.file };
  if (o.template) {
    const tpl = (await ctx.call('variants.templates', {})).find((t) => t.id === o.template);
    if (!tpl) {
      const ids = (await ctx.call('variants.templates', {})).map((t) => t.id).join(', ');
      throw new DeckError('not_found', `No template named ${o.template}.`, `Templates: ${ids}.`);
    }
    return { text: tpl.text, label: `template ${tpl.id}` };
  }
  return null;
}

function diffText(d: VariantDiff): string {
  const rows = d.parameters.map((r) => [
    r.key,
    r.left ?? (r.leftDefault ? `(default ${r.leftDefault})` : '—'),
    r.right ?? (r.status === 'inherited' ? '(inherited)' : '—'),
    r.status,
  ]);
  const fields = d.fields.filter((f) => f.changed).map((f) => `${f.field} differs`);
  const lines = d.lines.map((l) => (l.op === 'add' ? `+ ${l.text}` : l.op === 'remove' ? `- ${l.text}` : `  ${l.text}`));
  return [
    `${d.leftLabel} → ${d.rightLabel}`,
    '',
    rows.length ? table([['PARAMETER', d.leftLabel, d.rightLabel, ''], ...rows]) : 'No parameters on either side.',
    fields.length ? `\n${fields.join('\n')}` : '',
    lines.length ? `\n${lines.join('\n')}` : '',
  ].join('\n');
}

export function registerVariant(program: Command): void {
  const variant = program
    .command('variant')
    .description('Modelfile variants: saved with versions under SLM_DECK_HOME, created in Ollama')
    .option('--ollama <url>', 'Ollama URL for this command (default: the ollamaUrl setting)');

  variant
    .command('list')
    .alias('ls')
    .description('Saved variants')
    .action(
      verb(async (ctx, cmd) => {
        const list = await ctx.call('variants.list', {});
        print(cmd, list, (l) =>
          l.length
            ? table([
                ['NAME', 'VERSIONS', 'FROM', 'IN OLLAMA'],
                ...l.map((v) => [v.name, String(v.latestVersion), v.from ?? '', v.created ? `v${v.created.version} at ${v.created.url}` : 'not created']),
              ])
            : 'No saved variants. Start from a template: `slm-deck variant create phi4-mini-stepwise --template phi4-mini-stepwise`.',
        );
      }),
    );

  variant
    .command('templates')
    .description('Built-in templates')
    .action(
      verb(async (ctx, cmd) => {
        const t = await ctx.call('variants.templates', {});
        print(cmd, t, (l) => table(l.map((x) => [x.id, x.title, x.description])));
      }),
    );

  variant
    .command('lint <file>')
    .description('Check a Modelfile and print every mistake with line and column')
    .action(
      verb(async (ctx, cmd, file: string) => {
        const a = analyzeModelfile(await readText(file));
        if (cmd.optsWithGlobals().json) print(cmd, a.diagnostics, () => '');
        else if (a.diagnostics.length) printDiagnostics(file, a.diagnostics);
        else process.stdout.write(`${file}: no mistakes\n`);
        if (a.errorCount) {
          await ctx.core.close();
          process.exit(1);
        }
      }),
    );

  variant
    .command('create <name>')
    .description('Save a Modelfile (--file or --template) as the next version and create it in Ollama')
    .option('--file <Modelfile>', 'Modelfile to save first (default: the latest saved version)')
    .option('--template <id>', 'start from a built-in template instead of a file')
    // Not --version: the program's own -V/--version would take it.
    .option('--rev <n>', 'create from this saved version')
    .option('--quantize <type>', 'quantize an fp16 base: q4_K_M, q4_K_S or q8_0')
    .action(
      verb(async (ctx, cmd, name: string, o: { file?: string; template?: string; rev?: string; quantize?: 'q4_K_M' | 'q4_K_S' | 'q8_0' }) => {
        const src = await sourceText(ctx, o);
        let version = o.rev ? Number(o.rev) : undefined;
        if (src) {
          const saved = await ctx.call('variants.save', { name, text: src.text }).catch((e) => withDiagnostics(src.label, e));
          version = saved.version;
          if (!cmd.optsWithGlobals().json) process.stderr.write(saved.unchanged ? `${name}: v${saved.version} already has this text\n` : `${name}: saved v${saved.version}\n`);
        }
        const { taskId } = await ctx.call('variants.create', { name, ...(version ? { version } : {}), ...(o.quantize ? { quantize: o.quantize } : {}), ...ollamaUrl(cmd) });
        process.once('SIGINT', () => void ctx.call('tasks.cancel', { taskId }));
        const r = (await waitTask(ctx, cmd, taskId)) as { model: string; version: number };
        print(cmd, r, (v) => `created ${v.model} in Ollama from v${v.version}`);
      }),
    );

  variant
    .command('save <name>')
    .description('Save a Modelfile as the next version without creating it in Ollama')
    .requiredOption('--file <Modelfile>', 'the Modelfile')
    .option('--note <text>', 'what changed')
    .action(
      verb(async (ctx, cmd, name: string, o: { file: string; note?: string }) => {
        const text = await readModelfile(o.file);
        const saved = await ctx.call('variants.save', { name, text, ...(o.note ? { note: o.note } : {}) }).catch((e) => withDiagnostics(o.file, e));
        print(cmd, saved, (v) => (v.unchanged ? `${v.name}: v${v.version} already has this text` : `${v.name}: saved v${v.version}`));
      }),
    );

  variant
    .command('show <name>')
    .description('Print a saved version (the latest by default)')
    .option('--rev <n>', 'version number')
    .action(
      verb(async (ctx, cmd, name: string, o: { rev?: string }) => {
        const v = await ctx.call('variants.get', { name, ...(o.rev ? { version: Number(o.rev) } : {}) });
        print(cmd, v, (x) => x.text.replace(/\n$/, ''));
      }),
    );

  variant
    .command('diff <name>')
    .description('Compare two versions (--from/--to) or a version with its base model (--base)')
    .option('--from <n>', 'older version')
    .option('--to <n>', 'newer version (default: latest)')
    .option('--base', "compare with the base model's parameters in Ollama")
    .action(
      verb(async (ctx, cmd, name: string, o: { from?: string; to?: string; base?: boolean }) => {
        const latest = (await ctx.call('variants.get', { name })).latestVersion;
        const to = o.to ? Number(o.to) : latest;
        const d =
          o.base || !o.from
            ? await ctx.call('variants.diffBase', { name, version: to, ...ollamaUrl(cmd) })
            : await ctx.call('variants.diffVersions', { name, from: Number(o.from), to });
        print(cmd, d, diffText);
      }),
    );

  variant
    .command('export <name>')
    .description('Write the variant with all its versions as a JSON bundle')
    .option('--out <file>', 'file to write (default: stdout)')
    .action(
      verb(async (ctx, cmd, name: string, o: { out?: string }) => {
        const { bundle, fileName } = await ctx.call('variants.export', { name });
        if (o.out) {
          const out = (await fs.stat(o.out).catch(() => null))?.isDirectory() ? path.join(o.out, fileName) : o.out;
          await fs.writeFile(out, bundle);
          print(cmd, { file: out }, (v) => `wrote ${v.file}`);
        } else process.stdout.write(bundle);
      }),
    );

  variant
    .command('import <file>')
    .description('Import a bundle, or a plain Modelfile with --name')
    .option('--name <name>', 'name for the variant (required for a plain Modelfile)')
    .action(
      verb(async (ctx, cmd, file: string, o: { name?: string }) => {
        const text = o.name ? await readModelfile(file) : await readText(file);
        const v = await ctx.call('variants.import', { bundle: text, ...(o.name ? { name: o.name } : {}) }).catch((e) => withDiagnostics(file, e));
        print(cmd, v, (x) => `imported ${x.name} (${x.latestVersion} version${x.latestVersion === 1 ? '' : 's'}); create it with \`slm-deck variant create ${x.name}\``);
      }),
    );

  variant
    .command('rm <name>')
    .description('Delete a saved variant (the Ollama model is kept; remove it with `models rm`)')
    .action(
      verb(async (ctx, cmd, name: string) => {
        print(cmd, await ctx.call('variants.delete', { name }), (v) => `deleted ${v.deleted}`);
      }),
    );
}
