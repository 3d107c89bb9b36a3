import { existsSync, promises as fs, mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../electron/core/app-core';
import { unwrap } from '../../electron/core/rpc/dispatcher';
import { TINY_ANSWER, TINY_MODEL_ID } from '../../electron/engine/tiny-model/spec';
import type { MethodInput, MethodName, MethodResult } from '../../electron/shared/contract';
import type { TaskSnapshot } from '../../electron/shared/contract/app';
import { DownloadResultSchema } from '../../electron/shared/contract/engine';
import { startHfHubFake, type FakeFile, type HfHubFake } from '../fakes/hf-hub/server';
import { ROOT, tempHome } from '../helpers/serve';

/**
 * The model store against a local stand-in of the Hugging Face Hub (same URLs and headers):
 * a real download of a real (tiny) ONNX model in the layout of microsoft/Phi-4-mini-instruct-onnx,
 * then the embedded engine running it; interruption and resume across an app restart;
 * cancellation; checksum mismatch; a disk too small; the HF token; delete.
 */
const REPO = 'microsoft/Phi-4-mini-instruct-onnx';
const FOLDER = 'cpu_and_mobile/cpu-int4-rtn-block-32-acc-level-4';
const MODEL = 'phi-4-mini-instruct/onnx-cpu-int4';
const TINY_DIR = path.join(ROOT, 'resources', 'models', TINY_MODEL_ID);
const TOKEN = 'hf_abcdefghijklmnopqrstuvwxyz0123';
const signal = new AbortController().signal;

let hub: HfHubFake;
let repoFiles: Record<string, FakeFile>;
const cores: Core[] = [];

async function core(home: string): Promise<Core> {
  const c = await createCore({ home });
  cores.push(c);
  return c;
}
async function call<M extends MethodName>(c: Core, method: M, params: MethodInput<M>): Promise<MethodResult<M>> {
  return unwrap(await c.dispatcher.call(method, params, { transport: 'websocket', signal })) as MethodResult<M>;
}
async function download(c: Core, onProgress?: (s: TaskSnapshot) => void): Promise<TaskSnapshot> {
  const off = onProgress ? c.bus.on('task.progress', onProgress) : () => undefined;
  const { taskId } = await call(c, 'modelStore.download', { model: MODEL });
  const done = await c.tasks.wait(taskId);
  off();
  return done;
}
const modelDir = (home: string) => path.join(home, 'models', 'phi-4-mini-instruct', 'onnx-cpu-int4');
const resolveGets = (file: string) => hub.requests.filter((r) => r.path.endsWith(`/${FOLDER}/${file}`) && r.path.includes('/cdn/'));

beforeAll(async () => {
  repoFiles = {};
  for (const name of readdirSync(TINY_DIR)) {
    if (name === 'README.md') continue;
    repoFiles[`${FOLDER}/${name}`] = { content: readFileSync(path.join(TINY_DIR, name)) };
  }
  // Other folders of the repo must not be downloaded.
  repoFiles['gpu/gpu-int4-rtn-block-32/model.onnx'] = { content: Buffer.alloc(4096, 7) };
  repoFiles['README.md'] = { content: Buffer.from('# Phi-4-mini-instruct ONNX\n'), lfs: false };
  hub = await startHfHubFake({ [REPO]: { files: repoFiles } });
  process.env.SLM_DECK_HF_ENDPOINT = hub.url;
});

afterEach(() => {
  hub.trouble = {};
  hub.pageSize = 1000;
  hub.requests.length = 0;
});

afterAll(async () => {
  for (const c of cores) await c.close();
  delete process.env.SLM_DECK_HF_ENDPOINT;
  await hub?.close();
});

describe('model store downloads from the Hugging Face Hub', () => {
  it('downloads the CPU build folder with progress, lists it with size and path, and the embedded engine runs it', async () => {
    hub.pageSize = 3; // the listing comes in pages
    hub.trouble = { bytesPerSecond: 400_000 }; // slow enough for progress events to go out
    const home = tempHome('slm-deck-store-');
    const c = await core(home);
    expect(await call(c, 'modelStore.available', {})).toEqual(
      expect.arrayContaining([expect.objectContaining({ id: MODEL, repo: REPO, folder: FOLDER, installed: false, partialBytes: 0 })]),
    );
    const progress: TaskSnapshot[] = [];
    const done = await download(c, (s) => progress.push(s));
    expect(done.error).toBeUndefined();
    expect(done.state).toBe('succeeded');
    const total = Object.entries(repoFiles).filter(([p]) => p.startsWith(FOLDER)).reduce((n, [, f]) => n + f.content.length, 0);
    const r = DownloadResultSchema.parse(done.result);
    expect(r).toEqual({ model: MODEL, path: modelDir(home), files: 5, bytesTotal: total, resumedFromBytes: 0 });
    expect(progress.filter((p) => p.bytesTotal === total && (p.bytesDone ?? 0) > 0 && (p.bytesDone ?? 0) < total).length).toBeGreaterThan(1);

    for (const name of readdirSync(TINY_DIR).filter((n) => n !== 'README.md')) {
      expect(readFileSync(path.join(modelDir(home), name)).equals(readFileSync(path.join(TINY_DIR, name)))).toBe(true);
    }
    expect(existsSync(path.join(home, 'models', 'gpu'))).toBe(false);
    expect(readdirSync(modelDir(home)).filter((n) => n.endsWith('.part'))).toEqual([]);
    // LFS files went through the CDN redirect, small files straight from resolve.
    expect(resolveGets('model.onnx.data')).toHaveLength(1);
    expect(hub.requests.filter((r) => r.path.endsWith('/genai_config.json')).map((r) => r.status)).toEqual([200]);

    const list = await call(c, 'modelStore.list', {});
    expect(list).toEqual([expect.objectContaining({ id: MODEL, state: 'ready', path: modelDir(home), sizeBytes: total, totalBytes: total, source: `hf:${REPO}/${FOLDER}`, demo: false })]);
    expect((await call(c, 'modelStore.available', {})).find((m) => m.id === MODEL)?.installed).toBe(true);

    const s = await call(c, 'engine.start', { model: MODEL });
    expect(s).toMatchObject({ state: 'running', model: { id: MODEL, demo: false } });
    const res = await fetch(`${s.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'Hello! Who are you?' }], temperature: 0 }),
    });
    expect(((await res.json()) as { choices: Array<{ message: { content: string } }> }).choices[0].message.content).toBe(TINY_ANSWER);
    await expect(call(c, 'modelStore.delete', { model: MODEL })).rejects.toMatchObject({ code: 'conflict', hint: 'Stop the embedded engine first.' });
    await call(c, 'engine.stop', {});

    const del = await call(c, 'modelStore.delete', { model: MODEL });
    expect(del).toEqual({ deleted: MODEL, freedBytes: total });
    expect(existsSync(path.join(home, 'models', 'phi-4-mini-instruct'))).toBe(false);
    expect(await call(c, 'modelStore.list', {})).toEqual([]);
  });

  it('resumes with HTTP Range after the connection dropped, even after the app restarted', async () => {
    const home = tempHome('slm-deck-store-');
    const data = `${FOLDER}/model.onnx.data`;
    const size = repoFiles[data].content.length;
    hub.trouble = { cutAfter: { path: data, bytes: 100_000 } };
    const first = await core(home);
    const failed = await download(first);
    expect(failed.state).toBe('failed');
    expect(failed.error).toMatchObject({ code: 'server_unreachable', message: expect.stringContaining('connection dropped while downloading model.onnx.data') });
    expect(failed.error?.hint).toMatch(/resumes where it stopped/);
    const part = (await fs.stat(path.join(modelDir(home), 'model.onnx.data.part'))).size;
    expect(part).toBeGreaterThanOrEqual(100_000);
    expect(part).toBeLessThan(size);
    expect((await call(first, 'modelStore.list', {}))[0]).toMatchObject({ id: MODEL, state: 'partial' });
    expect((await call(first, 'modelStore.available', {})).find((m) => m.id === MODEL)?.partialBytes).toBeGreaterThanOrEqual(part);
    await expect(call(first, 'engine.start', { model: MODEL })).rejects.toThrow('not completely downloaded');
    await first.close();

    // A new app process: the .part file and the manifest carry the download on.
    hub.requests.length = 0;
    const second = await core(home);
    const done = await download(second);
    expect(done.error).toBeUndefined();
    expect(DownloadResultSchema.parse(done.result).resumedFromBytes).toBeGreaterThanOrEqual(part);
    expect(resolveGets('model.onnx.data').map((r) => r.range)).toEqual([`bytes=${part}-`]);
    // Files finished before the drop are not fetched again.
    expect(hub.requests.filter((r) => r.path.endsWith('/genai_config.json'))).toEqual([]);
    expect(readFileSync(path.join(modelDir(home), 'model.onnx.data')).equals(repoFiles[data].content)).toBe(true);
    expect((await call(second, 'modelStore.list', {}))[0]).toMatchObject({ state: 'ready' });
  });

  it('cancelling keeps what was downloaded; downloading again resumes', async () => {
    const home = tempHome('slm-deck-store-');
    hub.trouble = { bytesPerSecond: 100_000 };
    const c = await core(home);
    const { taskId } = await call(c, 'modelStore.download', { model: MODEL });
    await new Promise<void>((resolve) => {
      const off = c.bus.on('task.progress', (s) => {
        if (s.id === taskId && (s.bytesDone ?? 0) > 60_000) {
          off();
          c.tasks.cancel(taskId);
          resolve();
        }
      });
    });
    expect((await c.tasks.wait(taskId)).state).toBe('cancelled');
    hub.trouble = {};
    const done = await download(c);
    expect(done.state).toBe('succeeded');
    expect(DownloadResultSchema.parse(done.result).resumedFromBytes).toBeGreaterThan(0);
    expect((await call(c, 'modelStore.list', {}))[0]).toMatchObject({ state: 'ready' });
  });

  it('a file whose checksum does not match fails with a clear error and is removed', async () => {
    const home = tempHome('slm-deck-store-');
    hub.trouble = { corrupt: new Set([`${FOLDER}/model.onnx.data`]) };
    const c = await core(home);
    const done = await download(c);
    expect(done.state).toBe('failed');
    expect(done.error).toMatchObject({ code: 'server_error', message: expect.stringMatching(/^model\.onnx\.data is corrupt: its sha256 is [0-9a-f]{64}, Hugging Face lists [0-9a-f]{64}\. The damaged file was removed\.$/) });
    expect(existsSync(path.join(modelDir(home), 'model.onnx.data.part'))).toBe(false);
    expect(existsSync(path.join(modelDir(home), 'model.onnx.data'))).toBe(false);

    hub.trouble = {};
    expect((await download(c)).state).toBe('succeeded');

    // A small file kept in git is checked against its git blob id.
    hub.trouble = { corrupt: new Set([`${FOLDER}/genai_config.json`]) };
    const other = await core(tempHome('slm-deck-store-'));
    const again = await download(other);
    expect(again.error?.message).toMatch(/^genai_config\.json is corrupt: its git blob sha1 is [0-9a-f]{40}, Hugging Face lists [0-9a-f]{40}\./);
  });

  it('refuses to start when the disk cannot hold the model', async () => {
    const home = tempHome('slm-deck-store-');
    hub.trouble = { listedSize: { [`${FOLDER}/model.onnx.data`]: 2 ** 53 - 1 } };
    const c = await core(home);
    const done = await download(c);
    expect(done.state).toBe('failed');
    expect(done.error).toMatchObject({ code: 'insufficient_resources', message: expect.stringMatching(/^Not enough disk space: .* needs [\d.]+ [kMGT]?B more, but only [\d.]+ [kMGT]?B is free on the disk holding /) });
    expect(done.error?.hint).toMatch(/Free some space/);
    // Nothing was fetched.
    expect(hub.requests.filter((r) => r.path.includes('/resolve/'))).toEqual([]);
  });

  it('a disk that fills up while writing is a clear error, and the download resumes once there is room', async () => {
    const home = tempHome('slm-deck-store-');
    // A real ENOSPC from the kernel: the part file is /dev/full.
    mkdirSync(modelDir(home), { recursive: true });
    symlinkSync('/dev/full', path.join(modelDir(home), 'model.onnx.data.part'));
    const c = await core(home);
    const done = await download(c);
    expect(done.state).toBe('failed');
    expect(done.error).toMatchObject({
      code: 'insufficient_resources',
      message: `The disk is full: model.onnx.data could not be written to ${path.join(modelDir(home), 'model.onnx.data')}.`,
      hint: expect.stringContaining('resumes where it stopped'),
    });
    await fs.rm(path.join(modelDir(home), 'model.onnx.data.part'));
    const again = await download(c);
    expect(again.state).toBe('succeeded');
    // The files that were written before the disk filled up were kept.
    expect(hub.requests.filter((r) => r.path.endsWith('/genai_config.json'))).toHaveLength(1);
  });

  it('sends the Hugging Face token from settings, and a gated repo without it says what to do', async () => {
    await hub.close();
    hub = await startHfHubFake({ [REPO]: { files: repoFiles, gatedToken: TOKEN } });
    process.env.SLM_DECK_HF_ENDPOINT = hub.url;
    const home = tempHome('slm-deck-store-');
    const c = await core(home);
    const denied = await download(c);
    expect(denied.error).toMatchObject({ code: 'unauthorized', hint: expect.stringContaining('Hugging Face token in Settings') });

    await call(c, 'settings.setHfToken', { token: TOKEN });
    hub.requests.length = 0;
    const done = await download(c);
    expect(done.state).toBe('succeeded');
    expect(hub.requests.filter((r) => !r.path.startsWith('/cdn/')).every((r) => r.authorization === `Bearer ${TOKEN}`)).toBe(true);
    expect(readFileSync(c.logPath, 'utf8')).not.toContain(TOKEN);
  });

  it('an unknown model and an unreachable hub are clear errors', async () => {
    const c = await core(tempHome('slm-deck-store-'));
    const unknown = await c.dispatcher.call('modelStore.download', { model: 'phi-4-mini-instruct/nope' }, { transport: 'cli', signal });
    expect(unknown.ok).toBe(true);
    const t = await c.tasks.wait((unknown as { ok: true; result: { taskId: string } }).result.taskId);
    expect(t.error).toMatchObject({ code: 'not_found', hint: expect.stringContaining(MODEL) });

    process.env.SLM_DECK_HF_ENDPOINT = 'http://127.0.0.1:9';
    try {
      const down = await download(c);
      expect(down.error).toMatchObject({ code: 'server_unreachable', message: expect.stringContaining('Cannot reach Hugging Face at http://127.0.0.1:9') });
    } finally {
      process.env.SLM_DECK_HF_ENDPOINT = hub.url;
    }
  });
});
