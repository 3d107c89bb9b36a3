import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, tempHome } from '../helpers/serve';
import { DOCKER_HOST, ensureServices, rawDocker } from './docker-helpers';

const run = promisify(execFile);

/** The built CLI, in-process dispatcher, real test daemon: settings chosen on the command line reach Docker. */
async function cli(home: string, ...args: string[]) {
  const { stdout } = await run(process.execPath, [path.join(ROOT, 'bin', 'slm-deck.js'), ...args], {
    env: { ...process.env, SLM_DECK_HOME: home, DOCKER_HOST: '' },
  });
  return stdout;
}

beforeAll(async () => {
  await ensureServices();
});

describe('CLI settings drive the real Docker daemon', () => {
  it('reads the daemon version through the endpoint and mirror set with `settings set`', async () => {
    const home = tempHome();
    await cli(home, 'settings', 'set', 'dockerEndpoint', DOCKER_HOST);
    await cli(home, 'settings', 'set', 'registryMirror', 'localhost:5000');
    const status = JSON.parse(await cli(home, '--json', 'docker'));
    const version = await rawDocker().version();
    expect(status).toMatchObject({ state: 'reachable', source: 'settings', version: version.Version, apiVersion: version.ApiVersion });

    // The mirror setting rewrites the image the deployment would pull.
    const preview = JSON.parse(await cli(home, '--json', 'deploy', 'ollama', '--dry-run'));
    expect(JSON.stringify(preview)).toContain('"localhost:5000/ollama/ollama:latest"');
    expect(JSON.stringify(preview)).not.toContain('"ollama/ollama:latest"');
  });

  it('an unreachable endpoint is an ordinary state with a hint, not a crash', async () => {
    const home = tempHome();
    await cli(home, 'settings', 'set', 'dockerEndpoint', '/tmp/no-such-docker.sock');
    // `slm-deck docker` exits 1 when Docker is not usable, like `docker info`, and still explains why.
    const failed = await cli(home, '--json', 'docker').then(
      () => null,
      (e: { code: number; stdout: string }) => e,
    );
    expect(failed?.code).toBe(1);
    const status = JSON.parse(failed!.stdout);
    expect(status).toMatchObject({ state: 'not-running', endpoint: 'unix:///tmp/no-such-docker.sock' });
    expect(status.hint).toMatch(/Settings/);
  });
});
