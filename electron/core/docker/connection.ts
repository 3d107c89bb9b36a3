import { promises as fs } from 'node:fs';
import path from 'node:path';
import type Docker from 'dockerode';
import { z } from 'zod';
import type { DockerStatus } from '../../shared/contract/docker';
import { DeckError } from '../../shared/errors';
import type { EventBus } from '../events/event-bus';
import type { Logger } from '../log/logger';
import { createDockerClient, hostKeyProblem } from './client';
import { defaultDiscoveryEnv, isRemoteEndpoint, resolveEndpoint, type DiscoveryEnv, type EndpointCandidate } from './endpoint';
import { connectionErrorCode } from './errors';
import { hostKeyMessage, parseSshEndpoint, sshConnectConfig } from './ssh';
import type { ConnectConfig } from 'ssh2';

export type { DockerStatus } from '../../shared/contract/docker';

/** Device requests (`--gpus`) arrived in API 1.40 (Docker 19.03); older engines cannot run GPU deployments. */
export const MIN_API_VERSION = '1.40';
const PROBE_TIMEOUT_MS = 4_000;
const CACHE_MS = 2_000;
const RECHECK_DOWN_MS = 3_000;
const RECHECK_UP_MS = 15_000;

const VersionSchema = z.object({
  Version: z.string(),
  ApiVersion: z.string(),
  Os: z.string().optional(),
  Arch: z.string().optional(),
  Components: z.array(z.object({ Name: z.string() })).nullish(),
});

const InfoSchema = z.object({
  OSType: z.string().optional(),
  Architecture: z.string().optional(),
  OperatingSystem: z.string().optional(),
  DockerRootDir: z.string().optional(),
  CgroupVersion: z.string().optional(),
  NCPU: z.number().optional(),
  MemTotal: z.number().optional(),
  DefaultRuntime: z.string().optional(),
  Runtimes: z.record(z.string(), z.unknown()).nullish(),
  DiscoveredDevices: z.array(z.object({ Source: z.string(), ID: z.string() })).nullish(),
});

/** "1.41" < "1.40"? Compares dotted numbers numerically. */
export function apiAtLeast(version: string, min: string): boolean {
  const a = version.split('.').map(Number);
  const b = min.split('.').map(Number);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x > y;
  }
  return true;
}

/** GPU passthrough as the daemon reports it: an nvidia runtime, or CDI devices (Docker 28+). */
export function gpuFromInfo(info: z.infer<typeof InfoSchema>): DockerStatus['gpu'] {
  const runtimes = Object.keys(info.Runtimes ?? {});
  const nvidiaRuntime = runtimes.includes('nvidia');
  const cdiDevices = (info.DiscoveredDevices ?? []).filter((d) => d.Source === 'cdi').map((d) => d.ID);
  return {
    available: nvidiaRuntime || cdiDevices.some((id) => id.startsWith('nvidia.com/gpu')),
    nvidiaRuntime,
    cdiDevices,
    ...(info.DefaultRuntime ? { defaultRuntime: info.DefaultRuntime } : {}),
  };
}

const NO_GPU: DockerStatus['gpu'] = { available: false, nvidiaRuntime: false, cdiDevices: [] };

async function onPath(names: string[], env: NodeJS.ProcessEnv): Promise<boolean> {
  const dirs = (env.PATH ?? '').split(path.delimiter).filter(Boolean);
  const exts = process.platform === 'win32' ? ['.exe', ''] : [''];
  for (const dir of dirs) {
    for (const n of names) {
      for (const ext of exts) {
        try {
          await fs.access(path.join(dir, n + ext));
          return true;
        } catch {
          // keep looking
        }
      }
    }
  }
  return false;
}

/** Is some container engine installed here, even if it is not running? */
export async function engineInstalled(d: DiscoveryEnv): Promise<boolean> {
  if (await onPath(['docker', 'dockerd', 'podman', 'com.docker.cli'], d.env)) return true;
  const apps =
    d.platform === 'darwin'
      ? ['/Applications/Docker.app', path.join(d.home, 'Applications', 'Docker.app')]
      : d.platform === 'win32'
        ? ['C:\\Program Files\\Docker\\Docker\\Docker Desktop.exe']
        : [];
  for (const a of apps) {
    try {
      await fs.access(a);
      return true;
    } catch {
      // not there
    }
  }
  return false;
}

function startHint(c: EndpointCandidate, platform: NodeJS.Platform): string {
  if (c.source === 'settings' || c.source === 'env' || c.source === 'context' || isRemoteEndpoint(c.url)) {
    return `Start the Docker daemon at ${c.url}, or change the Docker endpoint in Settings ("auto" finds the local one).`;
  }
  if (c.source === 'docker-desktop' || c.source === 'windows' || platform === 'darwin' || platform === 'win32') {
    return 'Start Docker Desktop and wait until it says "Engine running"; SLM Deck notices by itself.';
  }
  if (c.source === 'rootless') return 'Start rootless Docker: `systemctl --user start docker`.';
  if (c.source === 'podman-rootless') return 'Start the Podman API socket: `systemctl --user start podman.socket`.';
  if (c.source === 'podman') return 'Start the Podman API socket: `sudo systemctl start podman.socket`.';
  return 'Start Docker: `sudo systemctl start docker` (and `sudo systemctl enable docker` to start it at boot).';
}

function installHint(platform: NodeJS.Platform): string {
  const app = platform === 'linux' ? 'Docker Engine (docs.docker.com/engine/install) or Podman' : 'Docker Desktop (docs.docker.com/get-docker)';
  return `Install ${app}, or deploy with the embedded ONNX engine, which needs no Docker.`;
}

/** One status check against one endpoint. Never throws: every failure becomes a state with a hint. */
export async function probeDocker(
  candidate: EndpointCandidate,
  d: DiscoveryEnv,
  client: Docker,
  timeoutMs = PROBE_TIMEOUT_MS,
): Promise<DockerStatus> {
  const base = { endpoint: candidate.url, source: candidate.source, checkedAt: Date.now(), gpu: NO_GPU, remote: isRemoteEndpoint(candidate.url) };
  const signal = AbortSignal.timeout(timeoutMs);
  let version: z.infer<typeof VersionSchema>;
  let info: z.infer<typeof InfoSchema>;
  try {
    // dockerode accepts abortSignal on these calls; its type definitions do not say so.
    const opts: unknown = { abortSignal: signal };
    // Raced against the timeout too: an ssh tunnel or a wedged daemon may ignore the abort.
    const timedOut = new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
    const [v, i] = await Promise.race([
      (async () => {
        await (client.ping as (o: unknown) => Promise<unknown>).call(client, opts);
        return Promise.all([
          (client.version as (o: unknown) => Promise<unknown>).call(client, opts),
          (client.info as (o: unknown) => Promise<unknown>).call(client, opts),
        ]);
      })(),
      timedOut,
    ]);
    const pv = VersionSchema.safeParse(v);
    const pi = InfoSchema.safeParse(i);
    if (!pv.success || !pi.success) {
      return { ...base, state: 'error', message: `The endpoint ${candidate.url} answered, but not like a Docker engine.`, hint: 'Check the Docker endpoint in Settings.' };
    }
    version = pv.data;
    info = pi.data;
  } catch (e) {
    const refused = hostKeyProblem(client);
    if (refused) return { ...base, state: 'error', ...hostKeyMessage(refused) };
    const code = connectionErrorCode(e) ?? (signal.aborted ? 'ETIMEDOUT' : null);
    if (code === 'ENOENT') {
      const installed = await engineInstalled(d);
      return installed
        ? { ...base, state: 'not-running', message: `Docker is installed but not running (no socket at ${candidate.url}).`, hint: startHint(candidate, d.platform) }
        : { ...base, state: 'not-installed', message: 'No Docker or Podman engine was found on this machine.', hint: installHint(d.platform) };
    }
    if (code === 'EACCES' || code === 'EPERM') {
      return {
        ...base,
        state: 'permission-denied',
        message: `Permission denied on ${candidate.url}.`,
        hint:
          candidate.source === 'system'
            ? 'Add your user to the docker group: `sudo usermod -aG docker $USER`, then log out and back in (or run `newgrp docker`).'
            : 'Your user may not open this socket; fix its permissions or pick another Docker endpoint in Settings.',
      };
    }
    if (code === 'ECONNREFUSED' || code === 'ETIMEDOUT' || code === 'ECONNRESET' || code === 'EPIPE' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'ENOTFOUND') {
      const what = code === 'ETIMEDOUT' ? `did not answer within ${Math.round(timeoutMs / 1000)} s` : `refused the connection (${code})`;
      return { ...base, state: 'not-running', message: `Docker at ${candidate.url} ${what}.`, hint: startHint(candidate, d.platform) };
    }
    const msg = e instanceof Error ? e.message : String(e);
    return { ...base, state: 'error', message: `Docker at ${candidate.url} failed: ${msg}`, hint: 'Check the Docker endpoint in Settings and the daemon\'s own log.' };
  }

  const engine = (version.Components ?? []).some((c) => /podman/i.test(c.Name)) ? 'podman' : 'docker';
  const engineName = engine === 'podman' ? 'Podman' : 'Docker';
  const details = {
    engine,
    version: version.Version,
    apiVersion: version.ApiVersion,
    os: info.OSType ?? version.Os,
    arch: info.Architecture ?? version.Arch,
    ...(info.OperatingSystem ? { operatingSystem: info.OperatingSystem } : {}),
    ...(info.DockerRootDir ? { dataRoot: info.DockerRootDir } : {}),
    ...(info.CgroupVersion ? { cgroupVersion: info.CgroupVersion } : {}),
    ...(info.NCPU !== undefined ? { cpus: info.NCPU } : {}),
    ...(info.MemTotal !== undefined ? { memoryBytes: info.MemTotal } : {}),
    gpu: gpuFromInfo(info),
  } as const;
  if (!apiAtLeast(version.ApiVersion, MIN_API_VERSION)) {
    return {
      ...base,
      ...details,
      state: 'api-too-old',
      message: `${engineName} ${version.Version} speaks API ${version.ApiVersion}; SLM Deck needs ${MIN_API_VERSION} or newer.`,
      hint: 'Update Docker to 19.03 or newer (Docker Desktop: Check for updates).',
    };
  }
  const where = info.OperatingSystem ? ` (${info.OperatingSystem})` : '';
  return { ...base, ...details, state: 'reachable', message: `${engineName} ${version.Version} is running${where}.` };
}

export interface DockerConnectionOptions {
  /** The dockerEndpoint setting, read on every check so a change applies at once. */
  endpointSetting: () => string;
  log: Logger;
  bus?: EventBus;
  discovery?: (setting: string) => DiscoveryEnv;
}

/**
 * The app's one way to Docker: resolves the endpoint, caches a short-lived status, hands
 * out a client only when the engine is reachable, and re-checks in the background while
 * someone is listening, so the UI recovers on its own when the daemon comes back.
 */
export class DockerConnection {
  private current: DockerStatus | null = null;
  private currentSetting = '';
  private client_: { url: string; docker: Docker } | null = null;
  private inflight: { setting: string; promise: Promise<DockerStatus> } | null = null;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private resolved: { candidate: EndpointCandidate; d: DiscoveryEnv } | null = null;

  constructor(private opts: DockerConnectionOptions) {}

  /** The engine's status; cached for two seconds unless `refresh`. Never throws. */
  async status(opts: { refresh?: boolean } = {}): Promise<DockerStatus> {
    const setting = this.opts.endpointSetting();
    if (!opts.refresh && this.current && this.currentSetting === setting && Date.now() - this.current.checkedAt < CACHE_MS) return this.current;
    // Join a check in flight only if it is for the same endpoint setting.
    if (this.inflight?.setting === setting) return this.inflight.promise;
    const promise = this.check(setting).finally(() => {
      if (this.inflight?.promise === promise) this.inflight = null;
    });
    this.inflight = { setting, promise };
    return promise;
  }

  /** A client for a reachable engine, or a docker_unavailable error with the status hint. */
  async client(): Promise<{ docker: Docker; status: DockerStatus }> {
    let s = await this.status();
    if (s.state !== 'reachable' && Date.now() - s.checkedAt > 500) s = await this.status({ refresh: true });
    if (s.state !== 'reachable' || !this.client_) {
      throw new DeckError('docker_unavailable', s.message, s.hint);
    }
    return { docker: this.client_.docker, status: s };
  }

  /** For an ssh:// endpoint: where it leads and how to log in (tunnels use it); null for local or TCP endpoints. */
  sshLogin(): { url: string; config: ConnectConfig } | null {
    const r = this.resolved;
    if (!r || !r.candidate.url.startsWith('ssh://')) return null;
    return { url: r.candidate.url, config: sshConnectConfig(parseSshEndpoint(r.candidate.url, r.d.env), r.d.env, r.d.home).config };
  }

  /** Call after a request failed with a connection error: the next call re-checks. */
  invalidate(): void {
    if (this.current) this.current = { ...this.current, checkedAt: 0 };
    this.schedule(250);
  }

  /** Re-check periodically while anyone listens to docker.status / docker.changed. Timers never keep the process alive. */
  startBackground(): void {
    if (this.timer || this.closed) return;
    this.schedule(0);
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private listening(): boolean {
    const bus = this.opts.bus;
    return !!bus && (bus.listenerCount('docker.status') > 0 || bus.listenerCount('docker.changed') > 0);
  }

  private schedule(ms: number): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      const next = () => this.schedule(this.current?.state === 'reachable' ? RECHECK_UP_MS : RECHECK_DOWN_MS);
      if (!this.listening()) return next();
      this.status({ refresh: true }).then(next, next);
    }, ms);
    this.timer.unref();
  }

  private async check(setting: string): Promise<DockerStatus> {
    const d = (this.opts.discovery ?? defaultDiscoveryEnv)(setting);
    let candidate: EndpointCandidate;
    let docker: Docker;
    try {
      candidate = await resolveEndpoint(d);
      docker = this.client_?.url === candidate.url ? this.client_.docker : createDockerClient(candidate.url, d.env, d.home);
    } catch (e) {
      const s: DockerStatus = {
        state: 'error',
        endpoint: d.setting,
        source: 'settings',
        message: e instanceof Error ? e.message : String(e),
        hint: 'Fix the Docker endpoint in Settings, or set it to "auto".',
        checkedAt: Date.now(),
        gpu: NO_GPU,
        remote: false,
      };
      return this.publish(s, setting);
    }
    const status = await probeDocker(candidate, d, docker);
    // A newer check for another setting may have finished meanwhile; keep the newest setting's result.
    if (setting !== this.opts.endpointSetting()) return status;
    this.client_ = { url: candidate.url, docker };
    this.resolved = { candidate, d };
    return this.publish(status, setting);
  }

  private publish(s: DockerStatus, setting: string): DockerStatus {
    const prev = this.current;
    this.current = s;
    this.currentSetting = setting;
    if (!prev || prev.state !== s.state || prev.endpoint !== s.endpoint || prev.version !== s.version) {
      this.opts.log.info('docker status', { state: s.state, endpoint: s.endpoint, version: s.version });
      this.opts.bus?.emit('docker.status', s);
    }
    return s;
  }
}
