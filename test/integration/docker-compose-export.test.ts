import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { defaultDeployConfig } from '../../electron/core/backends';
import { type DeployInput } from '../../electron/shared/contract/docker';
import { atPlannerMinimum, DOCKER_HOST, dockerSuite, freePort, inspect, rawDocker, type TestCore, uniqueName } from './docker-helpers';

const PREFIX = 'it-compose';
let t: TestCore;

dockerSuite(PREFIX, (core) => (t = core));

/** compose sizes ("4g", "1536m") and durations ("10s", "1500ms") back to Docker's numbers. */
function bytes(v: string): number {
  const m = /^(\d+(?:\.\d+)?)([bkmg])$/.exec(v);
  if (!m) throw new Error(`bad size ${v}`);
  return Number(m[1]) * { b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2] as 'b' | 'k' | 'm' | 'g'];
}
function ns(v: string): number {
  const m = /^(\d+)(ms|s)$/.exec(v);
  if (!m) throw new Error(`bad duration ${v}`);
  return Number(m[1]) * (m[2] === 's' ? 1e9 : 1e6);
}

interface Service {
  image: string;
  container_name: string;
  command?: string[];
  environment?: Record<string, string>;
  ports: string[];
  volumes?: Array<{ type: string; source: string; target: string; read_only?: boolean }>;
  labels: Record<string, string>;
  restart: string;
  healthcheck: { test: string[]; interval: string; timeout: string; retries: number; start_period: string };
  shm_size?: string;
  cap_add?: string[];
  security_opt?: string[];
  networks?: string[];
  deploy?: { resources: { limits?: { memory?: string; cpus?: string }; reservations?: { devices: Array<{ driver: string; count?: string; device_ids?: string[]; capabilities: string[] }> } } };
}

/** What the image itself brings (ENV, LABEL), so only what the app set is compared. */
async function imageDefaults(image: string): Promise<{ env: Set<string>; labels: Record<string, string>; cmd: string[] | null }> {
  const i = await rawDocker().getImage(image).inspect();
  return { env: new Set(i.Config.Env ?? []), labels: i.Config.Labels ?? {}, cmd: i.Config.Cmd ?? null };
}

/** Field by field: the compose service against `docker inspect` of the container the app created. */
async function expectSameAsContainer(svc: Service, c: Docker.ContainerInspectInfo): Promise<void> {
  const img = await imageDefaults(c.Config.Image);
  expect(svc.image).toBe(c.Config.Image);
  expect(svc.container_name).toBe(c.Name.replace(/^\//, ''));
  // No command in the file means the image's own CMD, as the app left it.
  expect(svc.command ?? img.cmd).toEqual(c.Config.Cmd);
  const ownEnv = (c.Config.Env ?? []).filter((e) => !img.env.has(e));
  expect(Object.entries(svc.environment ?? {}).map(([k, v]) => `${k}=${v}`).sort()).toEqual(ownEnv.sort());
  const bindings = Object.entries(c.HostConfig.PortBindings ?? {}).flatMap(([key, list]) =>
    (list as Array<{ HostIp: string; HostPort: string }>).map((b) => `${b.HostIp}:${b.HostPort}:${parseInt(key, 10)}`),
  );
  expect(svc.ports).toEqual(bindings);
  expect((svc.volumes ?? []).map((v) => ({ Type: v.type, Source: v.source, Target: v.target, ReadOnly: v.read_only ?? false }))).toEqual(
    (c.HostConfig.Mounts ?? []).map((m) => ({ Type: m.Type, Source: m.Source, Target: m.Target, ReadOnly: m.ReadOnly ?? false })),
  );
  const ownLabels = Object.fromEntries(Object.entries(c.Config.Labels ?? {}).filter(([k, v]) => img.labels[k] !== v));
  expect(svc.labels).toEqual(ownLabels);
  expect(svc.restart).toBe(c.HostConfig.RestartPolicy?.Name);
  const hc = c.Config.Healthcheck!;
  expect(svc.healthcheck.test).toEqual(hc.Test);
  expect(ns(svc.healthcheck.interval)).toBe(hc.Interval);
  expect(ns(svc.healthcheck.timeout)).toBe(hc.Timeout);
  expect(ns(svc.healthcheck.start_period)).toBe(hc.StartPeriod);
  expect(svc.healthcheck.retries).toBe(hc.Retries);
  // No shm_size means Docker's default of 64 MiB, as the app left it.
  expect(svc.shm_size ? bytes(svc.shm_size) : 64 * 1024 * 1024).toBe(c.HostConfig.ShmSize);
  expect(svc.cap_add ?? null).toEqual(c.HostConfig.CapAdd ?? null);
  expect(svc.security_opt ?? null).toEqual(c.HostConfig.SecurityOpt ?? null);
  expect(svc.networks?.[0] ?? 'default').toBe(c.HostConfig.NetworkMode);
  const limits = svc.deploy?.resources.limits;
  expect(limits?.memory ? bytes(limits.memory) : 0).toBe(c.HostConfig.Memory ?? 0);
  expect(limits?.cpus ? Number(limits.cpus) * 1e9 : 0).toBe(c.HostConfig.NanoCpus ?? 0);
  const devices = svc.deploy?.resources.reservations?.devices ?? [];
  expect(devices.map((d) => ({ Driver: d.driver, DeviceIDs: d.device_ids ?? null, Count: d.count === 'all' ? -1 : d.device_ids ? 0 : Number(d.count), Capabilities: [d.capabilities] }))).toEqual(
    (c.HostConfig.DeviceRequests ?? []).map((r) => ({ Driver: r.Driver, DeviceIDs: r.DeviceIDs ?? null, Count: r.Count, Capabilities: r.Capabilities })),
  );
}

async function exportAndCompare(req: DeployInput & { name: string }): Promise<Record<string, Service>> {
  const done = await t.task('docker.deploy', { ...req, createOnly: true });
  expect(done.error).toBeUndefined();
  const { yaml } = await t.call('docker.compose', { name: req.name });
  const doc = parse(yaml) as { services: Record<string, Service>; volumes?: Record<string, { name: string; labels: Record<string, string> }>; networks?: Record<string, { name: string; labels: Record<string, string> }> };
  expect(yaml).toContain(`docker compose -p slm-deck-${req.name} up -d`);
  // One-shot steps (the Ollama model pull) have no app-made twin.
  for (const [key, svc] of Object.entries(doc.services).filter(([k]) => !k.endsWith('-init'))) {
    expect(key).toBe(svc.container_name);
    await expectSameAsContainer(svc, await inspect(svc.container_name));
  }
  for (const v of Object.values(doc.volumes ?? {})) {
    expect((await rawDocker().getVolume(v.name).inspect()).Labels).toEqual(v.labels);
  }
  for (const n of Object.values(doc.networks ?? {})) {
    expect((await rawDocker().getNetwork(n.name).inspect()).Labels).toEqual(n.labels);
  }
  return doc.services;
}

describe('compose export equals what the app creates', () => {
  it('Ollama with Open WebUI: two services, shared network and volumes', async () => {
    const name = uniqueName('compose-ollama');
    const services = await exportAndCompare(atPlannerMinimum({ ...defaultDeployConfig('ollama'), name, hostPort: await freePort(), openWebUi: true, webUiPort: await freePort(), cpus: 1, env: { OLLAMA_DEBUG: '1' } }));
    expect(Object.keys(services)).toEqual([`slm-deck-${name}`, `slm-deck-${name}-webui`, `slm-deck-${name}-init`]);
    // The Kubernetes export of the same deployment carries the same request.
    const kube = parseAllDocuments((await t.call('docker.kube', { name })).yaml).map((d) => d.toJS() as { kind: string; metadata: { name: string; annotations?: Record<string, string> } });
    const server = kube.find((d) => d.kind === 'Deployment' && d.metadata.name === `slm-deck-${name}`);
    const annotated = JSON.parse(server?.metadata.annotations?.['dev.slmdeck.request'] ?? '{}') as { backend: string; env: Record<string, string> };
    expect(annotated.backend).toBe('ollama');
    expect(Object.keys(annotated.env)).toEqual(['OLLAMA_DEBUG']);
  });

  it('vLLM CPU: command, shm size, capabilities and security options', async () => {
    const name = uniqueName('compose-vllm-cpu');
    const services = await exportAndCompare(atPlannerMinimum({ ...defaultDeployConfig('vllm-cpu'), name, hostPort: await freePort(), cpus: 2 }));
    // The comparison checks these only when present: make sure the export has them.
    expect(services[`slm-deck-${name}`].command).toContain('--max-model-len');
    expect(services[`slm-deck-${name}`].shm_size).toBeDefined();
  });

  it('llama.cpp: the llama-server command, the cache volume and its environment', async () => {
    const name = uniqueName('compose-llama');
    const services = await exportAndCompare(atPlannerMinimum({ ...defaultDeployConfig('llama-cpp'), name, hostPort: await freePort(), cpus: 1, llamaCpp: { kvCacheType: 'q8_0' } }));
    expect(services[`slm-deck-${name}`].command).toEqual(expect.arrayContaining(['-hf', '--jinja', '--metrics', '--cache-type-k', 'q8_0']));
  });

  it('vLLM GPU: the GPU reservation', async () => {
    const name = uniqueName('compose-vllm-gpu');
    await exportAndCompare({ ...defaultDeployConfig('vllm-gpu'), name, hostPort: await freePort(), gpus: ['all'], memoryLimitGb: 2 });
    const name2 = uniqueName('compose-vllm-gpu');
    await exportAndCompare({ ...defaultDeployConfig('vllm-gpu'), name: name2, hostPort: await freePort(), gpus: ['0', '1'], memoryLimitGb: 2 });
  });
});

const run = promisify(execFile);

/** Debian's docker-compose (1.29, installed by test/services/up.sh) against the test daemon. */
async function dockerCompose(dir: string, project: string, ...args: string[]): Promise<void> {
  await run('docker-compose', ['-p', project, '-f', path.join(dir, 'docker-compose.yml'), ...args], {
    cwd: dir,
    env: { ...process.env, DOCKER_HOST, HF_TOKEN: '' },
  });
}

async function healthy(name: string, timeoutMs: number): Promise<Docker.ContainerInspectInfo> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const c = await inspect(name);
    if (c.State.Health?.Status === 'healthy') return c;
    if (Date.now() > deadline) throw new Error(`${name} is ${c.State.Health?.Status ?? c.State.Status}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe('a compose export runs on Docker Engine 20.10', () => {
  it('docker-compose up starts the vLLM CPU server with its values unchanged, and it answers', async () => {
    const name = uniqueName('compose-up');
    const hostPort = await freePort();
    const { compose } = await t.call('docker.preview', atPlannerMinimum({ ...defaultDeployConfig('vllm-cpu'), name, hostPort, cpus: 1, env: { DB_PASSWORD: 'pa$word', NOTE: '${HOME} costs $5' } }));
    const dir = mkdtempSync(path.join(os.tmpdir(), 'slm-deck-compose-'));
    writeFileSync(path.join(dir, 'docker-compose.yml'), compose);
    const project = `slm-deck-${name}`;
    try {
      await dockerCompose(dir, project, 'up', '-d');
      const c = await healthy(`slm-deck-${name}`, 60_000);
      expect(c.Config.Env).toEqual(expect.arrayContaining(['DB_PASSWORD=pa$word', 'NOTE=${HOME} costs $5']));
      const models = (await (await fetch(`http://127.0.0.1:${hostPort}/v1/models`)).json()) as { data: Array<{ id: string }> };
      expect(models.data.map((m) => m.id)).toContain('microsoft/Phi-4-mini-instruct');
      // The app sees it as its own deployment, made from the same request.
      const d = (await t.call('docker.list', {})).find((x) => x.name === name);
      expect(Object.keys(d?.request?.env ?? {}).sort()).toEqual(['DB_PASSWORD', 'NOTE']);
    } finally {
      await dockerCompose(dir, project, 'down');
    }
  });
});
