import { promises as fs } from 'node:fs';
import type Docker from 'dockerode';
import type { Backend } from '../../shared/contract/deploy-config';
import {
  DeployInputSchema,
  EndpointSchema,
  type ContainerInfo,
  type Deployment,
  type DeployRequest,
  type DeployResult,
  type DeploymentSpec,
  type GpuCheck,
  type LogLine,
  type PortCheck,
  type StatsSample,
} from '../../shared/contract/docker';
import { DeckError, isDeckError } from '../../shared/errors';
import type { EventBus } from '../events/event-bus';
import type { Logger } from '../log/logger';
import type { TaskContext } from '../tasks/task-registry';
import { composeYaml } from './compose';
import type { DockerConnection } from './connection';
import { checkDiskSpace } from './disk';
import { httpStatus, toDeckError } from './errors';
import { checkGpu } from './gpu-check';
import { waitHealthy } from './health';
import { LABEL, MANAGED_FILTER } from './labels';
import { mergeByTime, readLogs, searchLines } from './logs';
import { mirrorImage } from './mirror';
import { builtinResolveModel, type ModelResolver } from './model-ref';
import { checkPort as probePort } from './ports';
import { imageExists, pullImage } from './pull';
import { buildSpec } from './specs';
import { endpointFromLabel, withResolver, type SpecContext } from './specs/common';
import { engineModelFolder } from './specs/onnx-engine';
import { statsOnce } from './stats';
import { Watches } from './watches';

/** The planner's verdict for a config, when the hardware domain provides one. */
export type VerdictFn = (req: DeployRequest) => Promise<{ verdict: 'fits' | 'tight' | 'wont-fit'; reason: string } | null>;

export interface DockerServiceOptions {
  conn: DockerConnection;
  bus: EventBus;
  log: Logger;
  /** Current registry mirror and HF token, read at each call. */
  mirror: () => string;
  hfToken: () => Promise<string | null>;
  appVersion: string;
  engineVersion: string;
  modelsDir: string;
  resolveModel?: ModelResolver;
  verdict?: VerdictFn;
  /** Called whenever the app itself changed a deployment. */
  onChanged?: () => void;
}

type Item = Docker.ContainerInfo;

function roleOf(labels: Record<string, string> | undefined): 'server' | 'webui' {
  return labels?.[LABEL.role] === 'webui' ? 'webui' : 'server';
}

function parseJson(text: string | undefined): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** One container's view for the deployments list, from its inspect data. */
export function containerInfo(i: Docker.ContainerInspectInfo): ContainerInfo {
  const labels = i.Config.Labels ?? {};
  const health = i.State.Health?.Status;
  const started = Date.parse(i.State.StartedAt);
  const ports: ContainerInfo['ports'] = [];
  for (const [key, binds] of Object.entries(i.HostConfig.PortBindings ?? {})) {
    for (const b of (binds as Array<{ HostIp: string; HostPort: string }> | null) ?? []) {
      ports.push({ hostIp: b.HostIp, hostPort: Number(b.HostPort), containerPort: parseInt(key, 10) });
    }
  }
  return {
    id: i.Id,
    name: i.Name.replace(/^\//, ''),
    role: roleOf(labels),
    image: i.Config.Image,
    state: i.State.Status,
    // Docker keeps the last health of a stopped container; it means nothing once it is down.
    health: i.State.Running && (health === 'starting' || health === 'healthy' || health === 'unhealthy') ? health : 'none',
    startedAt: i.State.Running && Number.isFinite(started) ? started : null,
    exitCode: i.State.Running ? null : i.State.ExitCode,
    ports,
    gpuRequested: (i.HostConfig.DeviceRequests ?? []).length > 0,
  };
}

export function deploymentState(containers: ContainerInfo[]): Deployment['state'] {
  const server = containers.find((c) => c.role === 'server') ?? containers[0];
  const states = new Set(containers.map((c) => c.state));
  if (states.size > 1 && states.has('running')) return 'partial';
  if (!server) return 'stopped';
  if (server.state === 'restarting') return 'restarting';
  if (server.state === 'created') return 'created';
  if (server.state !== 'running') return 'stopped';
  if (server.health === 'starting') return 'starting';
  if (server.health === 'unhealthy') return 'unhealthy';
  return 'running';
}

/**
 * Deployments: spec -> pull -> create -> start -> healthy, and everything after
 * (list, stop, restart, remove, logs, stats, compose export). Only containers, volumes
 * and networks labelled dev.slmdeck.managed are ever touched.
 */
export class DockerService {
  readonly watches: Watches;
  private gpuChecks = new Map<string, GpuCheck>();

  constructor(private o: DockerServiceOptions) {
    this.watches = new Watches(o.bus, o.log.child('watch'));
  }

  get connection(): DockerConnection {
    return this.o.conn;
  }

  /* ------------------------------------------------------------ specs */

  specContext(arch: string, hfToken: string | null): SpecContext {
    return {
      mirror: this.o.mirror(),
      engineVersion: this.o.engineVersion,
      appVersion: this.o.appVersion,
      modelsDir: this.o.modelsDir,
      arch,
      hfToken,
      resolveModel: withResolver(this.o.resolveModel, builtinResolveModel),
    };
  }

  private hostArch(): string {
    return process.arch === 'arm64' ? 'aarch64' : 'x86_64';
  }

  /** Create options and compose file for a request, without touching Docker (no secrets in it). */
  preview(req: DeployRequest): { spec: DeploymentSpec; compose: string } {
    const spec = this.withWarnings(req, buildSpec(req, this.specContext(this.hostArch(), null)));
    return { spec, compose: composeYaml(spec, this.o.appVersion) };
  }

  private withWarnings(req: DeployRequest, spec: DeploymentSpec): DeploymentSpec {
    if (req.openWebUi && req.backend !== 'ollama') spec.warnings.push('Open WebUI is only offered with Ollama; it is not started.');
    if (!/^127\.|^::1$|^localhost$/.test(req.bindHost)) {
      spec.warnings.push(`The server is published on ${req.bindHost}: other machines that can reach it can use the model without a password.`);
    }
    return spec;
  }

  /* ------------------------------------------------------------ deploy */

  async deploy(req: DeployRequest, task: TaskContext): Promise<DeployResult> {
    const { signal } = task;
    task.update({ step: 'Checking Docker' });
    const { docker, status } = await this.o.conn.client();
    const spec = this.withWarnings(req, buildSpec(req, this.specContext(status.arch ?? this.hostArch(), await this.o.hfToken())));
    const log = this.o.log.child('deploy');
    log.info('deploy', { name: spec.name, backend: spec.backend });

    await this.checkNames(docker, spec, req.replace === true, signal);

    task.update({ step: 'Checking ports' });
    const dockerPorts = await this.publishedPorts(docker, spec.name);
    const reserved = new Set(spec.containers.map((c) => c.hostPort));
    for (const c of spec.containers) {
      const check = await probePort(req.bindHost, c.hostPort, { dockerPorts, reserved });
      if (!check.free) throw portError(check, c.role === 'webui' ? 'webUiPort' : 'hostPort');
    }

    for (const c of spec.containers) {
      const nano = c.create.HostConfig.NanoCpus;
      if (nano !== undefined && status.cpus && nano / 1e9 > status.cpus) {
        throw new DeckError(
          'insufficient_resources',
          `${c.name} asks for ${nano / 1e9} CPUs, but Docker has only ${status.cpus}.`,
          `Set the CPU limit to ${status.cpus} or less (or no limit).`,
          { field: 'cpus' },
        );
      }
      const mem = c.create.HostConfig.Memory;
      if (mem !== undefined && status.memoryBytes && mem > status.memoryBytes) {
        throw new DeckError(
          'insufficient_resources',
          `${c.name} asks for a ${(mem / 1024 ** 3).toFixed(1)} GB memory limit, but Docker has only ${(status.memoryBytes / 1024 ** 3).toFixed(1)} GB.`,
          'Lower the memory limit (Docker Desktop: raise its memory in Settings > Resources).',
          { field: 'memoryLimitGb' },
        );
      }
    }

    const wantsGpu = spec.containers.some((c) => (c.create.HostConfig.DeviceRequests ?? []).length > 0);
    if (wantsGpu && !status.gpu.available && !req.force && !req.createOnly) {
      throw new DeckError(
        'insufficient_resources',
        `Docker at ${status.endpoint} cannot give containers an NVIDIA GPU (no nvidia runtime or CDI devices).`,
        'Install the NVIDIA Container Toolkit and restart Docker, or deploy vllm-cpu / ollama on the CPU.',
      );
    }
    if (this.o.verdict && !req.force && !req.createOnly) {
      const v = await this.o.verdict(req);
      if (v?.verdict === 'wont-fit') {
        throw new DeckError('insufficient_resources', `This will not fit on this machine: ${v.reason}`, 'Lower the context length or parallel sequences, pick a smaller model form or another backend, or deploy anyway (force).');
      }
    }
    if (spec.backend === 'onnx-engine' && !status.remote) {
      const folder = engineModelFolder(req, this.specContext(status.arch ?? this.hostArch(), null));
      try {
        await fs.stat(folder);
      } catch {
        throw new DeckError('not_found', `The model folder ${folder} does not exist.`, 'Download the model on the Models page first, or give its folder as modelPath.');
      }
    }

    task.update({ step: 'Checking images' });
    const images = [...new Set(spec.containers.map((c) => c.image))];
    const missing: string[] = [];
    for (const ref of images) if (!(await imageExists(docker, ref))) missing.push(ref);
    const localOnly = missing.filter((ref) => ref.startsWith('slm-deck/onnx-engine:'));
    if (localOnly.length) {
      throw new DeckError('not_found', `The engine image ${localOnly[0]} is not built yet.`, 'Build the ONNX engine image first (Deploy page, ONNX engine card), then deploy again.');
    }
    await checkDiskSpace(spec, missing, status);
    for (const ref of missing) {
      task.update({ step: `Pulling ${ref}` });
      await pullImage(docker, ref, {
        signal,
        mirror: this.o.mirror(),
        onProgress: (u) => task.update({ ...u, step: `Pulling ${ref}: ${u.step ?? ''}` }),
      });
    }

    task.update({ step: 'Creating volumes', progress: null });
    await this.ensureVolumes(docker, spec, signal);
    if (spec.network) await this.ensureNetwork(docker, spec.network, signal);

    const created: string[] = [];
    try {
      for (const c of spec.containers) {
        task.update({ step: `Creating ${c.name}` });
        await docker.createContainer({ ...c.create, abortSignal: signal });
        created.push(c.name);
      }
      this.changed(spec.name, 'create');
      if (!req.createOnly) {
        for (const c of spec.containers) {
          task.update({ step: `Starting ${c.name}` });
          await docker.getContainer(c.name).start();
        }
        this.changed(spec.name, 'start');
      }
    } catch (e) {
      await this.removeQuietly(docker, created);
      throw toDeckError(e, `create and start ${spec.name}`, signal);
    }

    if (!req.createOnly) {
      try {
        await waitHealthy(docker, spec.containers.map((c) => c.name), {
          timeoutSec: spec.healthTimeoutSec,
          signal,
          onStep: (step, detail) => task.update({ step, ...(detail ? { detail } : {}) }),
        });
      } catch (e) {
        // Cancelled: leave nothing behind. Crashed: stop the restart loop but keep the container
        // and its logs. Timed out: keep it running, it may still be loading the model.
        if (signal.aborted) await this.removeQuietly(docker, created);
        else if (isDeckError(e) && e.code === 'server_error') {
          for (const n of created) await docker.getContainer(n).stop({ t: 5 }).catch(() => undefined);
        }
        throw toDeckError(e, `start ${spec.name}`, signal);
      }
    }

    let gpuCheck: GpuCheck | null = null;
    if (wantsGpu && !req.createOnly) {
      task.update({ step: 'Checking that the GPU is used' });
      const server = spec.containers[0].name;
      gpuCheck = await checkGpu(docker, server, await readLogs(docker, server, 500)).catch(() => null);
      if (gpuCheck) this.gpuChecks.set(spec.name, gpuCheck);
    }
    const deployment = await this.get(spec.name);
    log.info('deployed', { name: spec.name, state: deployment.state });
    return { deployment, gpuCheck };
  }

  private async checkNames(docker: Docker, spec: DeploymentSpec, replace: boolean, signal: AbortSignal): Promise<void> {
    const existing = await this.containersOf(docker, spec.name);
    if (existing.length) {
      if (!replace) {
        throw new DeckError(
          'conflict',
          `A deployment named "${spec.name}" already exists (${existing.map((c) => `${c.Names[0]?.replace(/^\//, '')}: ${c.State}`).join(', ')}).`,
          'Remove it first, choose another name, or deploy with "replace".',
        );
      }
      await this.removeQuietly(docker, existing.map((c) => c.Id));
      this.changed(spec.name, 'destroy');
    }
    for (const c of spec.containers) {
      const same = await docker.listContainers({ all: true, filters: { name: [`^/${c.name}$`] }, abortSignal: signal } as Docker.ContainerListOptions);
      if (same.length) {
        throw new DeckError(
          'conflict',
          `A container named ${c.name} exists that SLM Deck did not create.`,
          `Rename or remove it (\`docker rm -f ${c.name}\`), or give this deployment another name.`,
        );
      }
    }
  }

  /** Host ports published by any container (not just ours) except this deployment's own. */
  private async publishedPorts(docker: Docker, except?: string): Promise<Map<number, string>> {
    const map = new Map<number, string>();
    const all = await docker.listContainers({ all: true });
    for (const c of all) {
      if (except && c.Labels?.[LABEL.deployment] === except && c.Labels?.[LABEL.managed] === 'true') continue;
      const name = c.Names[0]?.replace(/^\//, '') ?? c.Id.slice(0, 12);
      for (const p of c.Ports ?? []) if (p.PublicPort) map.set(p.PublicPort, name);
      // Stopped containers keep their bindings in HostConfig; inspect would tell, but running ones are what collide now.
    }
    return map;
  }

  private async ensureVolumes(docker: Docker, spec: DeploymentSpec, signal: AbortSignal): Promise<void> {
    for (const v of spec.volumes) {
      try {
        await docker.getVolume(v.name).inspect({ abortSignal: signal });
      } catch (e) {
        if (httpStatus(e) !== 404) throw toDeckError(e, `inspect volume ${v.name}`, signal);
        await docker.createVolume({ Name: v.name, Labels: v.labels, abortSignal: signal } as Parameters<Docker['createVolume']>[0]).catch((err: unknown) => {
          throw toDeckError(err, `create volume ${v.name}`, signal);
        });
      }
    }
  }

  private async ensureNetwork(docker: Docker, net: NonNullable<DeploymentSpec['network']>, signal: AbortSignal): Promise<void> {
    try {
      await docker.getNetwork(net.name).inspect();
    } catch (e) {
      if (httpStatus(e) !== 404) throw toDeckError(e, `inspect network ${net.name}`, signal);
      await docker.createNetwork({ Name: net.name, Driver: 'bridge', Labels: net.labels, abortSignal: signal }).catch((err: unknown) => {
        throw toDeckError(err, `create network ${net.name}`, signal);
      });
    }
  }

  private async removeQuietly(docker: Docker, idsOrNames: string[]): Promise<void> {
    for (const id of idsOrNames) {
      try {
        await docker.getContainer(id).remove({ force: true });
      } catch (e) {
        this.o.log.warn('could not remove container', { id, error: e instanceof Error ? e.message : String(e) });
      }
    }
  }

  /* ------------------------------------------------------------ pull */

  async pull(image: string, viaMirror: boolean, task: TaskContext): Promise<{ image: string; id: string; sizeBytes: number }> {
    const { docker } = await this.o.conn.client();
    const mirror = viaMirror ? this.o.mirror() : '';
    const ref = mirrorImage(image, mirror);
    task.update({ step: `Pulling ${ref}` });
    const r = await pullImage(docker, ref, { signal: task.signal, mirror, onProgress: (u) => task.update(u) });
    return { image: r.ref, id: r.id, sizeBytes: r.size };
  }

  /* ------------------------------------------------------------ list and lifecycle */

  private async containersOf(docker: Docker, name: string): Promise<Item[]> {
    try {
      return await docker.listContainers({ all: true, filters: { label: [MANAGED_FILTER, `${LABEL.deployment}=${name}`] } });
    } catch (e) {
      throw this.fail(e, `list the containers of ${name}`);
    }
  }

  private fail(e: unknown, what: string): DeckError {
    const err = toDeckError(e, what);
    if (err.code === 'docker_unavailable') this.o.conn.invalidate();
    return err;
  }

  async list(): Promise<Deployment[]> {
    const { docker } = await this.o.conn.client();
    let items: Item[];
    try {
      items = await docker.listContainers({ all: true, filters: { label: [MANAGED_FILTER] } });
    } catch (e) {
      throw this.fail(e, 'list deployments');
    }
    const names = [...new Set(items.map((i) => i.Labels[LABEL.deployment]).filter((n): n is string => !!n))].sort();
    const out: Deployment[] = [];
    for (const n of names) {
      const d = await this.describe(docker, items.filter((i) => i.Labels[LABEL.deployment] === n)).catch(() => null);
      if (d) out.push(d);
    }
    return out;
  }

  async get(name: string): Promise<Deployment> {
    const { docker } = await this.o.conn.client();
    const items = await this.containersOf(docker, name);
    if (!items.length) throw new DeckError('not_found', `There is no deployment named "${name}".`, '`slm-deck ps` (or the Deploy page) lists the deployments.');
    return this.describe(docker, items);
  }

  private async describe(docker: Docker, items: Item[]): Promise<Deployment> {
    const infos = await Promise.all(items.map((i) => docker.getContainer(i.Id).inspect()));
    const containers = infos.map(containerInfo).sort((a, b) => (a.role === b.role ? 0 : a.role === 'server' ? -1 : 1));
    const serverInfo = infos.find((i) => roleOf(i.Config.Labels) === 'server') ?? infos[0];
    const labels = serverInfo.Config.Labels ?? {};
    const name = labels[LABEL.deployment];
    const endpoint = EndpointSchema.omit({ curl: true }).safeParse(parseJson(labels[LABEL.endpoint]));
    const request = DeployInputSchema.safeParse(parseJson(labels[LABEL.request]));
    const server = containers.find((c) => c.role === 'server') ?? containers[0];
    const state = deploymentState(containers);
    const item = items.find((i) => i.Id === server.id) ?? items[0];
    return {
      name,
      backend: (labels[LABEL.backend] ?? 'ollama') as Backend,
      model: labels[LABEL.model] ?? '',
      state,
      health: server.health,
      containers,
      endpoint: endpoint.success ? endpointFromLabel(endpoint.data) : null,
      request: request.success ? request.data : null,
      createdAt: item.Created * 1000,
      uptimeSeconds: server.startedAt ? Math.max(0, Math.round((Date.now() - server.startedAt) / 1000)) : null,
      gpu: this.gpuChecks.get(name) ?? null,
    };
  }

  private async ordered(name: string): Promise<{ docker: Docker; items: Item[] }> {
    const { docker } = await this.o.conn.client();
    const items = await this.containersOf(docker, name);
    if (!items.length) throw new DeckError('not_found', `There is no deployment named "${name}".`, '`slm-deck ps` (or the Deploy page) lists the deployments.');
    // Servers first when starting; the reverse when stopping.
    items.sort((a, b) => (roleOf(a.Labels) === roleOf(b.Labels) ? 0 : roleOf(a.Labels) === 'server' ? -1 : 1));
    return { docker, items };
  }

  async start(name: string): Promise<Deployment> {
    const { docker, items } = await this.ordered(name);
    for (const i of items) {
      await docker.getContainer(i.Id).start().catch((e: unknown) => {
        if (httpStatus(e) !== 304) throw this.fail(e, `start ${i.Names[0]}`);
      });
    }
    this.changed(name, 'start');
    return this.get(name);
  }

  async stop(name: string): Promise<Deployment> {
    const { docker, items } = await this.ordered(name);
    for (const i of [...items].reverse()) {
      await docker.getContainer(i.Id).stop({ t: 15 }).catch((e: unknown) => {
        if (httpStatus(e) !== 304) throw this.fail(e, `stop ${i.Names[0]}`);
      });
    }
    this.gpuChecks.delete(name);
    this.changed(name, 'stop');
    return this.get(name);
  }

  async restart(name: string): Promise<Deployment> {
    const { docker, items } = await this.ordered(name);
    for (const i of items) {
      await docker.getContainer(i.Id).restart({ t: 15 }).catch((e: unknown) => {
        throw this.fail(e, `restart ${i.Names[0]}`);
      });
    }
    this.gpuChecks.delete(name);
    this.changed(name, 'restart');
    return this.get(name);
  }

  /** Removes the containers (and the private network); volumes only when asked and when no other container uses them. */
  async remove(name: string, removeVolumes: boolean): Promise<{ containers: string[]; volumesRemoved: string[]; volumesKept: string[] }> {
    const { docker, items } = await this.ordered(name);
    const volumes = new Set<string>();
    const networks = new Set<string>();
    for (const i of items) {
      for (const m of i.Mounts ?? []) if (m.Type === 'volume' && m.Name) volumes.add(m.Name);
      for (const n of Object.keys(i.NetworkSettings?.Networks ?? {})) if (n.startsWith('slm-deck-')) networks.add(n);
    }
    const removed: string[] = [];
    for (const i of [...items].reverse()) {
      try {
        await docker.getContainer(i.Id).remove({ force: true });
        removed.push(i.Names[0]?.replace(/^\//, '') ?? i.Id);
      } catch (e) {
        if (httpStatus(e) !== 404) throw this.fail(e, `remove ${i.Names[0]}`);
      }
    }
    for (const n of networks) {
      try {
        const info = await docker.getNetwork(n).inspect();
        if (info.Labels?.[LABEL.managed] === 'true') await docker.getNetwork(n).remove();
      } catch {
        // in use by something else, or already gone
      }
    }
    const volumesRemoved: string[] = [];
    const volumesKept: string[] = [];
    for (const v of volumes) {
      if (!removeVolumes) {
        volumesKept.push(v);
        continue;
      }
      try {
        const info = await docker.getVolume(v).inspect();
        if (info.Labels?.[LABEL.managed] !== 'true') {
          volumesKept.push(v);
          continue;
        }
        await docker.getVolume(v).remove();
        volumesRemoved.push(v);
      } catch {
        // 409: another deployment still uses it (the shared model caches)
        volumesKept.push(v);
      }
    }
    this.gpuChecks.delete(name);
    this.changed(name, 'destroy');
    return { containers: removed, volumesRemoved, volumesKept };
  }

  private changed(name: string, action: string): void {
    this.o.bus.emit('docker.changed', { name, action });
    this.o.onChanged?.();
  }

  /* ------------------------------------------------------------ checks */

  async checkPort(port: number, host?: string): Promise<PortCheck> {
    let dockerPorts: Map<number, string> | undefined;
    const s = await this.o.conn.status();
    if (s.state === 'reachable') {
      try {
        const { docker } = await this.o.conn.client();
        dockerPorts = await this.publishedPorts(docker);
      } catch {
        dockerPorts = undefined;
      }
    }
    return probePort(host ?? '127.0.0.1', port, { dockerPorts });
  }

  async checkGpu(name: string): Promise<GpuCheck> {
    const { docker, items } = await this.ordered(name);
    const server = items[0];
    const result = await checkGpu(docker, server.Id, await readLogs(docker, server.Id, 500));
    this.gpuChecks.set(name, result);
    return result;
  }

  /** docker-compose.yml for an existing deployment, rebuilt from the request it was made with. */
  async compose(name: string): Promise<string> {
    const d = await this.get(name);
    if (!d.request) throw new DeckError('not_found', `The deployment "${name}" has no readable configuration label.`, 'It may have been made by an older version; deploy it again to export it.');
    return this.preview(d.request).compose;
  }

  /* ------------------------------------------------------------ logs and stats */

  /** Container names (Docker accepts them as ids), so log lines and samples carry readable names. */
  private async pick(name: string, role?: 'server' | 'webui'): Promise<{ docker: Docker; names: string[] }> {
    const { docker, items } = await this.ordered(name);
    const names = items.filter((i) => !role || roleOf(i.Labels) === role).map((i) => this.nameOf(items, i.Id));
    if (!names.length) throw new DeckError('not_found', `The deployment "${name}" has no ${role} container.`);
    return { docker, names };
  }

  private nameOf(items: Item[], id: string): string {
    return items.find((i) => i.Id === id)?.Names[0]?.replace(/^\//, '') ?? id.slice(0, 12);
  }

  async logs(name: string, opts: { role?: 'server' | 'webui'; tail?: number; search?: string }): Promise<LogLine[]> {
    const { docker, items } = await this.ordered(name);
    const chosen = items.filter((i) => !opts.role || roleOf(i.Labels) === opts.role);
    const groups = await Promise.all(chosen.map((i) => readLogs(docker, this.nameOf(items, i.Id), opts.tail ?? 200)));
    return searchLines(mergeByTime(groups), opts.search);
  }

  async followLogs(name: string, opts: { role?: 'server' | 'webui'; tail?: number }, caller: AbortSignal): Promise<string> {
    const { docker, names } = await this.pick(name, opts.role);
    return this.watches.followLogs(docker, name, names, opts.tail ?? 100, caller);
  }

  async stats(name: string): Promise<StatsSample[]> {
    const { docker, items } = await this.ordered(name);
    const running = items.filter((i) => i.State === 'running');
    if (!running.length) throw new DeckError('conflict', `The deployment "${name}" is not running.`, 'Start it to see its resource use.');
    return Promise.all(running.map((i) => statsOnce(docker, this.nameOf(items, i.Id))));
  }

  async watchStats(name: string, caller: AbortSignal): Promise<string> {
    const { docker, items } = await this.ordered(name);
    const running = items.filter((i) => i.State === 'running').map((i) => this.nameOf(items, i.Id));
    if (!running.length) throw new DeckError('conflict', `The deployment "${name}" is not running.`, 'Start it to see its resource use.');
    return this.watches.watchStats(docker, name, running, caller);
  }

  close(): void {
    this.watches.closeAll();
  }
}

function portError(check: PortCheck, field: string): DeckError {
  const who = check.holder?.container ? `stop ${check.holder.container}` : check.holder?.pid ? `stop ${check.holder.command} (pid ${check.holder.pid})` : 'stop the program using it';
  return new DeckError(
    'port_in_use',
    check.message,
    check.suggestion ? `Use port ${check.suggestion} instead, or ${who}.` : `Choose another port, or ${who}.`,
    { field, ...check },
  );
}
