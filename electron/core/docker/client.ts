import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import Docker from 'dockerode';
import { DeckError } from '../../shared/errors';
import { socketPath } from './endpoint';

/** docker-modem honours an `agent` option; dockerode's type definitions leave it out. */
function withAgent(o: Docker.DockerOptions, agent: http.Agent): Docker.DockerOptions {
  return Object.assign(o, { agent });
}

/**
 * A dockerode client for exactly this endpoint. Every connection key is given explicitly,
 * because docker-modem otherwise merges in DOCKER_HOST from the environment.
 */
export function createDockerClient(url: string, env: NodeJS.ProcessEnv = process.env): Docker {
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
    return new Docker({
      socketPath: undefined,
      protocol: 'ssh',
      host: u.hostname,
      port: u.port || 22,
      username: decodeURIComponent(u.username) || undefined,
      sshOptions: { agent: env.SSH_AUTH_SOCK },
    });
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
