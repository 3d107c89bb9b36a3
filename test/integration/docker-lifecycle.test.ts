import { writeFileSync } from 'node:fs';
import path from 'node:path';
import net from 'node:net';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { defaultDeployConfig } from '../../electron/core/backends';
import { type LogLine, type StatsSample } from '../../electron/shared/contract/docker';
import { tempHome } from '../helpers/serve';
import { atPlannerMinimum, cleanup, dockerSuite, engineDomain, engineTestImage, execIn, freePort, inspect, rawDocker, REGISTRY, type TestCore, uniqueName } from './docker-helpers';

const PREFIX = 'it-life';
let t: TestCore;
let name: string;
let port: number;
/** One limit for every Ollama deployment here (the planner's minimum at the defaults), so stats can name it. */
const OLLAMA_LIMIT_GB = atPlannerMinimum(defaultDeployConfig('ollama')).memoryLimitGb!;
/** What the kernel enforces for it: cgroups round a limit down to whole 4 KiB pages. */
const OLLAMA_LIMIT_BYTES = Math.floor(Math.round(OLLAMA_LIMIT_GB * 1024 ** 3) / 4096) * 4096;

dockerSuite(PREFIX, (core) => (t = core));
beforeAll(async () => {
  name = uniqueName('life');
  port = await freePort();
  const done = await t.task('docker.deploy', { ...defaultDeployConfig('ollama'), name, hostPort: port, cpus: 1, memoryLimitGb: OLLAMA_LIMIT_GB });
  if (done.state !== 'succeeded') throw new Error(`setup deploy failed: ${JSON.stringify(done.error)}`);
});

describe('lifecycle', () => {
  it('stops, starts and restarts, and the list follows', async () => {
    const stopped = await t.call('docker.stop', { name });
    expect(stopped).toMatchObject({ state: 'stopped', health: 'none', uptimeSeconds: null });
    expect((await inspect(`slm-deck-${name}`)).State.Running).toBe(false);
    await expect(fetch(`http://127.0.0.1:${port}/api/tags`)).rejects.toThrow();
    // Stopping twice is not an error.
    expect((await t.call('docker.stop', { name })).state).toBe('stopped');

    const started = await t.call('docker.start', { name });
    expect(started.state).toMatch(/running|starting/);
    expect((await inspect(`slm-deck-${name}`)).State.Running).toBe(true);
    const before = (await inspect(`slm-deck-${name}`)).State.StartedAt;
    await t.call('docker.restart', { name });
    expect((await inspect(`slm-deck-${name}`)).State.StartedAt).not.toBe(before);
  });

  it('refuses a second deployment with the same name, and replaces it when asked', async () => {
    const again = await t.task('docker.deploy', { ...defaultDeployConfig('ollama'), name, hostPort: port, cpus: 1, memoryLimitGb: OLLAMA_LIMIT_GB });
    expect(again.error).toMatchObject({ code: 'conflict', message: expect.stringContaining(`A deployment named "${name}" already exists`) });
    const oldId = (await inspect(`slm-deck-${name}`)).Id;
    const replaced = await t.task('docker.deploy', { ...defaultDeployConfig('ollama'), name, hostPort: port, cpus: 1, parallel: 2, replace: true, memoryLimitGb: OLLAMA_LIMIT_GB });
    expect(replaced.error).toBeUndefined();
    const c = await inspect(`slm-deck-${name}`);
    expect(c.Id).not.toBe(oldId);
    expect(c.Config.Env).toContain('OLLAMA_NUM_PARALLEL=2');
  });

  it('says which process holds a busy port and suggests a free one', async () => {
    const srv = net.createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const busy = (srv.address() as net.AddressInfo).port;
    try {
      const check = await t.call('docker.checkPort', { port: busy });
      expect(check).toMatchObject({ free: false, holder: { pid: process.pid } });
      expect(check.suggestion).toBeGreaterThan(busy);
      const failed = await t.task('docker.deploy', atPlannerMinimum({ ...defaultDeployConfig('ollama'), name: `${name}-busy`, hostPort: busy, cpus: 1 }));
      expect(failed.error?.code).toBe('port_in_use');
      expect(failed.error?.message).toContain(`Port ${busy} on 127.0.0.1 is already in use by`);
      expect(failed.error?.message).toContain(`(pid ${process.pid})`);
      expect(failed.error?.hint).toMatch(/^Use port \d+ instead/);
      // Nothing was created.
      expect((await rawDocker().listContainers({ all: true, filters: { name: [`slm-deck-${name}-busy`] } })).length).toBe(0);
    } finally {
      srv.close();
    }
    // A port another deployment publishes is named by container.
    const byContainer = await t.call('docker.checkPort', { port });
    expect(byContainer).toMatchObject({ free: false, holder: { container: `slm-deck-${name}` } });
  });

  it('reads logs (tail and search), follows new stdout and stderr lines, and stops following on unwatch', async () => {
    const { lines } = await t.call('docker.logs', { name, tail: 50 });
    expect(lines.some((l) => l.text.startsWith('stand-in ollama: serving the Ollama API'))).toBe(true);
    expect(lines[0].time).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect((await t.call('docker.logs', { name, search: 'SERVING' })).lines.length).toBeGreaterThan(0);
    expect((await t.call('docker.logs', { name, search: 'no such text anywhere' })).lines).toEqual([]);

    const got: LogLine[] = [];
    // Only this watch's lines (a second follower comes later); its id is known once the call returns.
    const mine = { watchId: '' };
    const off = t.core.bus.on('docker.logLines', (e) => (mine.watchId || e.watchId) === e.watchId && got.push(...e.lines));
    const caller = new AbortController();
    const { watchId } = await t.call('docker.followLogs', { name, tail: 0 }, caller.signal);
    mine.watchId = watchId;
    // PID 1's stdout and stderr are the container's log streams. The watch answers before
    // Docker attaches the stream (tail 0 shows only later lines): wait for a marker line.
    const attached = () => got.some((l) => l.text === 'attached');
    for (let i = 0; i < 50 && !attached(); i++) {
      await execIn(`slm-deck-${name}`, 'echo attached > /proc/1/fd/1');
      await vi.waitFor(() => expect(attached()).toBe(true), { timeout: 200, interval: 20 }).catch(() => undefined);
    }
    await execIn(`slm-deck-${name}`, 'for i in 1 2 3 4 5; do echo "pulling manifest $i" > /proc/1/fd/1; done; echo "Error: out of disk" > /proc/1/fd/2');
    const followed = () => got.filter((l) => l.text !== 'attached');
    await vi.waitFor(() => expect(followed().length).toBeGreaterThanOrEqual(6), { timeout: 5000, interval: 50 });
    expect(followed().filter((l) => l.stream === 'stdout').map((l) => l.text)).toEqual(['pulling manifest 1', 'pulling manifest 2', 'pulling manifest 3', 'pulling manifest 4', 'pulling manifest 5']);
    expect(followed().filter((l) => l.stream === 'stderr').map((l) => l.text)).toEqual(['Error: out of disk']);
    expect(got.every((l) => l.container === `slm-deck-${name}`)).toBe(true);

    const ended = new Promise<string>((resolve) => t.core.bus.on('docker.watchEnded', (e) => e.watchId === watchId && resolve(e.reason)));
    // The caller going away (socket closed) ends the stream, like docker.unwatch does.
    caller.abort();
    expect(await ended).toBe('unwatched');
    expect(await t.call('docker.unwatch', { watchId })).toEqual({ stopped: false });
    const n = got.length;
    // A second follower is the witness: once it has a line written after the unwatch, the
    // ended watch would have had it too.
    const witness: LogLine[] = [];
    const offWitness = t.core.bus.on('docker.logLines', (e) => e.watchId !== watchId && witness.push(...e.lines));
    const second = new AbortController();
    await t.call('docker.followLogs', { name, tail: 0 }, second.signal);
    for (let i = 0; i < 50 && !witness.some((l) => l.text === 'after unwatch'); i++) {
      await execIn(`slm-deck-${name}`, 'echo "after unwatch" > /proc/1/fd/1');
      await vi.waitFor(() => expect(witness.some((l) => l.text === 'after unwatch')).toBe(true), { timeout: 500, interval: 20 }).catch(() => undefined);
    }
    second.abort();
    offWitness();
    off();
    expect(witness.some((l) => l.text === 'after unwatch')).toBe(true);
    expect(got.length).toBe(n);
  });

  it('samples stats of a deployment, and streams CPU % of a busy container with the docker CLI formula', async () => {
    const [sample] = await t.call('docker.stats', { name });
    expect(sample.container).toBe(`slm-deck-${name}`);
    expect(sample.memoryLimitBytes).toBe(OLLAMA_LIMIT_BYTES);
    expect(sample.memoryBytes).toBeGreaterThan(0);
    expect(sample.memoryBytes).toBeLessThan(sample.memoryLimitBytes);
    expect(sample.pids).toBeGreaterThan(0);

    // One busy-looping worker on the cpu-burner image.
    const burner = await rawDocker().createContainer({
      name: `slm-deck-${PREFIX}-burner-${process.pid}`,
      Image: `${REGISTRY}/slm-deck/cpu-burner:latest`,
      Cmd: ['burn', '1'],
      Labels: { 'dev.slmdeck.managed': 'true', 'dev.slmdeck.deployment': `${PREFIX}-burner` },
    });
    try {
      await burner.start();
      const abort = new AbortController();
      const samples: StatsSample[] = [];
      for await (const s of t.core.docker.service.containerStats(burner.id, abort.signal)) {
        samples.push(s);
        if (samples.length === 3) abort.abort();
      }
      expect(samples).toHaveLength(3);
      // One busy worker uses at most one core (100 %); how much it gets depends on the machine's load.
      const last = samples[2];
      expect(last.onlineCpus).toBeGreaterThan(0);
      expect(last.cpuPercent).toBeGreaterThan(5);
      expect(last.cpuPercent).toBeLessThanOrEqual(105);
    } finally {
      await burner.remove({ force: true });
    }

    const watch = new Promise<StatsSample>((resolve) => t.core.bus.on('docker.stats', (e) => resolve(e.sample)));
    const { watchId } = await t.call('docker.watchStats', { name });
    const streamed = await watch;
    await t.call('docker.unwatch', { watchId });
    expect(streamed).toMatchObject({ container: `slm-deck-${name}`, memoryLimitBytes: OLLAMA_LIMIT_BYTES });
  });

  it('says a CPU deployment is not on the GPU', async () => {
    expect(await t.call('docker.checkGpu', { name })).toEqual({ state: 'cpu', evidence: 'The container was created without a GPU device request.' });
  });

  it('asked to delete its volumes, a removal keeps one another deployment still uses, and says so', async () => {
    const other = uniqueName('life-vol');
    const done = await t.task('docker.deploy', { ...defaultDeployConfig('ollama'), name: other, hostPort: await freePort(), cpus: 1, memoryLimitGb: OLLAMA_LIMIT_GB });
    expect(done.state).toBe('succeeded');
    // Both mount the shared model cache; removing the second with its volumes must keep it for the first.
    const r = await t.call('docker.remove', { name: other, removeVolumes: true });
    expect(r).toEqual({ containers: [`slm-deck-${other}`], volumesRemoved: [], volumesKept: ['slm-deck-ollama-data'], volumesInUse: ['slm-deck-ollama-data'] });
    await rawDocker().getVolume('slm-deck-ollama-data').inspect();
    expect((await inspect(`slm-deck-${name}`)).State.Running).toBe(true);
  });

  it('removes a deployment; not asked to delete its volumes, it keeps them', async () => {
    const r = await t.call('docker.remove', { name });
    expect(r).toEqual({ containers: [`slm-deck-${name}`], volumesRemoved: [], volumesKept: ['slm-deck-ollama-data'] });
    expect((await rawDocker().listContainers({ all: true, filters: { name: [`slm-deck-${name}`] } })).length).toBe(0);
    await rawDocker().getVolume('slm-deck-ollama-data').inspect();
    await expect(t.call('docker.stop', { name })).rejects.toMatchObject({ code: 'not_found', message: `There is no deployment named "${name}".` });
  });
});

// A folder that passes the deploy's model-folder check but holds no weights, so the test
// image's engine fails (or hangs) the way its TEST_MODE says.
function weightlessModelFolder(): string {
  const dir = tempHome('slm-deck-weightless-');
  writeFileSync(path.join(dir, 'genai_config.json'), '{}');
  return dir;
}

describe('start-up failures', () => {
  it('a server that exits: the error carries its last log lines, and the container is kept, stopped', async () => {
    const tag = `itest-fail-${Date.now()}`;
    const image = await engineTestImage(tag);
    const e = await engineDomain(tag);
    const crash = uniqueName('life-crash');
    const hang = uniqueName('life-hang');
    try {
      const failed = await e.deploy(atPlannerMinimum({ ...defaultDeployConfig('onnx-engine'), name: crash, hostPort: await freePort(), cpus: 1, modelPath: weightlessModelFolder(), env: { TEST_MODE: 'exit' } }));
      expect(failed.state).toBe('failed');
      expect(failed.error?.code).toBe('server_error');
      expect(failed.error?.message).toMatch(new RegExp(`^slm-deck-${crash} stopped during start-up \\(exit code 3\\)`));
      expect(failed.error?.message).toContain('fatal: cannot open /model/model.onnx');
      const kept = await inspect(`slm-deck-${crash}`);
      expect(kept.State.Running).toBe(false);

      const slow = await e.deploy(atPlannerMinimum({ ...defaultDeployConfig('onnx-engine'), name: hang, hostPort: await freePort(), cpus: 1, modelPath: weightlessModelFolder(), env: { TEST_MODE: 'hang' }, healthTimeoutSec: 6 }));
      expect(slow.error?.code).toBe('timeout');
      expect(slow.error?.message).toContain(`slm-deck-${hang} did not become healthy within 6 s`);
      expect(slow.error?.message).toContain('loading model shards 3/4');
      expect(slow.error?.hint).toMatch(/raise the health timeout/);
      expect((await inspect(`slm-deck-${hang}`)).State.Running).toBe(true);
    } finally {
      e.domain.close();
      await cleanup(crash);
      await cleanup(hang);
      await rawDocker().getImage(image).remove({ force: true }).catch(() => undefined);
    }
  });

  it('cancelling a deployment while it starts leaves nothing behind', async () => {
    const tag = `itest-cancel-${Date.now()}`;
    const image = await engineTestImage(tag);
    const e = await engineDomain(tag);
    const n = uniqueName('life-cancel');
    try {
      const { taskId } = await e.domain.handlers['docker.deploy'](
        (await import('../../electron/shared/contract/docker')).DeployInputSchema.parse(atPlannerMinimum({ ...defaultDeployConfig('onnx-engine'), name: n, hostPort: await freePort(), cpus: 1, modelPath: weightlessModelFolder(), env: { TEST_MODE: 'hang' } })),
        { transport: 'cli', signal: new AbortController().signal },
      );
      await new Promise<void>((resolve) => {
        const off = e.bus.on('task.progress', (s) => {
          if (s.id === taskId && s.step.startsWith('Waiting for')) {
            off();
            resolve();
          }
        });
      });
      e.tasks.cancel(taskId);
      const done = await e.tasks.wait(taskId);
      expect(done.state).toBe('cancelled');
      expect((await rawDocker().listContainers({ all: true, filters: { name: [`slm-deck-${n}`] } })).length).toBe(0);
    } finally {
      e.domain.close();
      await cleanup(n);
      await rawDocker().getImage(image).remove({ force: true }).catch(() => undefined);
    }
  });
});
