import { backendDefinition } from '../backends';
import type Docker from 'dockerode';
import { existsSync } from 'node:fs';
import type { Deployment, DeployRequest, DeployResult, DeploymentSpec, Endpoint, GpuCheck, LogLine, PortCheck, Readiness, StatsSample } from '../../shared/contract/docker';
import { DEMO_MODEL_ID } from '../../shared/contract/engine';
import { DeckError } from '../../shared/errors';
import type { EventBus } from '../events/event-bus';
import type { Logger } from '../log/logger';
import type { TaskContext } from '../tasks/task-registry';
import { composeYaml, type ComposeTarget } from './compose';
import { kubeYaml } from './kube';
import type { DockerConnection } from './connection';
import { missingFolder, runDeploy, type DeployDeps, type VerdictFn } from './deploy-task';
import type { EngineAssets } from './engine-assets';
import { describeDeployment } from './deployment-view';
import { httpStatus, toDeckError } from './errors';
import { checkGpu } from './gpu-check';
import { LABEL, MANAGED_FILTER } from './labels';
import { mergeByTime, readLogs, searchLines } from './logs';
import { mirrorImage } from './mirror';
import { builtinResolveModel, type ModelResolver } from './model-ref';
import { containerName, deploymentContainers, publishedPorts, roleOf } from './objects';
import { checkPort as probePort } from './ports';
import { pullImage } from './pull';
import { buildSpec } from './specs';
import { deploymentName, withResolver, type SpecContext } from './specs/common';
import { wantsApiKey } from './specs/onnx-engine';
import { isLoopback } from '../../shared/request-guard';
import { resolveModelFolder } from '../fs/model-folder';
import { ensureEngineKey, readEngineKey, removeEngineKey, syncTokenFolder } from './secret-mounts';
import { containerStats, statsOnce } from './stats';
import { SshTunnels } from './tunnels';
import { Watches } from './watches';

export type { VerdictFn } from './deploy-task';

export interface DockerServiceOptions {
  conn: DockerConnection;
  bus: EventBus;
  log: Logger;
  /** Current registry mirror and HF token, read at each call. */
  mirror: () => string;
  hfToken: () => Promise<string | null>;
  /** Host folder the Hugging Face token file is kept in for mounting (0700). */
  hfTokenDir: string;
  /** Host folder of the engine deployments' API keys, one sub-folder per deployment (0700). */
  engineKeysDir: string;
  appVersion: string;
  engineVersion: string;
  modelsDir: string;
  resolveModel?: ModelResolver;
  verdict?: VerdictFn;
  /** Called whenever the app itself changed a deployment. */
  onChanged?: () => void;
  /** The engine host's model store and image build, for the onnx-engine one-click deploy. */
  engineAssets?: () => EngineAssets | null;
}

type Item = Docker.ContainerInfo;

/**
 * Deployments: spec -> pull -> create -> start -> healthy, and everything after
 * (list, stop, restart, remove, logs, stats, compose export). Only containers, volumes
 * and networks labelled dev.slmdeck.managed are ever touched.
 */
export class DockerService {
  readonly watches: Watches;
  private tunnels: SshTunnels;
  private gpuChecks = new Map<string, GpuCheck>();

  constructor(private readonly deps: DockerServiceOptions) {
    this.watches = new Watches(deps.bus, deps.log.child('watch'));
    this.tunnels = new SshTunnels(deps.log);
  }

  get connection(): DockerConnection {
    return this.deps.conn;
  }

  /* ------------------------------------------------------------ specs */

  specContext(arch: string, hfTokenDir: string | null): SpecContext {
    return {
      mirror: this.deps.mirror(),
      engineVersion: this.deps.engineVersion,
      appVersion: this.deps.appVersion,
      modelsDir: this.deps.modelsDir,
      arch,
      hfTokenDir,
      resolveModel: withResolver(this.deps.resolveModel, builtinResolveModel),
    };
  }

  private hostArch(): string {
    return process.arch === 'arm64' ? 'aarch64' : 'x86_64';
  }

  /**
   * Create options and compose file for a request, without touching Docker (no secrets in it).
   * Without a target engine the file keeps to what every Docker Engine accepts.
   */
  preview(req: DeployRequest, target?: ComposeTarget): { spec: DeploymentSpec; compose: string; kube: string } {
    const spec = this.withWarnings(req, buildSpec(req, this.specContext(this.hostArch(), null)));
    return { spec, compose: composeYaml(spec, this.deps.appVersion, target), kube: kubeYaml(spec, this.deps.appVersion) };
  }

  private withWarnings(req: DeployRequest, spec: DeploymentSpec): DeploymentSpec {
    if (req.openWebUi && !backendDefinition(req.backend).info.options.includes('openWebUi')) spec.warnings.push('Open WebUI is only offered with Ollama; it is not started.');
    if (spec.endpoint.apiKeyFile) {
      spec.warnings.push(`The server is published on ${req.bindHost}: other machines that can reach it need its API key (Authorization: Bearer, kept in ${spec.endpoint.apiKeyFile}).`);
    } else if (!isLoopback(req.bindHost)) {
      spec.warnings.push(`The server is published on ${req.bindHost}: other machines that can reach it can use the model without a password.`);
    }
    return spec;
  }

  /* ------------------------------------------------------------ deploy */

  async deploy(input: DeployRequest, task: TaskContext): Promise<DeployResult> {
    task.update({ step: 'Checking Docker' });
    const { docker, status } = await this.deps.conn.client();
    let req = await this.demoFolder(input, status.remote);
    const token = await this.deps.hfToken();
    // A remote daemon cannot mount a folder of this machine: there the token is not passed (it is never put in Env).
    const hfTokenDir = status.remote ? null : await syncTokenFolder(this.deps.hfTokenDir, token);
    // An engine published beyond loopback gets its own key, mounted from this machine (so not on a remote daemon).
    const engineKeyFile = wantsApiKey(req) && !status.remote ? await ensureEngineKey(this.deps.engineKeysDir, deploymentName(req)) : null;
    const ctx = { ...this.specContext(status.arch ?? this.hostArch(), token ? hfTokenDir : null), engineKeyFile };
    // The folder is resolved through symlinks and checked here; the container mounts what was checked.
    // A remote daemon's disk cannot be read from here, so only the path's shape is checked for it.
    let folder = backendDefinition(req.backend).modelFolder?.(req, ctx) ?? null;
    if (folder !== null && !status.remote) {
      const real = await resolveModelFolder(folder, this.deps.modelsDir);
      if (real !== null && req.modelPath !== undefined) {
        req = { ...req, modelPath: real };
        folder = real;
      }
    }
    const spec = this.withWarnings(req, buildSpec(req, ctx));
    const log = this.deps.log.child('deploy');
    log.info('deploy', { name: spec.name, backend: spec.backend });
    try {
      const { gpuCheck, ready } = await runDeploy(
        {
          docker,
          status,
          spec,
          modelFolder: folder,
          apiKey: engineKeyFile ? await readEngineKey(this.deps.engineKeysDir, spec.name) : null,
          mirror: this.deps.mirror(),
          verdict: this.deps.verdict,
          log,
          changed: (action) => this.changed(spec.name, action),
          engine: this.engineSteps(req, folder, status.remote),
          ...(status.remote ? { reach: () => this.reachable(docker, spec.name) } : {}),
        },
        req,
        task,
      );
      if (gpuCheck) this.gpuChecks.set(spec.name, gpuCheck);
      const deployment = await this.get(spec.name);
      log.info('deployed', { name: spec.name, state: deployment.state });
      return { deployment, gpuCheck, ready };
    } catch (e) {
      // A deploy that left no container leaves no key (one refused as a name conflict keeps the existing deployment's).
      const left = engineKeyFile ? await deploymentContainers(docker, spec.name).catch(() => null) : null;
      if (left?.length === 0) await removeEngineKey(this.deps.engineKeysDir, spec.name);
      throw this.fail(e, `deploy ${spec.name}`, task.signal);
    }
  }

  /** The bundled demo model is mounted from the app's folder: its path goes into the spec. */
  private async demoFolder(req: DeployRequest, remote: boolean): Promise<DeployRequest> {
    const assets = this.deps.engineAssets?.();
    if (!backendDefinition(req.backend).modelFolder || req.modelPath || req.model !== DEMO_MODEL_ID || !assets || remote) return req;
    const found = await assets.modelFolder(req.model, { signal: new AbortController().signal, update: () => undefined });
    return found ? { ...req, modelPath: found.dir } : req;
  }

  /**
   * onnx-engine in one click, after the checks: the store's model downloaded when its folder
   * is missing, and the engine image built when missing. A model path given by the user is
   * used as it is; a remote daemon cannot mount this machine's store.
   */
  private engineSteps(req: DeployRequest, folder: string | null, remote: boolean): DeployDeps['engine'] {
    const assets = this.deps.engineAssets?.();
    if (!folder || !assets || remote) return undefined;
    return async (task) => {
      const stages: Readiness['stages'] = [];
      let t0 = Date.now();
      if (!req.modelPath && !existsSync(folder)) {
        const found = await assets.modelFolder(req.model, { signal: task.signal, update: (u) => task.update({ ...u, step: `Downloading ${req.model}: ${u.step ?? ''}` }) });
        if (!found) throw missingFolder(folder);
        stages.push({ stage: 'model', ms: Date.now() - t0 });
      }
      t0 = Date.now();
      const built = await assets.ensureImage({ signal: task.signal, update: (u) => task.update({ ...u, step: `Building the engine image: ${u.step ?? ''}` }) });
      if (built) stages.push({ stage: 'image', ms: Date.now() - t0 });
      task.update({ progress: null, bytesDone: undefined, bytesTotal: undefined, detail: undefined });
      return stages;
    };
  }

  /* ------------------------------------------------------------ pull */

  async pull(image: string, viaMirror: boolean, task: TaskContext): Promise<{ image: string; id: string; sizeBytes: number }> {
    const { docker } = await this.deps.conn.client();
    const mirror = viaMirror ? this.deps.mirror() : '';
    const ref = mirrorImage(image, mirror);
    task.update({ step: `Pulling ${ref}` });
    const r = await pullImage(docker, ref, { signal: task.signal, mirror, onProgress: (u) => task.update(u) });
    return { image: r.ref, id: r.id, sizeBytes: r.size };
  }

  /* ------------------------------------------------------------ list and lifecycle */

  private async containersOf(docker: Docker, name: string): Promise<Item[]> {
    try {
      return await deploymentContainers(docker, name);
    } catch (e) {
      throw this.fail(e, `list the containers of ${name}`);
    }
  }

  /** A DeckError for people; a lost connection also makes the next call re-check Docker. */
  private fail(e: unknown, what: string, signal?: AbortSignal): DeckError {
    const err = toDeckError(e, what, signal);
    if (err.code === 'docker_unavailable') this.deps.conn.invalidate();
    return err;
  }

  async list(): Promise<Deployment[]> {
    const { docker, status } = await this.deps.conn.client();
    let items: Item[];
    try {
      items = await docker.listContainers({ all: true, filters: { label: [MANAGED_FILTER] } });
    } catch (e) {
      throw this.fail(e, 'list deployments');
    }
    const names = [...new Set(items.map((i) => i.Labels[LABEL.deployment]).filter((n): n is string => !!n))].sort();
    this.tunnels.retain(new Set(names));
    const out: Deployment[] = [];
    for (const n of names) {
      const d = await this.describe(docker, items.filter((i) => i.Labels[LABEL.deployment] === n), status.remote).catch(() => null);
      if (d) out.push(d);
    }
    return out;
  }

  async get(name: string): Promise<Deployment> {
    const { docker, status } = await this.deps.conn.client();
    const items = await this.containersOf(docker, name);
    if (!items.length) throw new DeckError('not_found', `There is no deployment named "${name}".`, '`slm-deck ps` (or the Deploy page) lists the deployments.');
    return this.describe(docker, items, status.remote);
  }

  /** A deployment as this machine reaches it: on a remote SSH host, its endpoint goes through a tunnel. */
  private async describe(docker: Docker, items: Item[], remote: boolean): Promise<Deployment> {
    const d = await describeDeployment(docker, items, (name) => this.gpuChecks.get(name) ?? null, !remote);
    const login = this.deps.conn.sshLogin();
    if (!login) return d;
    try {
      return await this.tunnels.route(d, login.url, login.config);
    } catch (e) {
      this.deps.log.warn('no tunnel to a remote deployment', { name: d.name, error: e instanceof Error ? e.message : String(e) });
      return d;
    }
  }

  /** A remote deployment's endpoint from here: through a tunnel over SSH; a plain tcp:// daemon's loopback is out of reach. */
  private async reachable(docker: Docker, name: string): Promise<Endpoint | null> {
    const login = this.deps.conn.sshLogin();
    if (!login) return null;
    const d = await describeDeployment(docker, await this.containersOf(docker, name), () => null, false);
    return (await this.tunnels.route(d, login.url, login.config)).endpoint ?? null;
  }

  private async ordered(name: string): Promise<{ docker: Docker; items: Item[] }> {
    const { docker } = await this.deps.conn.client();
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
  async remove(name: string, removeVolumes: boolean): Promise<{ containers: string[]; volumesRemoved: string[]; volumesKept: string[]; volumesInUse?: string[] }> {
    const { docker, items } = await this.ordered(name);
    this.tunnels.closeDeployment(name);
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
    const volumesInUse: string[] = [];
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
      } catch (e) {
        // 409: another deployment still uses it (the shared model caches); the user is told so.
        volumesKept.push(v);
        if (httpStatus(e) === 409) volumesInUse.push(v);
      }
    }
    this.gpuChecks.delete(name);
    await removeEngineKey(this.deps.engineKeysDir, name);
    this.changed(name, 'destroy');
    return { containers: removed, volumesRemoved, volumesKept, ...(volumesInUse.length ? { volumesInUse } : {}) };
  }

  private changed(name: string, action: string): void {
    this.deps.bus.emit('docker.changed', { name, action });
    this.deps.onChanged?.();
  }

  /**
   * The key a client must send as `Authorization: Bearer` to this deployment, null when its
   * endpoint needs none. Read from the app's own key folder by name, never from a path a label names.
   */
  async apiKey(d: Deployment): Promise<string | null> {
    if (!d.endpoint?.apiKeyFile) return null;
    const key = await readEngineKey(this.deps.engineKeysDir, d.name);
    if (key === null) throw new DeckError('not_found', `The API key of the deployment "${d.name}" is missing.`, 'Deploy it again with "replace": a new key is made and mounted.');
    return key;
  }

  /* ------------------------------------------------------------ checks */

  async checkPort(port: number, host?: string): Promise<PortCheck> {
    let dockerPorts: Map<number, string> | undefined;
    const s = await this.deps.conn.status();
    if (s.state === 'reachable') {
      try {
        const { docker } = await this.deps.conn.client();
        dockerPorts = await publishedPorts(docker);
      } catch {
        dockerPorts = undefined;
      }
    }
    return probePort(host ?? '127.0.0.1', port, { dockerPorts, remote: s.remote });
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
    const d = await this.exportable(name);
    // The file is for the engine the deployment runs on (start_interval only from Engine 25).
    const status = await this.deps.conn.status();
    return this.preview(d.request, { engine: status.engine, version: status.version }).compose;
  }

  /** Kubernetes manifests for an existing deployment, rebuilt from the request it was made with. */
  async kube(name: string): Promise<string> {
    return this.preview((await this.exportable(name)).request).kube;
  }

  private async exportable(name: string): Promise<Deployment & { request: DeployRequest }> {
    const d = await this.get(name);
    if (!d.request) throw new DeckError('not_found', `The deployment "${name}" has no readable configuration label.`, 'It may have been made by an older version; deploy it again to export it.');
    return { ...d, request: { ...d.request, env: await this.envValues(name, d.request.env) } };
  }

  /** The label keeps env keys only; their values are read back from the server container's own environment. */
  private async envValues(name: string, keys: Record<string, string>): Promise<Record<string, string>> {
    if (Object.keys(keys).length === 0) return keys;
    const { docker, items } = await this.ordered(name);
    const env = (await docker.getContainer(items[0].Id).inspect()).Config.Env ?? [];
    const value = (k: string) => env.find((e) => e.startsWith(`${k}=`))?.slice(k.length + 1) ?? '';
    return Object.fromEntries(Object.keys(keys).map((k) => [k, value(k)]));
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
    const item = items.find((i) => i.Id === id);
    return item ? containerName(item) : id.slice(0, 12);
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

  /** Parsed samples of one container (id or name), about one a second, until the signal aborts: for charts. */
  async *containerStats(id: string, signal: AbortSignal): AsyncGenerator<StatsSample> {
    const { docker } = await this.deps.conn.client();
    yield* containerStats(docker, id, signal);
  }

  async watchStats(name: string, caller: AbortSignal): Promise<string> {
    const { docker, items } = await this.ordered(name);
    const running = items.filter((i) => i.State === 'running').map((i) => this.nameOf(items, i.Id));
    if (!running.length) throw new DeckError('conflict', `The deployment "${name}" is not running.`, 'Start it to see its resource use.');
    return this.watches.watchStats(docker, name, running, caller);
  }

  close(): void {
    this.watches.closeAll();
    this.tunnels.closeAll();
  }
}
