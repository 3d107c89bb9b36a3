import net from 'node:net';
import { Client, type ConnectConfig } from 'ssh2';
import type { Deployment } from '../../shared/contract/docker';
import type { Logger } from '../log/logger';
import { endpointFromLabel, hostForUrl } from './specs/common';

interface Tunnel {
  key: string;
  deployment: string;
  localPort: number;
  ready: Promise<void>;
  close(): void;
}

/** The address a published port is reached on from the Docker host itself. */
function remoteAddress(hostIp: string): string {
  return hostForUrl(hostIp).replace(/^\[|\]$/g, '');
}

/**
 * Local ports that lead, over SSH, to ports a deployment published on a remote Docker host
 * (on that host's loopback). The rest of the app uses the local URL and never knows.
 */
export class SshTunnels {
  private tunnels = new Map<string, Tunnel>();

  constructor(private log: Logger) {}

  /** The deployment as seen from here: its endpoint URLs through tunnels, opened on first use. */
  async route(d: Deployment, endpointUrl: string, config: ConnectConfig): Promise<Deployment> {
    if (!d.endpoint || !(d.state === 'running' || d.state === 'starting' || d.state === 'partial')) {
      this.closeDeployment(d.name);
      return d;
    }
    const local = async (role: 'server' | 'webui'): Promise<number | null> => {
      const p = d.containers.find((c) => c.role === role)?.ports[0];
      if (!p) return null;
      const t = this.open(d.name, endpointUrl, config, remoteAddress(p.hostIp), p.hostPort);
      await t.ready;
      return t.localPort;
    };
    const server = await local('server');
    if (server === null) return d;
    const webui = d.endpoint.webUiUrl ? await local('webui') : null;
    const { curl: _curl, ...ep } = d.endpoint;
    const endpoint = endpointFromLabel({
      ...ep,
      url: `http://127.0.0.1:${server}`,
      ...(webui !== null ? { webUiUrl: `http://127.0.0.1:${webui}` } : {}),
    });
    return { ...d, endpoint };
  }

  /** Closes the tunnels of deployments that are gone. */
  retain(names: Set<string>): void {
    for (const t of [...this.tunnels.values()]) if (!names.has(t.deployment)) this.drop(t);
  }

  closeDeployment(name: string): void {
    for (const t of [...this.tunnels.values()]) if (t.deployment === name) this.drop(t);
  }

  closeAll(): void {
    for (const t of [...this.tunnels.values()]) this.drop(t);
  }

  private drop(t: Tunnel): void {
    this.tunnels.delete(t.key);
    t.close();
  }

  private open(deployment: string, endpointUrl: string, config: ConnectConfig, host: string, port: number): Tunnel {
    const key = `${endpointUrl}|${deployment}|${host}:${port}`;
    const existing = this.tunnels.get(key);
    if (existing) return existing;
    const log = this.log.child('tunnel');
    const ssh = new Client();
    const server = net.createServer((sock) => {
      ssh.forwardOut(sock.remoteAddress ?? '127.0.0.1', sock.remotePort ?? 0, host, port, (err, channel) => {
        if (err) {
          log.warn('tunnel connection failed', { deployment, port, error: err.message });
          sock.destroy();
          return;
        }
        sock.pipe(channel).pipe(sock);
        sock.on('error', () => channel.close());
        channel.on('error', () => sock.destroy());
      });
    });
    const tunnel: Tunnel = {
      key,
      deployment,
      localPort: 0,
      ready: new Promise<void>((resolve, reject) => {
        ssh.once('ready', () => {
          server.listen(0, '127.0.0.1', () => {
            tunnel.localPort = (server.address() as net.AddressInfo).port;
            log.info('tunnel open', { deployment, local: tunnel.localPort, remote: `${host}:${port}` });
            resolve();
          });
        });
        // `on`, not `once`: an SSH error with no listener would crash the app. A broken session is
        // forgotten, so the next use opens a new one.
        ssh.on('error', (e) => {
          log.warn('tunnel session failed', { deployment, error: e.message });
          if (this.tunnels.get(key) === tunnel) this.drop(tunnel);
          reject(e);
        });
      }),
      close: () => {
        server.close();
        ssh.end();
      },
    };
    ssh.on('close', () => {
      if (this.tunnels.get(key) === tunnel) this.drop(tunnel);
    });
    // An unhandled rejection would crash the process when nobody awaits a failed tunnel.
    tunnel.ready.catch(() => undefined);
    this.tunnels.set(key, tunnel);
    ssh.connect({ ...config, keepaliveInterval: 15_000 });
    return tunnel;
  }
}
