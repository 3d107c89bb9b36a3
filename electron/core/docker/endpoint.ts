import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import type { EndpointSourceSchema } from '../../shared/contract/docker';

export type EndpointSource = z.infer<typeof EndpointSourceSchema>;

export interface EndpointCandidate {
  /** unix:///path, npipe:////./pipe/name, tcp://host:port or ssh://user@host */
  url: string;
  source: EndpointSource;
}

export interface DiscoveryEnv {
  /** The dockerEndpoint setting: 'auto' or an explicit endpoint. */
  setting: string;
  env: NodeJS.ProcessEnv;
  home: string;
  platform: NodeJS.Platform;
  uid: number;
}

export function defaultDiscoveryEnv(setting: string): DiscoveryEnv {
  return {
    setting,
    env: process.env,
    home: os.homedir(),
    platform: process.platform,
    uid: typeof process.getuid === 'function' ? process.getuid() : -1,
  };
}

/** `/var/run/docker.sock` -> `unix:///var/run/docker.sock`; URLs are kept. */
export function normalizeEndpoint(value: string): string {
  const v = value.trim();
  if (v.startsWith('/')) return `unix://${v}`;
  if (/^[a-z]+:\/\//i.test(v)) return v;
  // DOCKER_HOST=host:2375 means tcp, as in the Docker CLI.
  return `tcp://${v}`;
}

export function isRemoteEndpoint(url: string): boolean {
  return url.startsWith('tcp://') || url.startsWith('ssh://') || url.startsWith('http://') || url.startsWith('https://');
}

/**
 * The local sockets to try, in the order users most likely have them. Explicit choices
 * (the setting, DOCKER_HOST) are handled before these by resolveEndpoint.
 */
export function socketCandidates(d: DiscoveryEnv): EndpointCandidate[] {
  if (d.platform === 'win32') {
    return [
      { url: 'npipe:////./pipe/docker_engine', source: 'windows' },
      { url: 'npipe:////./pipe/podman-machine-default', source: 'podman' },
    ];
  }
  const runtimeDir = d.env.XDG_RUNTIME_DIR || (d.uid >= 0 ? `/run/user/${d.uid}` : '');
  const list: EndpointCandidate[] = [
    { url: `unix://${path.join(d.home, '.docker', 'run', 'docker.sock')}`, source: 'docker-desktop' },
    { url: `unix://${path.join(d.home, '.docker', 'desktop', 'docker.sock')}`, source: 'docker-desktop' },
    { url: 'unix:///var/run/docker.sock', source: 'system' },
  ];
  if (runtimeDir) list.push({ url: `unix://${path.join(runtimeDir, 'docker.sock')}`, source: 'rootless' });
  if (runtimeDir) list.push({ url: `unix://${path.join(runtimeDir, 'podman', 'podman.sock')}`, source: 'podman-rootless' });
  list.push({ url: 'unix:///run/podman/podman.sock', source: 'podman' });
  if (d.platform === 'darwin') {
    list.push({
      url: `unix://${path.join(d.home, '.local', 'share', 'containers', 'podman', 'machine', 'podman.sock')}`,
      source: 'podman',
    });
  }
  return list;
}

/** Where the Docker CLI's current context points, if it is not the default one. */
export async function contextEndpoint(d: DiscoveryEnv): Promise<string | null> {
  let name = d.env.DOCKER_CONTEXT;
  const configDir = d.env.DOCKER_CONFIG || path.join(d.home, '.docker');
  if (!name) {
    try {
      const cfg = z.object({ currentContext: z.string().optional() }).safeParse(
        JSON.parse(await fs.readFile(path.join(configDir, 'config.json'), 'utf8')),
      );
      name = cfg.success ? cfg.data.currentContext : undefined;
    } catch {
      return null;
    }
  }
  if (!name || name === 'default') return null;
  const dir = createHash('sha256').update(name).digest('hex');
  try {
    const meta = z
      .object({ Endpoints: z.object({ docker: z.object({ Host: z.string() }) }) })
      .safeParse(JSON.parse(await fs.readFile(path.join(configDir, 'contexts', 'meta', dir, 'meta.json'), 'utf8')));
    return meta.success ? normalizeEndpoint(meta.data.Endpoints.docker.Host) : null;
  } catch {
    return null;
  }
}

export function socketPath(url: string): string | null {
  if (url.startsWith('unix://')) return url.slice('unix://'.length);
  if (url.startsWith('npipe://')) return url.slice('npipe://'.length);
  return null;
}

async function exists(p: string): Promise<boolean> {
  try {
    await fs.stat(p);
    return true;
  } catch (e) {
    // A socket we may not read is still there: report it so the status can say "permission denied".
    return (e as NodeJS.ErrnoException).code === 'EACCES';
  }
}

/**
 * Picks the endpoint the way the Docker CLI would: the app setting, then DOCKER_HOST, then
 * the current Docker context, then the first local socket that exists. When none exists,
 * returns the platform's usual socket so the status can say "not installed / not running".
 */
export async function resolveEndpoint(d: DiscoveryEnv): Promise<EndpointCandidate> {
  if (d.setting && d.setting !== 'auto') return { url: normalizeEndpoint(d.setting), source: 'settings' };
  if (d.env.DOCKER_HOST) return { url: normalizeEndpoint(d.env.DOCKER_HOST), source: 'env' };
  const ctx = await contextEndpoint(d);
  if (ctx) return { url: ctx, source: 'context' };
  const candidates = socketCandidates(d);
  // Named pipes cannot be probed with stat; the Docker Desktop pipe is the usual one.
  if (d.platform === 'win32') return candidates[0];
  for (const c of candidates) {
    const p = socketPath(c.url);
    if (p && (await exists(p))) return c;
  }
  if (d.platform === 'darwin') return candidates[0];
  return candidates.find((c) => c.source === 'system') ?? candidates[0];
}
