/**
 * Deployments made by the app in the real test daemon, with a Hugging Face token stored and
 * --env values given: `docker inspect` shows neither the token (Env, Labels, Cmd) nor the env
 * values in labels; vLLM reads the token from a read-only mounted file; clearing the token
 * removes it from that file and from what later deployments get.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultDeployConfig } from '../../electron/core/backends';
import { atPlannerMinimum, dockerSuite, freePort, inspect, type TestCore, uniqueName } from './docker-helpers';

const PREFIX = 'it-secret';
const TOKEN = 'hf_SecretTokenValue0123456789abcdef';
const ENV_VALUE = 'env-value-not-for-labels';
let t: TestCore;
dockerSuite(PREFIX, (core) => (t = core));

/** Everything `docker inspect` shows about what the container was told. */
async function visibleConfig(name: string) {
  const c = await inspect(name);
  return { c, text: JSON.stringify({ env: c.Config.Env, labels: c.Config.Labels, cmd: c.Config.Cmd, entrypoint: c.Config.Entrypoint, args: c.Args }) };
}

describe('secrets stay out of container config', () => {
  it('vLLM and Ollama deployments: no token in Env, Labels or Cmd; vLLM reads it from a read-only file; clearing it reaches later deployments', async () => {
    await t.call('settings.setHfToken', { token: TOKEN });
    const tokenFile = path.join(t.core.home, 'container-secrets', 'hf', 'token');
    const names = { vllm: uniqueName('secret-vllm'), ollama: uniqueName('secret-ollama') };
    const env = { VLLM_LOGGING_LEVEL: ENV_VALUE };
    const vllm = await t.task('docker.deploy', atPlannerMinimum({ ...defaultDeployConfig('vllm-cpu'), name: names.vllm, hostPort: await freePort(), cpus: 1, env, createOnly: true }));
    expect(vllm.error).toBeUndefined();
    const ollama = await t.task('docker.deploy', atPlannerMinimum({ ...defaultDeployConfig('ollama'), name: names.ollama, hostPort: await freePort(), env: { OLLAMA_KEEP_ALIVE: ENV_VALUE }, createOnly: true }));
    expect(ollama.error).toBeUndefined();

    for (const name of Object.values(names)) {
      const { text, c } = await visibleConfig(`slm-deck-${name}`);
      expect(text, name).not.toContain(TOKEN);
      expect(JSON.stringify(c.Config.Labels), name).not.toContain(ENV_VALUE);
      // The user's own --env value is where they asked for it: in the environment.
      expect(c.Config.Env, name).toContain(name === names.vllm ? `VLLM_LOGGING_LEVEL=${ENV_VALUE}` : `OLLAMA_KEEP_ALIVE=${ENV_VALUE}`);
    }
    const v = await inspect(`slm-deck-${names.vllm}`);
    expect(v.Config.Env).toContain('HF_TOKEN_PATH=/run/secrets/slm-deck-hf/token');
    expect(v.Mounts).toContainEqual(expect.objectContaining({ Type: 'bind', Source: path.dirname(tokenFile), Destination: '/run/secrets/slm-deck-hf', RW: false }));
    expect(readFileSync(tokenFile, 'utf8')).toBe(TOKEN);
    expect(statSync(path.dirname(tokenFile)).mode & 0o777).toBe(0o700);

    // The compose export of the deployment carries no token either.
    const { yaml } = await t.call('docker.compose', { name: names.vllm });
    expect(yaml).not.toContain(TOKEN);
    expect(yaml).not.toContain('HF_TOKEN=');
    // Env values are read back from the container for the export, not from the label.
    expect(yaml).toContain(`VLLM_LOGGING_LEVEL: ${ENV_VALUE}`);

    await t.call('settings.setHfToken', { token: '' });
    await expect.poll(() => existsSync(tokenFile)).toBe(false);
    const later = uniqueName('secret-later');
    const done = await t.task('docker.deploy', atPlannerMinimum({ ...defaultDeployConfig('vllm-cpu'), name: later, hostPort: await freePort(), cpus: 1, createOnly: true }));
    expect(done.error).toBeUndefined();
    const l = await inspect(`slm-deck-${later}`);
    expect(l.Config.Env.some((e) => e.startsWith('HF_TOKEN'))).toBe(false);
    expect(l.Mounts.map((m) => m.Destination)).not.toContain('/run/secrets/slm-deck-hf');
  });

  it('a credential passed as --env is refused before anything is created', async () => {
    const name = uniqueName('secret-env');
    const err = await t.task('docker.deploy', { ...defaultDeployConfig('vllm-cpu'), name, hostPort: await freePort(), env: { HF_TOKEN: TOKEN } }).then(
      (s) => s.error,
      (e: { code: string; hint?: string }) => ({ code: e.code, hint: e.hint }),
    );
    expect(err).toMatchObject({ code: 'invalid_input', hint: expect.stringMatching(/Settings/) });
    await expect(inspect(`slm-deck-${name}`)).rejects.toThrow(/no such container/i);
  });
});
