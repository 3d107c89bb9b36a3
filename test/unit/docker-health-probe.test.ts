import http from 'node:http';
import type net from 'node:net';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answersWhileStarting } from '../../electron/core/docker/health';

let server: http.Server;
let port: number;
let status = 200;
const paths: string[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    paths.push(req.url ?? '');
    res.writeHead(status).end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as net.AddressInfo).port;
});
afterAll(() => new Promise((r) => server.close(r)));

/** What `docker inspect` says of a container of `backend` publishing `hostPort`. */
const info = (o: { health?: string; running?: boolean; backend?: string; role?: string; hostPort?: number; hostIp?: string }) =>
  ({
    State: { Running: o.running ?? true, Health: o.health ? { Status: o.health } : undefined },
    Config: { Labels: { 'dev.slmdeck.backend': o.backend ?? 'vllm-cpu', 'dev.slmdeck.role': o.role ?? 'server' } },
    HostConfig: { PortBindings: { '8000/tcp': [{ HostIp: o.hostIp ?? '127.0.0.1', HostPort: String(o.hostPort ?? port) }] } },
  }) as unknown as Docker.ContainerInspectInfo;

describe('answersWhileStarting (Docker has not run its first healthcheck yet)', () => {
  it('asks the backend’s health path on the published port, and a 2xx counts', async () => {
    status = 200;
    expect(await answersWhileStarting(info({ health: 'starting' }))).toBe(true);
    expect(await answersWhileStarting(info({ health: 'starting', backend: 'ollama' }))).toBe(true);
    expect(await answersWhileStarting(info({ health: 'starting', hostIp: '0.0.0.0' }))).toBe(true);
    expect(paths.slice(-3)).toEqual(['/health', '/api/tags', '/health']);
  });

  it('does not count a server that is still loading, absent, or a container Docker has already judged', async () => {
    status = 503;
    expect(await answersWhileStarting(info({ health: 'starting' }))).toBe(false);
    status = 200;
    const asked = paths.length;
    expect(await answersWhileStarting(info({ health: 'unhealthy' }))).toBe(false);
    expect(await answersWhileStarting(info({ health: 'healthy' }))).toBe(false);
    expect(await answersWhileStarting(info({}))).toBe(false);
    expect(await answersWhileStarting(info({ health: 'starting', running: false }))).toBe(false);
    expect(await answersWhileStarting(info({ health: 'starting', backend: 'not-a-backend' }))).toBe(false);
    expect(paths.length).toBe(asked);
    // Nothing listens there: refused, not thrown.
    const free = http.createServer();
    await new Promise<void>((r) => free.listen(0, '127.0.0.1', r));
    const gone = (free.address() as net.AddressInfo).port;
    await new Promise((r) => free.close(r));
    expect(await answersWhileStarting(info({ health: 'starting', hostPort: gone }))).toBe(false);
  });
});
