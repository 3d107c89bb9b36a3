import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { afterAll, beforeAll } from 'vitest';
import path from 'node:path';
import type Docker from 'dockerode';
import { createCore, type Core } from '../../electron/core/app-core';
import { createDockerClient } from '../../electron/core/docker/client';
import { LABEL, MANAGED_FILTER } from '../../electron/core/docker/labels';
import { memoryFloor } from '../../electron/core/hardware/memory-floor';
import { unwrap } from '../../electron/core/rpc/dispatcher';
import type { MethodInput, MethodName, MethodResult } from '../../electron/shared/contract';
import type { TaskSnapshot } from '../../electron/shared/contract/app';
import { DeployInputSchema } from '../../electron/shared/contract/docker';
import { ROOT, tempHome } from '../helpers/serve';

export const DOCKER_HOST = process.env.SLM_TEST_DOCKER_HOST ?? 'unix:///tmp/slm-deck-test/docker.sock';
export const REGISTRY = process.env.SLM_TEST_REGISTRY ?? 'localhost:5000';

export function rawDocker(): Docker {
  return createDockerClient(DOCKER_HOST);
}

/** The test daemon and registry must answer; start them if they do not (never skip). */
export async function ensureServices(): Promise<void> {
  try {
    await rawDocker().ping();
    const r = await fetch(`http://127.0.0.1:5000/v2/`);
    if (r.ok) return;
  } catch {
    // start them below
  }
  execFileSync('bash', [path.join(ROOT, 'test', 'services', 'up.sh')], { stdio: 'inherit' });
}

export function uniqueName(prefix: string): string {
  return `it-${prefix}-${randomBytes(3).toString('hex')}`;
}

/**
 * The request with the smallest memory limit a deploy accepts: the planner's estimate for its
 * backend, form, context and parallel requests (a smaller limit is refused). A limit is a cap,
 * not a reservation, and the stand-ins use a small part of it. Models without an estimate
 * keep the limit given.
 */
export function atPlannerMinimum<T extends Parameters<typeof memoryFloor>[0] & { memoryLimitGb?: number | null }>(req: T): T & { memoryLimitGb: number | null } {
  return { ...req, memoryLimitGb: memoryFloor(req)?.gb ?? req.memoryLimitGb ?? null };
}

export async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}

export interface TestCore {
  core: Core;
  call<M extends MethodName>(method: M, params: MethodInput<M>, signal?: AbortSignal): Promise<MethodResult<M>>;
  /** Calls a task method and waits for its final snapshot. */
  task<M extends MethodName>(method: M, params: MethodInput<M>): Promise<TaskSnapshot>;
}

/** A real core (dispatcher, tasks, settings) pointed at the test daemon through the mirror. */
export async function testCore(endpoint = DOCKER_HOST): Promise<TestCore> {
  const core = await createCore({ home: tempHome('slm-deck-docker-it-') });
  const signal = new AbortController().signal;
  const call: TestCore['call'] = async (method, params, s) =>
    unwrap(await core.dispatcher.call(method, params, { transport: 'cli', signal: s ?? signal })) as never;
  await call('settings.set', { dockerEndpoint: endpoint, registryMirror: REGISTRY });
  return {
    core,
    call,
    task: async (method, params) => {
      const { taskId } = (await call(method, params)) as unknown as { taskId: string };
      return core.tasks.wait(taskId);
    },
  };
}

/** Removes the containers and networks of deployments whose names start with the prefix, then unused managed volumes. */
export async function cleanup(prefix: string): Promise<void> {
  const docker = rawDocker();
  const list = await docker.listContainers({ all: true, filters: { label: [MANAGED_FILTER] } });
  for (const c of list) {
    if (!c.Labels[LABEL.deployment]?.startsWith(prefix)) continue;
    await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
  }
  const nets = await docker.listNetworks({ filters: { label: [MANAGED_FILTER] } });
  for (const n of nets) if (n.Name.startsWith(`slm-deck-${prefix}`)) await docker.getNetwork(n.Id).remove().catch(() => undefined);
  const vols = await docker.listVolumes({ filters: { label: [MANAGED_FILTER] } });
  // In use by another test's container: 409, left alone.
  for (const v of vols.Volumes ?? []) await docker.getVolume(v.Name).remove().catch(() => undefined);
}

export async function inspect(name: string): Promise<Docker.ContainerInspectInfo> {
  return rawDocker().getContainer(name).inspect();
}

/** Runs a shell command inside a container and waits for it (used to make a server print lines). */
export async function execIn(container: string, script: string): Promise<void> {
  const exec = await rawDocker().getContainer(container).exec({ Cmd: ['sh', '-c', script], AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  await new Promise<void>((resolve) => {
    stream.on('end', () => resolve());
    stream.resume();
  });
}

/**
 * An image standing in for slm-deck/onnx-engine: node-base with a one-line program that,
 * by TEST_MODE, serves /health, /v1/models and a one-token chat on SLM_ENGINE_PORT, exits
 * with an error, or never gets ready.
 */
export async function engineTestImage(tag: string): Promise<string> {
  const docker = rawDocker();
  const script = [
    "const m=process.env.TEST_MODE||'serve';",
    "if(m==='exit'){console.log('engine: loading /model');console.error('fatal: cannot open /model/model.onnx');process.exit(3)}",
    "if(m==='hang'){console.log('loading model shards 3/4');setInterval(()=>{},1000)}",
    // Readiness asks /v1/models for SLM_ENGINE_MODEL_ID, then a one-token chat.
    "else{const id=process.env.SLM_ENGINE_MODEL_ID||'tiny';const s=require('http').createServer((q,r)=>{r.setHeader('content-type','application/json');r.end(q.url==='/health'?'{\"status\":\"ok\"}':q.url==='/v1/chat/completions'?JSON.stringify({choices:[{index:0,message:{role:'assistant',content:'ok'},finish_reason:'length'}]}):JSON.stringify({object:'list',data:[{id}]}))});s.listen(Number(process.env.SLM_ENGINE_PORT),'0.0.0.0',()=>console.log('engine ready on '+process.env.SLM_ENGINE_PORT));process.on('SIGTERM',()=>process.exit(0))}",
  ].join('');
  const base = await docker.createContainer({ Image: `${REGISTRY}/slm-deck/node-base:20`, Cmd: ['true'] });
  try {
    await base.commit({ repo: 'slm-deck/onnx-engine', tag, changes: `CMD ${JSON.stringify(['node', '-e', script])}` });
  } finally {
    await base.remove({ force: true });
  }
  return `slm-deck/onnx-engine:${tag}`;
}

/** A Docker domain of its own, whose onnx-engine image tag is `tag` (so tests never touch the real engine image). */
export async function engineDomain(tag: string) {
  const { createDockerDomain } = await import('../../electron/core/docker');
  const { EventBus } = await import('../../electron/core/events/event-bus');
  const { silentLogger } = await import('../../electron/core/log/logger');
  const { FileSecretStore } = await import('../../electron/core/settings/secret-store');
  const { SettingsService } = await import('../../electron/core/settings/settings-service');
  const { TaskRegistry } = await import('../../electron/core/tasks/task-registry');
  const home = tempHome('slm-deck-docker-it-');
  const bus = new EventBus();
  const settings = new SettingsService(home, new FileSecretStore(path.join(home, 'secrets')), bus, silentLogger);
  await settings.load();
  await settings.set({ dockerEndpoint: DOCKER_HOST, registryMirror: REGISTRY });
  const tasks = new TaskRegistry(bus);
  const domain = createDockerDomain({ home, bus, tasks, settings, log: silentLogger, appVersion: '0.0.0-test', engineVersion: tag });
  const ctx = { transport: 'cli' as const, signal: new AbortController().signal };
  return {
    domain,
    tasks,
    bus,
    deploy: async (req: MethodInput<'docker.deploy'>): Promise<TaskSnapshot> =>
      tasks.wait((await domain.handlers['docker.deploy'](DeployInputSchema.parse(req), ctx)).taskId),
  };
}

/**
 * A suite's shared hooks: services up, leftovers of earlier runs of `prefix` removed, a core on
 * the test daemon handed to `ready`; afterwards the core closed and the prefix cleaned again.
 * Register it before the suite's own hooks, which then run after it.
 */
export function dockerSuite(prefix: string, ready: (t: TestCore) => void): void {
  let t: TestCore | undefined;
  beforeAll(async () => {
    await ensureServices();
    await cleanup(prefix);
    t = await testCore();
    ready(t);
  });
  afterAll(async () => {
    await t?.core.close();
    await cleanup(prefix);
  });
}
