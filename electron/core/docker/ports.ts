import { promises as fs } from 'node:fs';
import net from 'node:net';
import type { PortCheck } from '../../shared/contract/docker';

export type Holder = NonNullable<PortCheck['holder']>;

/** Tries to listen on host:port; resolves with the errno code when that fails, null when free. */
export function tryListen(host: string, port: number): Promise<string | null> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'EADDRINUSE'));
    srv.listen({ host: host.replace(/^\[|\]$/g, ''), port, exclusive: true }, () => srv.close(() => resolve(null)));
  });
}

/** Socket inodes listening on a TCP port, from /proc/net/tcp and tcp6 (Linux). */
export async function listeningInodes(port: number, procRoot = '/proc'): Promise<string[]> {
  const inodes: string[] = [];
  for (const file of ['net/tcp', 'net/tcp6']) {
    let text: string;
    try {
      text = await fs.readFile(`${procRoot}/${file}`, 'utf8');
    } catch {
      continue;
    }
    for (const row of text.split('\n').slice(1)) {
      const cols = row.trim().split(/\s+/);
      if (cols.length < 10) continue;
      const local = cols[1];
      const state = cols[3];
      const localPort = parseInt(local.slice(local.lastIndexOf(':') + 1), 16);
      // 0A = TCP_LISTEN
      if (localPort === port && state === '0A') inodes.push(cols[9]);
    }
  }
  return inodes;
}

/** The process (name and PID) owning one of these socket inodes, scanning /proc/<pid>/fd (only our own processes unless root). */
export async function processForInodes(inodes: string[], procRoot = '/proc'): Promise<{ pid: number; command: string } | null> {
  if (!inodes.length) return null;
  const wanted = new Set(inodes.map((i) => `socket:[${i}]`));
  let pids: string[];
  try {
    pids = (await fs.readdir(procRoot)).filter((d) => /^\d+$/.test(d));
  } catch {
    return null;
  }
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = await fs.readdir(`${procRoot}/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = await fs.readlink(`${procRoot}/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      if (wanted.has(target)) {
        // The process name only: a command line can carry other users' arguments and secrets.
        const command = await fs.readFile(`${procRoot}/${pid}/comm`, 'utf8').then((s) => s.trim(), () => '');
        return { pid: Number(pid), command };
      }
    }
  }
  return null;
}

export interface PortCheckOptions {
  /** Ports published by containers (any container, running or not): host port -> container name. */
  dockerPorts?: Map<number, string>;
  /** Ports other parts of this deployment will take, so a suggestion does not collide. */
  reserved?: Set<number>;
  platform?: NodeJS.Platform;
  /** The daemon runs on another host: only the ports its containers publish are known there; this machine's listeners say nothing. */
  remote?: boolean;
}

/**
 * Is host:port free to publish on? A port a container already publishes counts as taken
 * even when nothing listens on the host (Docker may forward it without a listener). When
 * taken, names the holder when it can be found and suggests the next free port.
 */
export async function checkPort(host: string, port: number, opts: PortCheckOptions = {}): Promise<PortCheck> {
  const container = opts.dockerPorts?.get(port);
  const code = container ? 'EADDRINUSE' : opts.remote ? null : await tryListen(host, port);
  const where = opts.remote ? `${host} of the Docker host` : host;
  if (code === null) return { host, port, free: true, holder: null, suggestion: null, message: `Port ${port} on ${where} is free.` };
  if (code === 'EADDRNOTAVAIL') {
    return { host, port, free: false, holder: null, suggestion: null, message: `${host} is not an address of this machine, so nothing can be published on it.` };
  }
  let holder: Holder | null = container ? { container } : null;
  if (!holder && !opts.remote && (opts.platform ?? process.platform) === 'linux') {
    const proc = await processForInodes(await listeningInodes(port));
    if (proc) holder = proc;
  }
  const suggestion = await nextFreePort(host, port + 1, opts);
  const who = holder?.container
    ? `the container ${holder.container}`
    : holder?.command
      ? `${holder.command} (pid ${holder.pid})`
      : 'another program';
  const message =
    code === 'EACCES'
      ? `Port ${port} needs administrator rights on ${host}.`
      : `Port ${port} on ${where} is already in use by ${who}.`;
  return { host, port, free: false, holder, suggestion, message };
}

export async function nextFreePort(host: string, from: number, opts: PortCheckOptions = {}): Promise<number | null> {
  for (let p = Math.max(1024, from); p < Math.min(65536, from + 200); p++) {
    if (opts.dockerPorts?.has(p) || opts.reserved?.has(p)) continue;
    if (opts.remote || (await tryListen(host, p)) === null) return p;
  }
  return null;
}
