#!/usr/bin/env node
// The CLI is bundled by `npm run build`; build it on first use from a source checkout.
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const entry = path.join(root, 'dist', 'cli', 'index.js');
if (!existsSync(entry)) {
  process.stderr.write('slm-deck: first run, building (npm run build)...\n');
  execFileSync(process.execPath, [path.join(root, 'scripts', 'build.js')], { stdio: 'inherit', cwd: root });
}
await import(entry);
