import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, tempHome } from '../helpers/serve';
import { cleanup, DOCKER_HOST, ensureServices, REGISTRY, uniqueName } from '../integration/docker-helpers';

const PREFIX = 'it-cli';

/** Runs the built `slm-deck` CLI with its own home. */
function cli(home: string, args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'slm-deck.js'), ...args], {
    env: { ...process.env, SLM_DECK_HOME: home, ...env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

beforeAll(async () => {
  await ensureServices();
  await cleanup(PREFIX);
});
afterAll(() => cleanup(PREFIX));

describe('slm-deck docker verbs', () => {
  it('deploy --dry-run --json prints the exact create options without touching Docker', () => {
    const home = tempHome();
    const r = cli(home, ['deploy', 'vllm-gpu', '--dry-run', '--json', '--port', '8100', '--gpus', '0'], { DOCKER_HOST: 'unix:///nonexistent/docker.sock' });
    expect(r.code).toBe(0);
    const spec = JSON.parse(r.out) as { containers: Array<{ create: { Image: string; Cmd: string[]; HostConfig: { PortBindings: unknown; DeviceRequests: unknown } } }> };
    const o = spec.containers[0].create;
    expect(o.Image).toBe('vllm/vllm-openai:latest');
    expect(o.Cmd).toEqual(expect.arrayContaining(['--enable-auto-tool-choice', '--tool-call-parser', 'phi4_mini_json']));
    expect(o.HostConfig.PortBindings).toEqual({ '8000/tcp': [{ HostIp: '127.0.0.1', HostPort: '8100' }] });
    expect(o.HostConfig.DeviceRequests).toEqual([{ Driver: 'nvidia', DeviceIDs: ['0'], Capabilities: [['gpu']] }]);
  });

  it('deploy llama-cpp --dry-run --json shows the official llama.cpp image with its flags, published on the bind address', () => {
    const r = cli(tempHome(), ['deploy', 'llama-cpp', '--dry-run', '--json', '--context', '4096', '--parallel', '2', '--kv-cache-type', 'q8_0'], { DOCKER_HOST: 'unix:///nonexistent/docker.sock' });
    expect(r.code).toBe(0);
    const o = (JSON.parse(r.out) as { containers: Array<{ create: { Image: string; Cmd: string[]; Env: string[]; Healthcheck: { Test: string[] }; HostConfig: { PortBindings: unknown } } }> }).containers[0].create;
    expect(o.Image).toBe('ghcr.io/ggml-org/llama.cpp:server');
    expect(o.Cmd).toEqual([
      '-hf', 'bartowski/microsoft_Phi-4-mini-instruct-GGUF:Q4_K_M', '--alias', 'bartowski/microsoft_Phi-4-mini-instruct-GGUF:Q4_K_M',
      '--jinja', '-c', '8192', '-np', '2', '--host', '0.0.0.0', '--port', '8080', '--metrics', '--cache-type-k', 'q8_0', '--cache-type-v', 'q8_0',
    ]);
    expect(o.Env).toContain('LLAMA_CACHE=/root/.cache/llama.cpp');
    expect(o.Healthcheck.Test[1]).toContain('/health');
    expect(o.HostConfig.PortBindings).toEqual({ '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '8090' }] });
    const bad = cli(tempHome(), ['deploy', 'llama-cpp', '--dry-run', '--kv-cache-type', 'q2'], { DOCKER_HOST: 'unix:///nonexistent/docker.sock' });
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('error: --kv-cache-type is f16 or q8_0, not "q2".');
  });

  it('says why when Docker is not there, with a hint, and exits 1', () => {
    const r = cli(tempHome(), ['ps'], { DOCKER_HOST: 'unix:///nonexistent/docker.sock' });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^error: (Docker is installed but not running|No Docker or Podman engine was found)/m);
    expect(r.err).toMatch(/^hint: /m);
  });

  it('deploy, ps, logs, stop, rm and compose against the test daemon', () => {
    const home = tempHome();
    const env = { DOCKER_HOST };
    expect(cli(home, ['settings', 'set', 'registryMirror', REGISTRY]).code).toBe(0);
    const name = uniqueName('cli');
    const port = String(freePortSync());
    const deployed = cli(home, ['deploy', 'ollama', '--name', name, '--port', port, '--memory', '1', '--cpus', '1'], env);
    expect(deployed.err + deployed.out).toContain(`${name} is running at http://127.0.0.1:${port}`);
    expect(deployed.out).toContain(`curl http://127.0.0.1:${port}/api/chat`);

    const ps = JSON.parse(cli(home, ['ps', '--json'], env).out) as Array<{ name: string; state: string; health: string }>;
    expect(ps.find((d) => d.name === name)).toMatchObject({ state: 'running', health: 'healthy' });
    expect(cli(home, ['ps'], env).out).toMatch(new RegExp(`${name}\\s+ollama\\s+running\\s+healthy`));
    expect(cli(home, ['logs', name, '--tail', '5'], env).out).toContain('stand-in ollama: serving /www on port 11434');
    expect(cli(home, ['compose', name], env).out).toContain(`container_name: slm-deck-${name}`);
    expect(cli(home, ['stop', name], env).out).toContain(`${name} is stopped`);
    const rm = cli(home, ['rm', name], env);
    expect(rm.out).toContain(`removed slm-deck-${name}`);
    expect(rm.out).toContain('kept volumes slm-deck-ollama-data');
    const gone = cli(home, ['logs', name], env);
    expect(gone.code).toBe(1);
    expect(gone.err).toContain(`There is no deployment named "${name}".`);
  });
});

/** A free port, found synchronously by asking a child node process (spawnSync keeps the test simple). */
function freePortSync(): number {
  const r = spawnSync(process.execPath, ['-e', "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"], { encoding: 'utf8' });
  return Number(r.stdout.trim());
}

