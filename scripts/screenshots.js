// `npm run screenshots`: rebuilds and reruns the e2e tests that stage the docs' screenshots,
// this time writing them to docs/*.png (an ordinary `npm test` leaves docs/ alone).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const files = ['overview', 'deploy', 'models', 'playground', 'monitor', 'benchmark'].map((f) => `test/e2e/${f}.test.ts`);
const run = (args, env = {}) =>
  spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } }).status ?? 1;

let status = run([path.join(root, 'scripts', 'build.js')]);
if (status === 0) {
  const vitest = path.join(root, 'node_modules', 'vitest', 'vitest.mjs');
  status = run([vitest, 'run', '--project', 'e2e', ...(process.argv.slice(2).length ? process.argv.slice(2) : files)], { SLM_DECK_SCREENSHOTS: '1' });
}
process.exit(status);
