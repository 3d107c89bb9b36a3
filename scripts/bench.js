// `npm run bench`: runs every test/bench/*.ts (each prints one JSON object with ratios
// measured in the same run), prints them together and writes bench-results.json.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = path.join(root, 'test', 'bench');
const only = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && !f.startsWith('_'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)));

const file = path.join(root, 'bench-results.json');
// `npm run bench -- NAME` reruns some benches and keeps the others' last results.
const results = only.length > 0 && existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')).results ?? {}) : {};
let failed = false;
for (const f of files) {
  process.stderr.write(`bench: ${f}\n`);
  const run = spawnSync(process.execPath, ['--import', 'tsx', path.join(dir, f)], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  });
  const lastLine = run.stdout.trim().split('\n').at(-1) ?? '';
  try {
    results[f.replace(/\.ts$/, '')] = JSON.parse(lastLine);
  } catch {
    failed = true;
    results[f.replace(/\.ts$/, '')] = { error: `exit ${run.status}, no JSON result`, output: run.stdout.slice(-2000) };
  }
  if (run.status !== 0) failed = true;
}
const out = { machine: { cpus: (await import('node:os')).cpus().length, node: process.version }, results };
writeFileSync(file, JSON.stringify(out, null, 2) + '\n');
console.log(JSON.stringify(out, null, 2));
process.exit(failed ? 1 : 0);
