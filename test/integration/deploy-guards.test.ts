/**
 * Deploy requests that would hand a container more of the host than a model folder, against the
 * real test daemon: each is refused with a typed error and nothing is created.
 */
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MethodInput } from '../../electron/shared/contract';
import { defaultDeployConfig } from '../../electron/core/backends';
import { DeckError } from '../../electron/shared/errors';
import { atPlannerMinimum, DOCKER_HOST, dockerSuite, freePort, rawDocker, type TestCore, uniqueName } from './docker-helpers';

const PREFIX = 'it-guard';
let t: TestCore;
dockerSuite(PREFIX, (core) => (t = core));

/** The typed error of a refused deploy: from the call itself (checked up front) or from its task. */
async function deployError(req: MethodInput<'docker.deploy'>): Promise<{ code: string; message: string; hint?: string; details?: unknown } | undefined> {
  try {
    const done = await t.task('docker.deploy', req);
    expect(done.state).toBe('failed');
    return done.error;
  } catch (e) {
    expect(e).toBeInstanceOf(DeckError);
    const d = e as DeckError;
    return { code: d.code, message: d.message, hint: d.hint, details: d.details };
  }
}

async function containersNamed(name: string) {
  return rawDocker().listContainers({ all: true, filters: { label: [`dev.slmdeck.deployment=${name}`] } });
}

describe('deploy refuses host paths that are not a model folder', () => {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'slm-guard-'));
  const noConfig = path.join(scratch, 'empty');
  mkdirSync(noConfig);
  const aFile = path.join(scratch, 'genai_config.json');
  writeFileSync(aFile, '{}');
  const linkToEtc = path.join(scratch, 'innocent-model');
  symlinkSync('/etc', linkToEtc);
  const dockerSocket = DOCKER_HOST.replace(/^unix:\/\//, '');

  const cases: Array<[string, string, RegExp]> = [
    ['the root folder', '/', /system folder/],
    ['/etc', '/etc', /system folder/],
    ['the Docker socket', dockerSocket, /socket/],
    ['/var/run/docker.sock', '/var/run/docker.sock', /system folder|socket/],
    ['a symlink to /etc', linkToEtc, /system folder/],
    ['a file', aFile, /not a folder/],
    ['a folder without genai_config.json', noConfig, /no genai_config\.json/],
    ['a relative path', 'models/../../etc', /not an absolute path/],
    ['the app home above the model store', '__HOME__', /SLM Deck's own folder/],
  ];

  for (const [what, modelPath, reason] of cases) {
    it(`modelPath = ${what}`, async () => {
      const name = uniqueName('guard');
      const folder = modelPath === '__HOME__' ? t.core.home : modelPath;
      const error = await deployError(atPlannerMinimum({ ...defaultDeployConfig('onnx-engine'), name, hostPort: await freePort(), cpus: 1, modelPath: folder }));
      expect(error).toMatchObject({ code: 'invalid_input', message: expect.stringMatching(reason) });
      expect(error?.hint).toMatch(/genai_config\.json/);
      expect(await containersNamed(name)).toEqual([]);
    });
  }

  it('a model id that climbs out of the model store is refused by the contract', async () => {
    const name = uniqueName('guard');
    for (const model of ['../../etc', 'phi-4-mini-instruct/../../../etc', '/etc', 'a/./b']) {
      const error = await deployError({ ...defaultDeployConfig('onnx-engine'), name, model, hostPort: await freePort() });
      expect(error?.code, model).toBe('invalid_input');
      expect(JSON.stringify(error?.details), model).toContain('model');
    }
    expect(await containersNamed(name)).toEqual([]);
  });
});
