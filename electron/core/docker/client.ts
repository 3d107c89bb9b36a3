import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { DeckError } from '../../shared/errors';
import { socketPath } from './endpoint';
import { parseSshEndpoint, sshConnectConfig, type HostKeyCheck } from './ssh';

const hostKeyChecks = new WeakMap<Docker, HostKeyCheck>();

/** Why an ssh:// client's last connection refused the host key, if it did. */
export function hostKeyProblem(docker: Docker): HostKeyCheck['problem'] {
  return hostKeyChecks.get(docker)?.problem ?? null;
}

/** docker-modem honours an `agent` option; dockerode's type definitions leave it out. */
function withAgent(o: Docker.DockerOptions, agent: http.Agent): Docker.DockerOptions {
  return Object.assign(o, { agent });
}

/**
 * A dockerode client for exactly this endpoint. Every connection key is given explicitly,
 * because docker-modem otherwise merges in DOCKER_HOST from the environment.
 */
export function createDockerClient(url: string, env: NodeJS.ProcessEnv = process.env, home = os.homedir()): Docker {
  const sock = socketPath(url);
  if (sock !== null) {
    // No keep-alive: a pooled connection to a daemon that restarted fails with EPIPE; a local socket is cheap to open.
    return new Docker(withAgent({ socketPath: sock, host: undefined, port: undefined, protocol: 'http' }, new http.Agent({ keepAlive: false })));
  }
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new DeckError('invalid_input', `"${url}" is not a Docker endpoint.`, 'Use unix:///path/to/docker.sock, tcp://host:2375 or ssh://user@host.');
  }
  if (u.protocol === 'ssh:') {
    // docker-modem opens one SSH session per request and runs `docker system dial-stdio` on the host.
    const target = parseSshEndpoint(url, env);
    const { config, check } = sshConnectConfig(target, env, home);
    const docker = new Docker({ socketPath: undefined, protocol: 'ssh', host: target.host, port: target.port, username: target.username, sshOptions: config });
    hostKeyChecks.set(docker, check);
    return docker;
  }
  if (u.protocol === 'tcp:' || u.protocol === 'http:' || u.protocol === 'https:') {
    const port = u.port || (u.protocol === 'https:' ? '2376' : '2375');
    const tls = u.protocol === 'https:' || env.DOCKER_TLS_VERIFY === '1' || port === '2376';
    const certDir = env.DOCKER_CERT_PATH;
    const certs =
      tls && certDir
        ? {
            ca: readFileSync(path.join(certDir, 'ca.pem')),
            cert: readFileSync(path.join(certDir, 'cert.pem')),
            key: readFileSync(path.join(certDir, 'key.pem')),
          }
        : {};
    const agent = tls ? new https.Agent({ keepAlive: false, ...certs }) : new http.Agent({ keepAlive: false });
    return new Docker(withAgent({ socketPath: undefined, host: u.hostname, port, protocol: tls ? 'https' : 'http', ...certs }, agent));
  }
  throw new DeckError('invalid_input', `Unsupported Docker endpoint "${url}".`, 'Use unix://, tcp://, ssh:// or npipe://.');
}
