import type { Command } from 'commander';
import { isDeckError } from '../shared/errors';

/** `--json` prints exactly the result object; otherwise a human formatter runs. */
export function print<T>(cmd: Command, value: T, human: (v: T) => string): void {
  const json = Boolean(cmd.optsWithGlobals().json);
  process.stdout.write(json ? JSON.stringify(value, null, 2) + '\n' : human(value) + '\n');
}

/** Every CLI error: one line with the message, one with the hint, exit code 1 (JSON on --json). */
export function fail(cmd: Command | null, e: unknown): never {
  const info = isDeckError(e)
    ? e.toInfo()
    : { code: 'internal', message: e instanceof Error ? e.message : String(e) };
  if (cmd?.optsWithGlobals().json) process.stdout.write(JSON.stringify({ error: info }, null, 2) + '\n');
  else {
    process.stderr.write(`error: ${info.message}\n`);
    if ('hint' in info && info.hint) process.stderr.write(`hint: ${info.hint}\n`);
  }
  process.exit(1);
}

export function table(rows: string[][]): string {
  if (!rows.length) return '';
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (c ?? '').padEnd(widths[i])).join('  ').trimEnd()).join('\n');
}
