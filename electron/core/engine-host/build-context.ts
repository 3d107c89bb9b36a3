import { existsSync, promises as fs } from 'node:fs';
import { isBuiltin } from 'node:module';
import path from 'node:path';
import { DeckError } from '../../shared/errors';
import type { TarEntry } from './tar-writer';

/**
 * What the engine image needs and nothing more (the test daemon's vfs driver copies every
 * layer in full): the engine bundle, a package.json that makes it ESM, and the packages the
 * bundle leaves external, with onnxruntime-node cut down to the Linux binaries of one arch.
 */

/** Package names the bundle imports at run time (`from "x"`, `import("x")`, `require("x")`), builtins excluded. */
export function externalPackages(bundle: string): string[] {
  const names = new Set<string>();
  const re = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*)["']([^"'./][^"']*)["']/g;
  for (const m of bundle.matchAll(re)) {
    const spec = m[1];
    if (spec.startsWith('node:') || isBuiltin(spec)) continue;
    const parts = spec.split('/');
    names.add(spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]);
  }
  return [...names].sort();
}

/** Docker's architecture names -> Node's (onnxruntime-node's bin/napi-v6/linux/<arch>). */
export function nodeArch(dockerArch: string | undefined): 'x64' | 'arm64' {
  if (!dockerArch) return process.arch === 'arm64' ? 'arm64' : 'x64';
  if (/^(x86_64|amd64|x64)$/i.test(dockerArch)) return 'x64';
  if (/^(aarch64|arm64)$/i.test(dockerArch)) return 'arm64';
  throw new DeckError('invalid_input', `The ONNX engine image cannot be built for ${dockerArch}.`, 'onnxruntime-node ships Linux binaries for x86_64 and aarch64 only.');
}

interface PackagePlan {
  /** Keep a file (path relative to the package folder)? */
  keep: (rel: string) => boolean;
  /** Runtime dependencies to follow (default: package.json dependencies). */
  deps?: string[];
}

/** Licence files stay (whatever their extension); type declarations, sources, maps and docs go. */
const LICENCE = /^(licen[cs]e|notice|copying)/i;
const DROP = /(\.d\.[cm]?ts|\.map|\.tsbuildinfo|\.md|(?<!\.d)\.[cm]?ts)$/i;

function planFor(name: string, arch: string): PackagePlan {
  if (name === 'onnxruntime-node') {
    // Its other dependencies (adm-zip, global-agent) only serve the install script.
    return {
      keep: (rel) => rel === 'package.json' || rel === 'LICENSE' || (/^(dist|lib)\//.test(rel) && !DROP.test(rel)) || rel.startsWith(`bin/napi-v6/linux/${arch}/`),
      deps: ['onnxruntime-common'],
    };
  }
  return { keep: (rel) => LICENCE.test(path.posix.basename(rel)) || (!DROP.test(rel) && !rel.startsWith('node_modules/')) };
}

async function walk(dir: string, base = dir): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fs.readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name === 'node_modules') continue;
      out.push(...(await walk(p, base)));
    } else if (e.isFile()) out.push(path.relative(base, p).split(path.sep).join('/'));
  }
  return out;
}

/** Finds a package the way Node would from `from` (its own node_modules, then each parent's). */
function findPackage(name: string, from: string, root: string): string | null {
  let dir = from;
  for (;;) {
    const candidate = path.join(dir, 'node_modules', ...name.split('/'));
    if (existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (dir === root) return null;
    const up = path.dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
}

export interface EngineContext {
  entries: TarEntry[];
  /** Packages included, for the task log. */
  packages: string[];
}

/**
 * The build context: `Dockerfile` plus `app/` (dist/engine/main.js, package.json,
 * node_modules/...). `appRoot` holds dist/ and node_modules/ (a checkout or the installed app).
 */
export async function engineBuildContext(o: { appRoot: string; dockerfile: string; arch: 'x64' | 'arm64' }): Promise<EngineContext> {
  const bundlePath = path.join(o.appRoot, 'dist', 'engine', 'main.js');
  let bundle: string;
  try {
    bundle = await fs.readFile(bundlePath, 'utf8');
  } catch {
    throw new DeckError('not_found', `The engine bundle ${bundlePath} is missing.`, 'Build the app first: `npm run build` (or `node scripts/build.js engine`).');
  }
  const entries: TarEntry[] = [
    { name: 'Dockerfile', source: { file: o.dockerfile } },
    { name: 'app/package.json', source: { data: Buffer.from(JSON.stringify({ name: 'slm-deck-engine', private: true, type: 'module' }, null, 2) + '\n') } },
    { name: 'app/dist/engine/main.js', source: { file: bundlePath } },
  ];
  const seen = new Map<string, string>();
  const queue: Array<{ name: string; from: string }> = externalPackages(bundle).map((name) => ({ name, from: o.appRoot }));
  while (queue.length) {
    const { name, from } = queue.shift()!;
    const dir = findPackage(name, from, o.appRoot);
    if (!dir) throw new DeckError('not_found', `The engine needs the package ${name}, which is not installed.`, 'Run `npm install` in the SLM Deck folder.');
    if (seen.has(dir)) continue;
    seen.set(dir, name);
    const plan = planFor(name, o.arch);
    const files = (await walk(dir)).filter(plan.keep);
    const rel = path.relative(o.appRoot, dir).split(path.sep).join('/');
    for (const f of files) entries.push({ name: `app/${rel}/${f}`, source: { file: path.join(dir, f) } });
    const pkg = JSON.parse(await fs.readFile(path.join(dir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    for (const dep of plan.deps ?? Object.keys(pkg.dependencies ?? {})) queue.push({ name: dep, from: dir });
  }
  if (![...seen.values()].includes('onnxruntime-node')) {
    throw new DeckError('internal', 'The engine bundle does not import onnxruntime-node; the image would not run.', 'Rebuild the app (`npm run build`).');
  }
  const binary = entries.some((e) => e.name.endsWith(`linux/${o.arch}/onnxruntime_binding.node`));
  if (!binary) {
    throw new DeckError('not_found', `onnxruntime-node has no Linux ${o.arch} binary in this installation.`, 'Reinstall onnxruntime-node (`npm install`); it ships Linux x64 and arm64 binaries.');
  }
  return { entries, packages: [...seen.values()].sort() };
}
