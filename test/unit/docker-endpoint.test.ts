import { createHash } from 'node:crypto';
import { chmodSync, linkSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import { afterAll, describe, expect, it } from 'vitest';
import { apiAtLeast, gpuFromInfo, probeDocker } from '../../electron/core/docker/connection';
import { normalizeEndpoint, resolveEndpoint, socketCandidates, type DiscoveryEnv } from '../../electron/core/docker/endpoint';
import { createDockerClient } from '../../electron/core/docker/client';

const servers: net.Server[] = [];
afterAll(() => servers.forEach((s) => s.close()));

function home(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'slm-deck-endpoint-'));
}

/** A real unix socket file (something listening), like a daemon's. */
async function socketAt(file: string): Promise<void> {
  mkdirSync(path.dirname(file), { recursive: true });
  const srv = net.createServer((c) => c.destroy());
  servers.push(srv);
  await new Promise<void>((r) => srv.listen(file, r));
}

const env = (h: string, over: Partial<DiscoveryEnv> = {}): DiscoveryEnv => ({
  setting: 'auto',
  env: { PATH: '' },
  home: h,
  platform: 'linux',
  uid: 4242,
  ...over,
});

describe('endpoint discovery', () => {
  it('normalises what people type', () => {
    expect(normalizeEndpoint('/var/run/docker.sock')).toBe('unix:///var/run/docker.sock');
    expect(normalizeEndpoint('10.0.0.5:2375')).toBe('tcp://10.0.0.5:2375');
    expect(normalizeEndpoint('ssh://me@gpu-box')).toBe('ssh://me@gpu-box');
  });

  it('prefers the setting, then DOCKER_HOST, then the Docker context', async () => {
    const h = home();
    expect(await resolveEndpoint(env(h, { setting: '/x/docker.sock', env: { DOCKER_HOST: 'tcp://1.2.3.4:2375' } }))).toEqual({ url: 'unix:///x/docker.sock', source: 'settings' });
    expect(await resolveEndpoint(env(h, { env: { DOCKER_HOST: 'ssh://me@box' } }))).toEqual({ url: 'ssh://me@box', source: 'env' });
    const ctxDir = path.join(h, '.docker', 'contexts', 'meta', createHash('sha256').update('remote-gpu').digest('hex'));
    mkdirSync(ctxDir, { recursive: true });
    writeFileSync(path.join(ctxDir, 'meta.json'), JSON.stringify({ Name: 'remote-gpu', Endpoints: { docker: { Host: 'tcp://gpu.lan:2376' } } }));
    writeFileSync(path.join(h, '.docker', 'config.json'), JSON.stringify({ currentContext: 'remote-gpu' }));
    expect(await resolveEndpoint(env(h))).toEqual({ url: 'tcp://gpu.lan:2376', source: 'context' });
    expect(await resolveEndpoint(env(h, { env: { DOCKER_CONTEXT: 'default' } }))).not.toMatchObject({ source: 'context' });
  });

  it('tries Docker Desktop, the system socket, rootless Docker, then Podman, in that order', () => {
    const h = '/home/me';
    expect(socketCandidates(env(h, { env: { XDG_RUNTIME_DIR: '/run/user/1000' } }))).toEqual([
      { url: 'unix:///home/me/.docker/run/docker.sock', source: 'docker-desktop' },
      { url: 'unix:///home/me/.docker/desktop/docker.sock', source: 'docker-desktop' },
      { url: 'unix:///var/run/docker.sock', source: 'system' },
      { url: 'unix:///run/user/1000/docker.sock', source: 'rootless' },
      { url: 'unix:///run/user/1000/podman/podman.sock', source: 'podman-rootless' },
      { url: 'unix:///run/podman/podman.sock', source: 'podman' },
    ]);
    // Without XDG_RUNTIME_DIR the user's runtime folder is derived from the uid.
    expect(socketCandidates(env(h)).map((c) => c.url)).toContain('unix:///run/user/4242/docker.sock');
  });

  it('picks the first socket that exists', async () => {
    const h = home();
    await socketAt(path.join(h, '.docker', 'desktop', 'docker.sock'));
    expect(await resolveEndpoint(env(h))).toEqual({ url: `unix://${h}/.docker/desktop/docker.sock`, source: 'docker-desktop' });
    await socketAt(path.join(h, '.docker', 'run', 'docker.sock'));
    expect(await resolveEndpoint(env(h))).toEqual({ url: `unix://${h}/.docker/run/docker.sock`, source: 'docker-desktop' });
  });

  it('falls back to the platform’s usual socket when none exists', async () => {
    const h = home();
    expect(await resolveEndpoint(env(h, { platform: 'darwin' }))).toEqual({ url: `unix://${h}/.docker/run/docker.sock`, source: 'docker-desktop' });
    expect(await resolveEndpoint(env(h, { platform: 'win32' }))).toEqual({ url: 'npipe:////./pipe/docker_engine', source: 'windows' });
  });
});

/** A client whose calls fail or answer as told: only for the classification of failures. */
function stubClient(behave: { ping?: () => Promise<unknown>; version?: unknown; info?: unknown }): Docker {
  return {
    ping: behave.ping ?? (async () => 'OK'),
    version: async () => behave.version,
    info: async () => behave.info,
  } as unknown as Docker;
}

const errno = (code: string) => Object.assign(new Error(`connect ${code}`), { code });

describe('status', () => {
  const cand = { url: 'unix:///var/run/docker.sock', source: 'system' as const };

  it('says "not installed" for a missing socket and no engine on PATH, "not running" when one is installed', async () => {
    const h = home();
    const missing = createDockerClient(`unix://${h}/nothing.sock`);
    const none = await probeDocker({ url: `unix://${h}/nothing.sock`, source: 'system' }, env(h), missing);
    expect(none).toMatchObject({ state: 'not-installed', hint: expect.stringMatching(/Install Docker Engine.*embedded ONNX engine/) });
    const bin = path.join(h, 'bin');
    mkdirSync(bin);
    writeFileSync(path.join(bin, 'docker'), '#!/bin/sh\n');
    chmodSync(path.join(bin, 'docker'), 0o755);
    const installed = await probeDocker({ url: `unix://${h}/nothing.sock`, source: 'system' }, env(h, { env: { PATH: bin } }), missing);
    expect(installed).toMatchObject({ state: 'not-running', hint: expect.stringMatching(/sudo systemctl start docker/) });
  });

  it('says "not running" when the socket refuses connections, with a hint for the kind of install', async () => {
    const h = home();
    const live = path.join(h, 'live.sock');
    const file = path.join(h, 'stale.sock');
    // A socket file nobody listens on any more (node unlinks its own path on close; a hard link stays).
    await socketAt(live);
    linkSync(live, file);
    await new Promise((r) => servers.pop()!.close(r));
    const s = await probeDocker({ url: `unix://${file}`, source: 'rootless' }, env(h), createDockerClient(`unix://${file}`));
    expect(s.state).toBe('not-running');
    expect(s.hint).toMatch(/systemctl --user start docker/);
  });

  it('says "permission denied" with the docker group fix', async () => {
    const s = await probeDocker(cand, env(home()), stubClient({ ping: () => Promise.reject(errno('EACCES')) }));
    expect(s).toMatchObject({ state: 'permission-denied' });
    expect(s.hint).toMatch(/usermod -aG docker/);
  });

  it('says "API too old" below 1.40, and reads GPU passthrough from runtimes and CDI devices', async () => {
    const old = await probeDocker(cand, env(home()), stubClient({ version: { Version: '18.09.1', ApiVersion: '1.39' }, info: {} }));
    expect(old).toMatchObject({ state: 'api-too-old', version: '18.09.1' });
    expect(old.hint).toMatch(/Update Docker/);
    const ok = await probeDocker(
      cand,
      env(home()),
      stubClient({
        version: { Version: '28.1.1', ApiVersion: '1.49', Components: [{ Name: 'Engine' }] },
        info: { OSType: 'linux', Architecture: 'x86_64', OperatingSystem: 'Ubuntu 24.04', Runtimes: { runc: {}, nvidia: {} }, NCPU: 16 },
      }),
    );
    expect(ok).toMatchObject({ state: 'reachable', engine: 'docker', os: 'linux', arch: 'x86_64', cpus: 16, gpu: { available: true, nvidiaRuntime: true } });
    expect(ok.message).toBe('Docker 28.1.1 is running (Ubuntu 24.04).');
    expect(gpuFromInfo({ DiscoveredDevices: [{ Source: 'cdi', ID: 'nvidia.com/gpu=all' }] })).toEqual({ available: true, nvidiaRuntime: false, cdiDevices: ['nvidia.com/gpu=all'] });
    expect(apiAtLeast('1.41', '1.40')).toBe(true);
    expect(apiAtLeast('1.9', '1.40')).toBe(false);
  });

  it('recognises Podman', async () => {
    const s = await probeDocker(
      { url: 'unix:///run/podman/podman.sock', source: 'podman' },
      env(home()),
      stubClient({ version: { Version: '5.2.0', ApiVersion: '1.41', Components: [{ Name: 'Podman Engine' }] }, info: { OSType: 'linux' } }),
    );
    expect(s).toMatchObject({ state: 'reachable', engine: 'podman', message: 'Podman 5.2.0 is running.' });
  });

  it('says "not running" when the daemon does not answer in time', async () => {
    const s = await probeDocker(cand, env(home()), stubClient({ ping: () => new Promise(() => undefined) }), 200);
    expect(s.state).toBe('not-running');
    expect(s.message).toMatch(/did not answer within/);
  });
});
