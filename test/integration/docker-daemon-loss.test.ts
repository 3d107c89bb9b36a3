import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DockerStatus } from '../../electron/shared/contract/docker';
import { defaultDeployConfig } from '../../electron/core/backends';
import { atPlannerMinimum, cleanup, DOCKER_HOST, ensureServices, freePort, testCore, type TestCore, uniqueName } from './docker-helpers';

/**
 * The app talks to the real test daemon through a relay socket that the test can take away
 * and bring back: to the app that is exactly a daemon stopping (connections cut, socket gone)
 * and starting again, without stopping the daemon other test files use.
 */
class SocketRelay {
  readonly path: string;
  private server: net.Server | null = null;
  private conns = new Set<net.Socket>();

  constructor(private target: string) {
    this.path = path.join(mkdtempSync(path.join(os.tmpdir(), 'slm-relay-')), 'docker.sock');
  }

  async up(): Promise<void> {
    if (this.server) return;
    const server = net.createServer((client) => {
      const upstream = net.connect(this.target);
      this.conns.add(client).add(upstream);
      client.pipe(upstream).pipe(client);
      const drop = () => {
        client.destroy();
        upstream.destroy();
        this.conns.delete(client);
        this.conns.delete(upstream);
      };
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.path, resolve);
    });
    this.server = server;
  }

  async down(): Promise<void> {
    for (const c of this.conns) c.destroy();
    this.conns.clear();
    // Closing unlinks the socket file, as a stopped dockerd does.
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
    this.server = null;
  }
}

const PREFIX = 'it-loss';
let t: TestCore;
let relay: SocketRelay;

beforeAll(async () => {
  await ensureServices();
  await cleanup(PREFIX);
  relay = new SocketRelay(DOCKER_HOST.replace(/^unix:\/\//, ''));
  await relay.up();
  t = await testCore(`unix://${relay.path}`);
});
afterAll(async () => {
  await relay.up().catch(() => undefined);
  await t?.core.close();
  await relay.down();
  await cleanup(PREFIX);
});

function nextStatus(state: DockerStatus['state']): Promise<DockerStatus> {
  return new Promise((resolve) => {
    const off = t.core.bus.on('docker.status', (s) => {
      if (s.state === state) {
        off();
        resolve(s);
      }
    });
  });
}

describe('the daemon going away and coming back', () => {
  it('fails a deployment in progress with a clear error, reports "not running", and recovers on its own', async () => {
    expect((await t.call('docker.status', { refresh: true })).state).toBe('reachable');
    const name = uniqueName('loss');
    const { taskId } = await t.call('docker.deploy', atPlannerMinimum({ ...defaultDeployConfig('ollama'), name, hostPort: await freePort(), cpus: 1 }));
    // Wait until it is waiting for health, then take the daemon away.
    await new Promise<void>((resolve) => {
      const off = t.core.bus.on('task.progress', (s) => {
        if (s.id === taskId && s.step.startsWith('Waiting for')) {
          off();
          resolve();
        }
      });
    });
    // Listening to docker.status is what a window does; it keeps the background re-check going.
    const down = nextStatus('not-running');
    await relay.down();
    const failed = await t.core.tasks.wait(taskId);
    expect(failed.state).toBe('failed');
    expect(failed.error?.code).toBe('docker_unavailable');
    expect(failed.error?.message).toMatch(/Lost the connection to Docker|not running/);

    const status = await down;
    expect(status.message).toContain(relay.path);
    expect(status.hint).toMatch(/Start the Docker daemon at unix:\/\/.*or change the Docker endpoint in Settings/);
    await expect(t.call('docker.list', {})).rejects.toMatchObject({ code: 'docker_unavailable', hint: expect.stringContaining('Start the Docker daemon') });

    const back = nextStatus('reachable');
    await relay.up();
    expect((await back).version).toBeTruthy();
    const list = await t.call('docker.list', {});
    expect(list.find((d) => d.name === name)?.containers[0].name).toBe(`slm-deck-${name}`);
  });

  it('ends a log stream when the daemon goes away', async () => {
    const name = uniqueName('loss-logs');
    const done = await t.task('docker.deploy', atPlannerMinimum({ ...defaultDeployConfig('vllm-cpu'), name, hostPort: await freePort(), cpus: 1 }));
    expect(done.error).toBeUndefined();
    const { watchId } = await t.call('docker.followLogs', { name });
    const ended = new Promise<string>((resolve) => t.core.bus.on('docker.watchEnded', (e) => e.watchId === watchId && resolve(e.reason)));
    await relay.down();
    expect(await ended).not.toBe('unwatched');
    await relay.up();
    expect((await t.call('docker.status', { refresh: true })).state).toBe('reachable');
  });
});
