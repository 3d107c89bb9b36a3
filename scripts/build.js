// Builds every bundle without needing the Electron binary: main, preload, CLI and engine
// with esbuild, the renderer with Vite.
import { build } from 'esbuild';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const external = ['electron', ...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.optionalDependencies ?? {})];
const only = process.argv.slice(2);
const want = (name) => only.length === 0 || only.includes(name);

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  external,
  define: { __APP_VERSION__: JSON.stringify(pkg.version) },
  logLevel: 'warning',
  absWorkingDir: root,
};

const bundles = [
  { name: 'cli', entry: 'electron/cli/index.ts', out: 'dist/cli/index.js', format: 'esm' },
  { name: 'engine', entry: 'electron/engine/main.ts', out: 'dist/engine/main.js', format: 'esm' },
  // The desktop app's embedded engine: CommonJS, because loading ESM from inside app.asar has
  // broken in Electron releases. (The ESM one serves the CLI and the engine image.)
  { name: 'engine', entry: 'electron/engine/main.ts', out: 'dist/engine/main.cjs', format: 'cjs', logOverride: { 'empty-import-meta': 'silent' } },
  // The main bundle gives spawn-engine an explicit entry, so its import.meta fallback is unused there.
  { name: 'main', entry: 'electron/main/index.ts', out: 'dist/main/index.cjs', format: 'cjs', logOverride: { 'empty-import-meta': 'silent' } },
  { name: 'preload', entry: 'electron/preload/index.ts', out: 'dist/preload/index.cjs', format: 'cjs' },
];

const started = Date.now();
for (const b of bundles) {
  if (!want(b.name) || !existsSync(path.join(root, b.entry))) continue;
  await build({
    ...common,
    entryPoints: [b.entry],
    outfile: b.out,
    format: b.format,
    logOverride: b.logOverride,
    // ESM bundles of CJS deps need a require().
    banner: b.format === 'esm' ? { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" } : {},
  });
}

if (want('renderer')) {
  rmSync(path.join(root, 'dist', 'renderer'), { recursive: true, force: true });
  const { build: viteBuild } = await import('vite');
  await viteBuild({ configFile: path.join(root, 'renderer', 'vite.config.ts'), logLevel: 'warn' });
}
console.log(`built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
