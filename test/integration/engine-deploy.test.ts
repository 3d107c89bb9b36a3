import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackendRegistry } from '../../electron/core/chat/backend-registry';
import { createDockerDomain } from '../../electron/core/docker';
import { createEngineHost, type EngineHost } from '../../electron/core/engine-host';
import { EventBus } from '../../electron/core/events/event-bus';
import { silentLogger } from '../../electron/core/log/logger';
import { FileSecretStore } from '../../electron/core/settings/secret-store';
import { SettingsService } from '../../electron/core/settings/settings-service';
import { TaskRegistry } from '../../electron/core/tasks/task-registry';
import { TINY_ANSWER } from '../../electron/engine/tiny-model/spec';
import type { TaskSnapshot } from '../../electron/shared/contract/app';
import { defaultDeployConfig } from '../../electron/core/backends';
import { DeployInputSchema, DeployResultSchema } from '../../electron/shared/contract/docker';
import { DEMO_MODEL_ID } from '../../electron/shared/contract/engine';
import { ROOT, tempHome } from '../helpers/serve';
import { cleanup, DOCKER_HOST, ensureServices, freePort, inspect, rawDocker, REGISTRY, uniqueName } from './docker-helpers';

/**
 * The ONNX engine in one click: a deploy of the demo model with no engine image builds the
 * image first (from the default base, node:20-bookworm-slim through the mirror), mounts the
 * bundled demo model, and ends answering, labelled as the demo wherever it is offered.
 * The image gets a tag of its own so no other suite's engine image is touched.
 */
const PREFIX = 'it-engine-deploy';
const tag = `it-${Date.now().toString(36)}`;
let engine: EngineHost;
let domain: ReturnType<typeof createDockerDomain>;
let tasks: TaskRegistry;
let bus: EventBus;
let chatBackends: BackendRegistry;

beforeAll(async () => {
  await ensureServices();
  await cleanup(PREFIX);
  const home = tempHome('slm-deck-engine-deploy-');
  bus = new EventBus();
  const settings = new SettingsService(home, new FileSecretStore(path.join(home, 'secrets')), bus, silentLogger);
  await settings.load();
  await settings.set({ dockerEndpoint: DOCKER_HOST, registryMirror: REGISTRY });
  tasks = new TaskRegistry(bus);
  chatBackends = new BackendRegistry(bus, silentLogger);
  domain = createDockerDomain({ home, bus, tasks, settings, log: silentLogger, appVersion: '0.0.0-test', engineVersion: tag, chatBackends, engineAssets: () => engine.assets });
  engine = createEngineHost({ home, bus, tasks, settings, log: silentLogger, appVersion: '0.0.0-test', engineVersion: tag, chatBackends, docker: domain.connection, appRoot: ROOT });
});

afterAll(async () => {
  await engine?.close();
  domain?.close();
  await cleanup(PREFIX);
  await rawDocker().getImage(`slm-deck/onnx-engine:${tag}`).remove({ force: true }).catch(() => undefined);
});

describe('ONNX engine one-click deploy', () => {
  it('builds the missing image, mounts the demo model, ends answering, and is labelled as the demo', async () => {
    const name = uniqueName('engine-deploy').replace(/^it-/, `${PREFIX}-`);
    const port = await freePort();
    const steps: string[] = [];
    const off = bus.on('task.progress', (s: TaskSnapshot) => s.kind === 'docker.deploy' && steps.push(s.step));
    const ctx = { transport: 'cli' as const, signal: new AbortController().signal };
    const req = DeployInputSchema.parse({ ...defaultDeployConfig('onnx-engine', '127.0.0.1', 2), model: DEMO_MODEL_ID, name, hostPort: port, memoryLimitGb: 1 });
    const done = await tasks.wait((await domain.handlers['docker.deploy'](req, ctx)).taskId);
    off();
    expect(done.error).toBeUndefined();
    const result = DeployResultSchema.parse(done.result);
    expect(result.ready?.stages.map((s) => s.stage)).toEqual(['checks', 'image', 'start', 'load', 'first-token']);
    expect(steps.some((s) => s.startsWith('Building the engine image'))).toBe(true);

    const c = await inspect(`slm-deck-${name}`);
    expect(c.Config.Image).toBe(`slm-deck/onnx-engine:${tag}`);
    expect(c.Mounts).toEqual([expect.objectContaining({ Type: 'bind', Source: path.join(ROOT, 'resources', 'models', DEMO_MODEL_ID), Destination: '/model', RW: false })]);
    expect(result.deployment.endpoint?.model).toBe(DEMO_MODEL_ID);

    // Offered as the demo, and it answers with the demo's fixed answer.
    const offered = (await chatBackends.list()).find((b) => b.id === `docker:${name}`);
    expect(offered?.label).toBe(`${name} · ONNX engine (Docker) · Demo model (tiny, offline)`);
    const res = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ model: DEMO_MODEL_ID, messages: [{ role: 'user', content: 'Hello' }] }),
    });
    const body = (await res.json()) as { choices: Array<{ message: { content: string } }> };
    expect(body.choices[0].message.content).toBe(TINY_ANSWER);
  });
});
