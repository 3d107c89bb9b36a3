import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineBuildContext } from '../../electron/core/engine-host/build-context';
import { engineArgs } from '../../electron/engine/spawn-engine';
import { TINY_ANSWER } from '../../electron/engine/tiny-model/spec';
import { ROOT, tempHome } from '../helpers/serve';

/**
 * The installer's layout, built for real by electron-builder (`--linux dir --x64`, the same
 * electron-builder.yml as `npm run dist`) against a stub Electron distribution, since the
 * Electron binary cannot be downloaded here. Then the packaged engine runs with Node from that
 * layout, with its unpacked native module, and answers from the bundled demo model.
 */
const asar = createRequire(import.meta.url)('@electron/asar') as {
  listPackage(archive: string, o?: { isPack: boolean }): string[];
  extractAll(archive: string, dest: string): void;
};

// @electron/fuses finds the fuse wire after this sentinel: version 1, 8 fuses, Electron's defaults.
const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
const DEFAULT_WIRE = '10110001';
const FUSES = ['RunAsNode', 'EnableCookieEncryption', 'EnableNodeOptionsEnvironmentVariable', 'EnableNodeCliInspectArguments', 'EnableEmbeddedAsarIntegrityValidation', 'OnlyLoadAppFromAsar', 'LoadBrowserProcessSpecificV8Snapshot', 'GrantFileProtocolExtraPrivileges'];

let tmp: string;
let out: string;
let app: string;
let files: string[];

function run(cmd: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, ...env } });
    let output = '';
    p.stdout.on('data', (d: Buffer) => (output += d));
    p.stderr.on('data', (d: Buffer) => (output += d));
    p.on('close', (code) => resolve({ code, output }));
  });
}

function fuseWire(binary: string): Record<string, string> {
  const data = readFileSync(binary);
  const at = data.indexOf(SENTINEL) + SENTINEL.length;
  const wire: Record<string, string> = {};
  for (let i = 0; i < data[at + 1]; i++) wire[FUSES[i]] = { 0x30: 'off', 0x31: 'on' }[data[at + 2 + i]] ?? 'other';
  return wire;
}

beforeAll(async () => {
  if (!existsSync(path.join(ROOT, 'dist', 'main', 'index.cjs'))) {
    const build = await run(process.execPath, ['scripts/build.js']);
    expect(build.code, build.output).toBe(0);
  }
  tmp = tempHome('slm-deck-packaging-');
  const stub = path.join(tmp, 'electron-stub');
  mkdirSync(path.join(stub, 'resources'), { recursive: true });
  writeFileSync(path.join(stub, 'electron'), Buffer.concat([Buffer.from(`#!/bin/sh\n# ${SENTINEL}`), Buffer.from([1, 8]), Buffer.from(`${DEFAULT_WIRE}\nexit 0\n`)]));
  chmodSync(path.join(stub, 'electron'), 0o755);
  out = path.join(tmp, 'release');
  const built = await run(process.execPath, [path.join(ROOT, 'node_modules', 'electron-builder', 'cli.js'), '--linux', 'dir', '--x64', `-c.electronDist=${stub}`, `-c.directories.output=${out}`], { ELECTRON_SKIP_BINARY_DOWNLOAD: '1' });
  expect(built.code, built.output).toBe(0);
  app = path.join(out, 'linux-unpacked');
  files = asar.listPackage(path.join(app, 'resources', 'app.asar'), { isPack: false }).map((f) => f.split(path.sep).join('/'));
});

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('packaged desktop app (linux x64)', () => {
  it('has the launcher with the security fuses set', () => {
    const launcher = path.join(app, 'slm-deck');
    expect(statSync(launcher).mode & 0o111).not.toBe(0);
    expect(fuseWire(launcher)).toMatchObject({
      RunAsNode: 'off',
      EnableNodeOptionsEnvironmentVariable: 'off',
      EnableNodeCliInspectArguments: 'off',
      EnableEmbeddedAsarIntegrityValidation: 'on',
      OnlyLoadAppFromAsar: 'on',
      GrantFileProtocolExtraPrivileges: 'off',
    });
  });

  it('packs main, preload, renderer and both engine entries in app.asar, without source maps or build-time packages', () => {
    for (const f of ['/package.json', '/dist/main/index.cjs', '/dist/preload/index.cjs', '/dist/renderer/index.html', '/dist/engine/main.cjs', '/dist/engine/main.js']) expect(files).toContain(f);
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { main: string };
    expect(files).toContain(`/${pkg.main}`);
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
    for (const gone of ['electron', 'electron-builder', 'cpu-features', 'react-dom', 'vite']) expect(files).not.toContain(`/node_modules/${gone}`);
    expect(files.filter((f) => /sshcrypto\.node$/.test(f))).toEqual([]);
  });

  it('packs every package the main process and the engine require', () => {
    for (const bundle of ['dist/main/index.cjs', 'dist/engine/main.cjs']) {
      const text = readFileSync(path.join(ROOT, bundle), 'utf8');
      const needed = [...text.matchAll(/require\("([^".][^"]*)"\)/g)].map((m) => m[1]).filter((n) => !n.startsWith('node:') && n !== 'electron');
      expect(needed.length).toBeGreaterThan(0);
      for (const name of new Set(needed.map((n) => (n.startsWith('@') ? n.split('/').slice(0, 2) : n.split('/').slice(0, 1)).join('/')))) {
        expect(files, `${bundle} requires ${name}`).toContain(`/node_modules/${name}/package.json`);
      }
    }
  });

  it("unpacks onnxruntime's Linux x64 binaries only", () => {
    const unpacked = path.join(app, 'resources', 'app.asar.unpacked', 'node_modules', 'onnxruntime-node', 'bin', 'napi-v6');
    const binaries = files.filter((f) => f.startsWith('/node_modules/onnxruntime-node/bin/napi-v6/') && /\.(node|so[.\d]*|dylib|dll)$/.test(f));
    expect(binaries.map((f) => f.replace('/node_modules/onnxruntime-node/bin/napi-v6/', '')).sort()).toEqual(expect.arrayContaining(['linux/x64/libonnxruntime.so.1', 'linux/x64/onnxruntime_binding.node']));
    expect(binaries.filter((f) => !f.includes('/napi-v6/linux/x64/'))).toEqual([]);
    for (const f of ['onnxruntime_binding.node', 'libonnxruntime.so.1']) expect(statSync(path.join(unpacked, 'linux', 'x64', f)).size).toBeGreaterThan(0);
  });

  it('ships the catalog, the engine Dockerfile and the demo model as resources', () => {
    const res = path.join(app, 'resources', 'resources');
    for (const f of ['catalog/models.json', 'engine/Dockerfile', 'models/slm-deck-tiny-demo/model.onnx', 'models/slm-deck-tiny-demo/genai_config.json', 'models/slm-deck-tiny-demo/tokenizer.json']) {
      expect(existsSync(path.join(res, f)), f).toBe(true);
    }
    expect(existsSync(path.join(res, 'build'))).toBe(false);
  });

  describe('the packaged engine', () => {
    let engine: ChildProcessWithoutNullStreams | undefined;
    let tree: string;
    // Plain Node cannot read app.asar: extract it; asar copies the native module from app.asar.unpacked.
    beforeAll(() => {
      tree = path.join(out, 'extracted');
      asar.extractAll(path.join(app, 'resources', 'app.asar'), tree);
    });
    afterAll(() => engine?.kill('SIGKILL'));

    it('runs with Node from the installed layout and answers from the demo model', async () => {
      const binding = 'node_modules/onnxruntime-node/bin/napi-v6/linux/x64/onnxruntime_binding.node';
      expect(readFileSync(path.join(tree, binding))).toEqual(readFileSync(path.join(app, 'resources', 'app.asar.unpacked', binding)));

      const model = path.join(app, 'resources', 'resources', 'models', 'slm-deck-tiny-demo');
      // The arguments the desktop app's utility-process launcher passes.
      const proc = spawn(process.execPath, [path.join(tree, 'dist', 'engine', 'main.cjs'), ...engineArgs({ modelDir: model, port: 0 })], { cwd: tree });
      engine = proc;
      let stderr = '';
      proc.stderr.on('data', (d: Buffer) => (stderr += d));
      const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
      const port = await new Promise<number>((resolve, reject) => {
        createInterface({ input: proc.stdout }).on('line', (line) => {
          const m = /^ENGINE_READY port=(\d+)$/.exec(line);
          if (m) resolve(Number(m[1]));
        });
        void exited.then((code) => reject(new Error(`the packaged engine exited with ${code}: ${stderr}`)));
      });
      const res = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ messages: [{ role: 'user', content: 'Hello! Who are you?' }], temperature: 0 }),
      });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { choices: Array<{ message: { content: string } }> }).choices[0].message.content).toBe(TINY_ANSWER);
      proc.kill('SIGTERM');
      expect(await exited).toBe(0);
    });

    it('gives the engine image build what it needs from the installed app (its app path and resources)', async () => {
      // The shell passes app.getAppPath() (app.asar, read through Electron's fs); the extracted tree stands in for it.
      const ctx = await engineBuildContext({ appRoot: tree, dockerfile: path.join(app, 'resources', 'resources', 'engine', 'Dockerfile'), arch: 'x64' });
      const names = ctx.entries.map((e) => e.name);
      expect(names).toEqual(expect.arrayContaining(['Dockerfile', 'app/dist/engine/main.js', 'app/node_modules/onnxruntime-node/bin/napi-v6/linux/x64/onnxruntime_binding.node']));
      expect(ctx.packages).toContain('onnxruntime-node');
    });
  });
});
