import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buffer } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { engineBuildContext, externalPackages, nodeArch } from '../../electron/core/engine-host/build-context';
import { BuildMessageSchema, BuildProgress, buildFailure } from '../../electron/core/engine-host/image-build';
import { splitName, tarSize, tarStream, type TarEntry } from '../../electron/core/engine-host/tar-writer';
import { ROOT } from '../helpers/serve';

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'slm-deck-tar-'));

describe('tar writer', () => {
  it('writes an archive that GNU tar lists and extracts byte for byte, long paths included', async () => {
    const dir = tmp();
    const big = Buffer.alloc(70_000);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 0xff;
    writeFileSync(path.join(dir, 'big.bin'), big);
    const long = `app/node_modules/${'deep/'.repeat(25)}file.js`;
    const entries: TarEntry[] = [
      { name: 'Dockerfile', source: { data: Buffer.from('FROM scratch\n') } },
      { name: 'app/big.bin', source: { file: path.join(dir, 'big.bin') }, mode: 0o755 },
      { name: long, source: { data: Buffer.from('export {};\n') } },
      { name: 'empty', source: { data: Buffer.alloc(0) } },
    ];
    const archive = await buffer(tarStream(entries));
    expect(archive.length).toBe(await tarSize(entries));
    expect(archive.length % 512).toBe(0);
    const file = path.join(dir, 'ctx.tar');
    writeFileSync(file, archive);
    expect(execFileSync('tar', ['-tf', file], { encoding: 'utf8' }).trim().split('\n')).toEqual(['Dockerfile', 'app/big.bin', long, 'empty']);
    const out = path.join(dir, 'out');
    execFileSync('mkdir', [out]);
    execFileSync('tar', ['-xf', file, '-C', out]);
    expect(readFileSync(path.join(out, 'app/big.bin')).equals(big)).toBe(true);
    expect(readFileSync(path.join(out, long), 'utf8')).toBe('export {};\n');
    expect(execFileSync('tar', ['-tvf', file], { encoding: 'utf8' })).toMatch(/^-rwxr-xr-x .* app\/big\.bin$/m);
  });

  it('splits long names at a slash into ustar prefix and name, and refuses what cannot fit', () => {
    expect(splitName('short/name')).toEqual({ prefix: '', name: 'short/name' });
    const p = `${'a'.repeat(90)}/${'b'.repeat(90)}`;
    expect(splitName(p)).toEqual({ prefix: 'a'.repeat(90), name: 'b'.repeat(90) });
    expect(() => splitName(`${'a'.repeat(120)}/${'b'.repeat(120)}`)).toThrow('Path too long');
  });
});

describe('engine build context', () => {
  it('finds the packages a bundle imports at run time, not builtins or relative files', () => {
    const bundle = [
      "import { createRequire as __cr } from 'node:module';",
      'import * as ort from "onnxruntime-node";',
      'import { Template } from "@huggingface/jinja";',
      'const { z } = await import("zod/v4");',
      'var fs = require("fs"); var x = require("./local.js"); var y = require("@scope/pkg/sub");',
    ].join('\n');
    expect(externalPackages(bundle)).toEqual(['@huggingface/jinja', '@scope/pkg', 'onnxruntime-node', 'zod']);
  });

  it('maps Docker architectures to onnxruntime-node folders', () => {
    expect(nodeArch('x86_64')).toBe('x64');
    expect(nodeArch('aarch64')).toBe('arm64');
    expect(() => nodeArch('s390x')).toThrow('cannot be built for s390x');
  });

  it('holds the engine bundle, an ESM package.json and its packages, with one architecture’s native binaries', async () => {
    const ctx = await engineBuildContext({ appRoot: ROOT, dockerfile: path.join(ROOT, 'resources', 'engine', 'Dockerfile'), arch: 'x64' });
    const names = ctx.entries.map((e) => e.name);
    expect(names.slice(0, 3)).toEqual(['Dockerfile', 'app/package.json', 'app/dist/engine/main.js']);
    const pkg = ctx.entries[1].source;
    expect('data' in pkg && JSON.parse(pkg.data.toString()).type).toBe('module');
    expect(ctx.packages).toEqual(expect.arrayContaining(['onnxruntime-node', 'onnxruntime-common', '@huggingface/tokenizers', '@huggingface/jinja']));
    expect(names).toContain('app/node_modules/onnxruntime-node/bin/napi-v6/linux/x64/onnxruntime_binding.node');
    expect(names).toContain('app/node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1');
    expect(names.filter((n) => n.includes('/bin/napi-v6/') && !n.includes('/linux/x64/'))).toEqual([]);
    // Install-time helpers, type declarations and source maps stay out.
    expect(names.filter((n) => /node_modules\/(adm-zip|global-agent)\//.test(n))).toEqual([]);
    expect(names.filter((n) => /\.d\.[cm]?ts$|\.map$/.test(n))).toEqual([]);
  });

  it('says what to do when the engine bundle is missing', async () => {
    await expect(engineBuildContext({ appRoot: tmp(), dockerfile: 'Dockerfile', arch: 'x64' })).rejects.toMatchObject({ code: 'not_found', hint: expect.stringContaining('npm run build') });
  });
});

describe('build output', () => {
  const parse = (o: unknown) => BuildMessageSchema.parse(o);

  it('turns steps into progress, keeps the output tail and the image id', () => {
    const p = new BuildProgress();
    expect(p.apply(parse({ stream: 'Step 3/11 : COPY app/ /app/\n' }))).toMatchObject({ step: 'Step 3/11: COPY app/ /app/', progress: 2 / 11 });
    expect(p.apply(parse({ stream: ' ---> a42b8e700692\n' }))).toEqual({ detail: ' ---> a42b8e700692' });
    expect(p.apply(parse({ status: 'Downloading', id: 'abc', progress: '[==>  ] 1MB/5MB' }))).toEqual({ detail: 'abc: Downloading [==>  ] 1MB/5MB' });
    p.apply(parse({ aux: { ID: 'sha256:0ab8' } }));
    expect(p.imageId).toBe('sha256:0ab8');
    expect(p.tail).toEqual(['Step 3/11 : COPY app/ /app/', ' ---> a42b8e700692']);
    expect(p.error).toBeNull();
  });

  it('an error line fails the build with the daemon’s message', () => {
    const p = new BuildProgress();
    p.apply(parse({ errorDetail: { code: 1, message: "The command '/bin/sh -c false' returned a non-zero code: 1" }, error: "The command '/bin/sh -c false' returned a non-zero code: 1" }));
    expect(p.error).toBe("The command '/bin/sh -c false' returned a non-zero code: 1");
    expect(buildFailure('slm-deck/onnx-engine:1', 'node:20', p.error!)).toMatchObject({ code: 'docker_error', message: "Building slm-deck/onnx-engine:1 failed: The command '/bin/sh -c false' returned a non-zero code: 1" });
    expect(buildFailure('i', 'node:20', 'pull access denied for node, repository does not exist')).toMatchObject({ code: 'not_found', message: expect.stringContaining('the base image node:20 is not available') });
    expect(buildFailure('i', 'b', 'write /var/lib/docker/tmp: no space left on device').code).toBe('insufficient_resources');
  });
});
