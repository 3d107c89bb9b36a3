import { chmodSync, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TINY_ANSWER, TINY_MODEL_ID } from '../../electron/engine/tiny-model/spec';
import type { TaskSnapshot } from '../../electron/shared/contract/app';
import { defaultDeployConfig } from '../../electron/core/backends';
import { DeployResultSchema } from '../../electron/shared/contract/docker';
import { BuildImageResultSchema } from '../../electron/shared/contract/engine';
import { ROOT } from '../helpers/serve';
import { dockerSuite, freePort, inspect, rawDocker, REGISTRY, type TestCore, uniqueName } from './docker-helpers';

/**
 * Container mode: the app builds the onnx-engine image through the Docker API (context made
 * in-process, from the Node base image in the local registry), deploys it as the onnx-engine
 * backend with the tiny model folder mounted read-only, and chats through the published port.
 */
const PREFIX = 'it-engine-image';
const BASE = `${REGISTRY}/slm-deck/node-base:20`;
const TINY_DIR = path.join(ROOT, 'resources', 'models', TINY_MODEL_ID);
let t: TestCore;
let image: string;

dockerSuite(PREFIX, (core) => (t = core));
beforeAll(async () => {
  image = (await t.call('engine.imageStatus', {})).image;
  await rawDocker().getImage(image).remove({ force: true }).catch(() => undefined);
});

afterAll(async () => {
  if (image) await rawDocker().getImage(image).remove({ force: true }).catch(() => undefined);
});

/** The demo model in the built image, on `bindHost` (loopback by default). */
const deployTiny = (name: string, port: number, bindHost?: string) =>
  t.task('docker.deploy', {
    ...defaultDeployConfig('onnx-engine', bindHost),
    name,
    model: TINY_MODEL_ID,
    modelPath: TINY_DIR,
    hostPort: port,
    contextLength: 1024,
    cpus: 1,
    memoryLimitGb: 1,
  });

describe('the onnx-engine image', () => {
  it('is built by the app from resources/engine/Dockerfile, with progress', async () => {
    const before = await t.call('engine.imageStatus', {});
    expect(before).toMatchObject({ dockerReachable: true, built: false, defaultBaseImage: `${REGISTRY}/library/node:20-bookworm-slim` });
    expect(before.image).toMatch(/^slm-deck\/onnx-engine:/);

    const progress: TaskSnapshot[] = [];
    const off = t.core.bus.on('task.progress', (s) => s.kind === 'engine.buildImage' && progress.push(s));
    const done = await t.task('engine.buildImage', { baseImage: BASE });
    off();
    expect(done.error).toBeUndefined();
    expect(done.state).toBe('succeeded');
    const r = BuildImageResultSchema.parse(done.result);
    expect(r).toMatchObject({ image, baseImage: BASE });
    // Only what the engine needs: the bundle, its packages, one architecture's ORT binaries.
    expect(r.contextBytes).toBeGreaterThan(40e6);
    expect(r.contextBytes).toBeLessThan(80e6);
    expect(progress.some((p) => /^Step \d+\/\d+: /.test(p.step))).toBe(true);

    const after = await t.call('engine.imageStatus', {});
    expect(after).toMatchObject({ built: true, id: r.id });
    const info = await rawDocker().getImage(image).inspect();
    expect(info.Config.Labels).toMatchObject({ 'dev.slmdeck.component': 'onnx-engine' });
    expect(info.Config.User).toBe('1000:1000');
    expect(info.Config.ExposedPorts).toHaveProperty('8080/tcp');
    expect(info.Config.Healthcheck?.Test?.join(' ')).toContain('/health');
    expect(info.Config.Cmd?.join(' ')).toContain('exec node /app/dist/engine/main.js --model "${SLM_ENGINE_MODEL_DIR:-/model}" --host "${SLM_ENGINE_HOST:-0.0.0.0}" --port "${SLM_ENGINE_PORT:-8080}"');
  });

  it('runs as the onnx-engine backend with the model mounted read-only, and answers through the published port', async () => {
    const name = uniqueName('engine-image');
    const port = await freePort();
    const done = await deployTiny(name, port);
    expect(done.error).toBeUndefined();
    const dep = DeployResultSchema.parse(done.result).deployment;
    expect(dep).toMatchObject({ name, backend: 'onnx-engine', state: 'running', health: 'healthy' });
    expect(dep.endpoint?.url).toBe(`http://127.0.0.1:${port}`);

    const c = await inspect(`slm-deck-${name}`);
    expect(c.Config.Image).toBe(image);
    expect(c.Mounts).toEqual([expect.objectContaining({ Type: 'bind', Source: TINY_DIR, Destination: '/model', RW: false })]);
    // The deployment's context length reaches the engine (the model itself allows 4096).
    expect(await (await fetch(`http://127.0.0.1:${port}/health`)).json()).toMatchObject({ context_length: 1024 });
    // The engine names its model as the deployment's endpoint does.
    expect(((await (await fetch(`http://127.0.0.1:${port}/v1/models`)).json()) as { data: { id: string }[] }).data.map((d) => d.id)).toEqual([dep.endpoint!.model]);

    // The playground's OpenAI-compatible client, through the deployment's chat backend.
    const backend = (await t.call('chat.backends', {})).find((b) => b.id === `docker:${name}`);
    expect(backend).toMatchObject({ kind: 'openai', baseUrl: `http://127.0.0.1:${port}/v1` });
    const conv = await t.call('chat.create', { backendId: backend!.id, params: { temperature: 0 } });
    const sent = await t.call('chat.send', { conversationId: conv.id, content: 'Hello! Who are you?' });
    await t.core.chat.settled(conv.id);
    const reply = (await t.call('chat.get', { id: conv.id })).messages.find((m) => m.id === sent.assistantMessageId)!;
    expect(reply.error).toBeUndefined();
    expect(reply.content).toBe(TINY_ANSWER);

    // The seed's /reasoning endpoint answers too.
    const res = await fetch(`http://127.0.0.1:${port}/reasoning`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'Hello! Who are you?', task_type: 'reasoning', max_length: 64, temperature: 0 }),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { generated_text: string }).generated_text).toContain('tiny demo model');
  });

  it('published beyond loopback, the deployment gets its own API key: mounted as a file, required by the engine, sent by the app', async () => {
    const name = uniqueName('engine-key-deploy');
    const port = await freePort();
    const done = await deployTiny(name, port, '0.0.0.0');
    // The deploy's own readiness check (model listed, one-token chat) passed through the key.
    expect(done.error).toBeUndefined();
    const dep = DeployResultSchema.parse(done.result).deployment;
    expect(dep).toMatchObject({ name, state: 'running', health: 'healthy' });
    const keyFile = dep.endpoint!.apiKeyFile!;
    expect(keyFile).toBe(path.join(t.core.home, 'container-secrets', 'engine', name, 'api-key'));
    const key = readFileSync(keyFile, 'utf8');
    expect(key.length).toBeGreaterThanOrEqual(32);
    expect(statSync(path.dirname(keyFile)).mode & 0o777).toBe(0o700);
    expect(dep.endpoint!.curl).toContain(`Authorization: Bearer $(cat '${keyFile}')`);

    // docker inspect shows where the key is, never the key.
    const c = await inspect(`slm-deck-${name}`);
    expect(c.Config.Env).toContain('SLM_ENGINE_API_KEY_FILE=/run/secrets/slm-deck-engine-key');
    expect(c.Mounts).toContainEqual(expect.objectContaining({ Type: 'bind', Source: keyFile, Destination: '/run/secrets/slm-deck-engine-key', RW: false }));
    for (const part of [c.Config.Env, c.Config.Labels, c.Config.Cmd, c.Args, c.HostConfig]) expect(JSON.stringify(part)).not.toContain(key);

    // Without the key the published port refuses the API; probes and the monitor's /metrics stay open.
    expect((await fetch(`http://127.0.0.1:${port}/v1/models`)).status).toBe(401);
    const wrong = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', Authorization: 'Bearer not-the-key-0123456789' },
      body: JSON.stringify({ model: dep.endpoint!.model, messages: [{ role: 'user', content: 'Hi' }] }),
    });
    expect(wrong.status).toBe(401);
    expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(200);

    // The app's chat goes through the deployment with the key; what the renderer gets never holds it.
    const backends = await t.call('chat.backends', {});
    expect(JSON.stringify(backends)).not.toContain(key);
    expect(JSON.stringify(await t.call('docker.list', {}))).not.toContain(key);
    expect((await t.call('chat.backendHealth', {})).find((h) => h.id === `docker:${name}`)).toMatchObject({ answering: true });
    const conv = await t.call('chat.create', { backendId: `docker:${name}`, params: { temperature: 0 } });
    const sent = await t.call('chat.send', { conversationId: conv.id, content: 'Hello! Who are you?' });
    await t.core.chat.settled(conv.id);
    const reply = (await t.call('chat.get', { id: conv.id })).messages.find((m) => m.id === sent.assistantMessageId)!;
    expect(reply.error).toBeUndefined();
    expect(reply.content).toBe(TINY_ANSWER);

    // The benchmark measures it with the key too: every request answered.
    const benched = await t.task('bench.start', { backends: [{ backendId: `docker:${name}` }], prompts: [{ id: 'hello', prompt: 'Hello! Who are you?' }], runs: 1, concurrency: [1], warmup: 0, maxTokens: 16 });
    expect(benched.state, JSON.stringify(benched.error)).toBe('succeeded');
    const run = await t.call('bench.get', { id: (benched.result as { runId: string }).runId });
    expect(run.backends[0]).toMatchObject({ status: 'ok', error: null });
    expect(run.cells[0]).toMatchObject({ sent: 1, ok: 1, errors: 0 });

    // Redeploying keeps the key (clients holding it keep working); removing the deployment removes it.
    const again = await t.task('docker.deploy', { ...defaultDeployConfig('onnx-engine', '0.0.0.0'), name, model: TINY_MODEL_ID, modelPath: TINY_DIR, hostPort: port, contextLength: 1024, cpus: 1, memoryLimitGb: 1, replace: true });
    expect(again.error).toBeUndefined();
    expect(readFileSync(keyFile, 'utf8')).toBe(key);
    await t.call('docker.remove', { name, removeVolumes: false });
    expect(existsSync(path.dirname(keyFile))).toBe(false);
  });

  it('a deploy beyond loopback that fails its checks leaves no key behind', async () => {
    const name = uniqueName('engine-key-refused');
    const port = await freePort();
    const holder = net.createServer();
    await new Promise<void>((r) => holder.listen(port, '0.0.0.0', r));
    try {
      const done = await t.task('docker.deploy', { ...defaultDeployConfig('onnx-engine', '0.0.0.0'), name, model: TINY_MODEL_ID, modelPath: TINY_DIR, hostPort: port, cpus: 1, memoryLimitGb: 1 });
      expect(done.error).toMatchObject({ code: 'port_in_use' });
      expect(existsSync(path.join(t.core.home, 'container-secrets', 'engine', name))).toBe(false);
    } finally {
      await new Promise((r) => holder.close(r));
    }
  });

  it('with SLM_ENGINE_API_KEY_FILE naming a mounted key file, the container needs `Authorization: Bearer` on the API', async () => {
    const keyDir = mkdtempSync(path.join(os.tmpdir(), 'slm-engine-key-'));
    const key = 'container-key-0123456789abcdef';
    writeFileSync(path.join(keyDir, 'api-key'), key, { mode: 0o644 });
    chmodSync(keyDir, 0o755);
    const port = await freePort();
    const container = await rawDocker().createContainer({
      name: `slm-deck-${uniqueName('engine-key')}`,
      Image: image,
      Env: ['SLM_ENGINE_MODEL_ID=tiny', 'SLM_ENGINE_API_KEY_FILE=/run/secrets/engine/api-key'],
      ExposedPorts: { '8080/tcp': {} },
      HostConfig: {
        PortBindings: { '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: String(port) }] },
        Mounts: [
          { Type: 'bind', Source: TINY_DIR, Target: '/model', ReadOnly: true },
          { Type: 'bind', Source: keyDir, Target: '/run/secrets/engine', ReadOnly: true },
        ],
      },
    });
    try {
      await container.start();
      await expect.poll(() => fetch(`http://127.0.0.1:${port}/health`).then((r) => r.status, () => 0), { timeout: 60_000 }).toBe(200);
      expect((await fetch(`http://127.0.0.1:${port}/v1/models`)).status).toBe(401);
      const ok = await fetch(`http://127.0.0.1:${port}/v1/models`, { headers: { Authorization: `Bearer ${key}` } });
      expect(ok.status).toBe(200);
      // The key is in neither the environment nor the command line `docker inspect` shows.
      expect(JSON.stringify((await container.inspect()).Config)).not.toContain(key);
    } finally {
      await container.remove({ force: true });
    }
  });

  it('a base image Docker cannot get fails the build with a clear error', async () => {
    const done = await t.task('engine.buildImage', { baseImage: `${REGISTRY}/slm-deck/no-such-base:1` });
    expect(done.state).toBe('failed');
    expect(done.error).toMatchObject({ code: 'not_found', message: expect.stringContaining(`the base image ${REGISTRY}/slm-deck/no-such-base:1 is not available`) });
    expect(done.error?.hint).toMatch(/Node 20/);
    // The image built before is untouched.
    expect((await t.call('engine.imageStatus', {})).built).toBe(true);
  });
});
