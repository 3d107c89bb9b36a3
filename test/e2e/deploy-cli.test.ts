import { spawnSync } from 'node:child_process';
import os from 'node:os';
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

  it('dry runs with defaults never ask for more CPUs than this machine has', () => {
    const home = tempHome();
    const cores = os.availableParallelism();
    for (const backend of ['vllm-gpu', 'vllm-cpu', 'ollama', 'onnx-engine', 'llama-cpp']) {
      const r = cli(home, ['deploy', backend, '--dry-run', '--json'], { DOCKER_HOST });
      expect(r.code).toBe(0);
      const spec = JSON.parse(r.out) as { containers: Array<{ create: { HostConfig: { NanoCpus?: number } } }> };
      expect(spec.containers[0].create.HostConfig.NanoCpus ?? 0).toBeLessThanOrEqual(cores * 1e9);
    }
    const plan = JSON.parse(cli(home, ['plan', '--json'], { DOCKER_HOST }).out) as { configs: Array<{ backend: string; cpus: number | null }> };
    expect(plan.configs.map((c) => c.backend).sort()).toEqual(['llama-cpp', 'ollama', 'onnx-engine', 'vllm-cpu', 'vllm-gpu']);
    for (const c of plan.configs) expect(c.cpus ?? 0).toBeLessThanOrEqual(cores);
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

  it('deploy --dry-run refuses a memory limit below the planner estimate, naming the limit it needs; enough, none or --force pass', () => {
    const noDocker = { DOCKER_HOST: 'unix:///nonexistent/docker.sock' };
    const args = (...more: string[]) => ['deploy', 'ollama', '--dry-run', '--model', 'phi-4-mini-instruct/ollama-q4_K_M', '--context', '4096', '--parallel', '4', ...more];
    const memory = (r: { out: string }) => (JSON.parse(r.out) as { containers: Array<{ create: { HostConfig: { Memory?: number } } }> }).containers[0].create.HostConfig.Memory;
    const home = tempHome();

    const refused = cli(home, args('--memory', '2'), noDocker);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain(
      "error: A 2 GiB memory limit is too small: needs at least 6.3 GiB for Ollama (Docker) with phi4-mini:3.8b-q4_K_M (GGUF 4-bit) at 4,096-token context × 4 parallel requests (the planner's estimate: 6.28 GiB).",
    );
    expect(refused.err).toContain('hint: Raise the memory limit to 6.3 GiB or more (or no limit), or lower the context length or parallel requests, or deploy anyway (force).');
    expect(refused.out).toBe('');
    // --json: the typed error, on the memory field.
    const typed = JSON.parse(cli(home, args('--memory', '2', '--json'), noDocker).out) as { error: { code: string; details: Array<{ path: string[] }> } };
    expect(typed.error.code).toBe('invalid_input');
    expect(typed.error.details.map((d) => d.path)).toEqual([['memoryLimitGb']]);
    // Fewer parallel requests need less: the number follows the request.
    expect(cli(home, ['deploy', 'ollama', '--dry-run', '--model', 'phi-4-mini-instruct/ollama-q4_K_M', '--context', '4096', '--parallel', '1', '--memory', '2'], noDocker).err).toContain('needs at least 4.1 GiB');

    const enough = cli(home, args('--memory', '6.3', '--json'), noDocker);
    expect(enough.code).toBe(0);
    expect(memory(enough)).toBe(Math.round(6.3 * 1024 ** 3));
    const none = cli(home, args('--memory', 'none', '--json'), noDocker);
    expect(none.code).toBe(0);
    expect(memory(none)).toBeUndefined();
    const forced = cli(home, args('--memory', '2', '--force', '--json'), noDocker);
    expect(forced.code).toBe(0);
    expect(memory(forced)).toBe(2 * 1024 ** 3);
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
    // The memory limit is the plan's for this machine (never below the planner's estimate).
    const deployed = cli(home, ['deploy', 'ollama', '--name', name, '--port', port, '--cpus', '1'], env);
    expect(deployed.err + deployed.out).toContain(`${name} is ready at http://127.0.0.1:${port}, answering with phi4-mini:3.8b-q4_K_M`);
    expect(deployed.out).toContain(`curl http://127.0.0.1:${port}/api/chat`);

    const ps = JSON.parse(cli(home, ['ps', '--json'], env).out) as Array<{ name: string; state: string; health: string }>;
    expect(ps.find((d) => d.name === name)).toMatchObject({ state: 'running', health: 'healthy' });
    expect(cli(home, ['ps'], env).out).toMatch(new RegExp(`${name}\\s+ollama\\s+running\\s+healthy`));
    expect(cli(home, ['logs', name, '--tail', '5'], env).out).toContain('stand-in ollama: serving the Ollama API');
    expect(cli(home, ['compose', name], env).out).toContain(`container_name: slm-deck-${name}`);
    expect(cli(home, ['stop', name], env).out).toContain(`${name} is stopped`);
    const rm = cli(home, ['rm', name], env);
    expect(rm.out).toContain(`removed slm-deck-${name}`);
    expect(rm.out).toContain('kept volumes slm-deck-ollama-data');
    const gone = cli(home, ['logs', name], env);
    expect(gone.code).toBe(1);
    expect(gone.err).toContain(`There is no deployment named "${name}".`);
  });

  it('deploy ollama with its defaults ends with the model installed, and chat without --backend answers through it', () => {
    const home = tempHome();
    const env = { DOCKER_HOST };
    expect(cli(home, ['settings', 'set', 'registryMirror', REGISTRY]).code).toBe(0);
    // Defaults except the name and port, which must not collide with other suites on the shared daemon.
    const name = uniqueName('cli-ready');
    const port = freePortSync();
    const deployed = cli(home, ['deploy', 'ollama', '--name', name, '--port', String(port), '--env', `OLLAMA_MODELS=/root/.ollama/${name}`], env);
    expect(deployed.code).toBe(0);
    expect(deployed.out).toContain(`${name} is ready at http://127.0.0.1:${port}, answering with phi4-mini:3.8b-q4_K_M (pulled into the deployment)`);
    expect(deployed.out).toContain(`slm-deck chat --backend docker:${name}`);

    const chat = cli(home, ['chat', '--prompt', 'Hello there'], env);
    expect(chat.code).toBe(0);
    expect(chat.err).toContain(`Backend: docker:${name} (a ready deployment)`);
    // The stand-in's deterministic reply: the model answered through the deployment.
    expect(chat.out.trim()).toBe('You said: Hello there');

    // The deployment's Ollama is managed by name, like the native one.
    expect(cli(home, ['models', 'servers'], env).out).toMatch(new RegExp(`${name}\\s+deployment\\s+http://127\\.0\\.0\\.1:${port}`));
    expect(cli(home, ['models', '--ollama', name, 'list'], env).out).toContain('phi4-mini:3.8b-q4_K_M');
    const unknown = cli(home, ['models', '--ollama', 'no-such-ollama', 'list'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('No Ollama named "no-such-ollama".');
    expect(cli(home, ['rm', name], env).code).toBe(0);
  });
});

/** A free port, found synchronously by asking a child node process (spawnSync keeps the test simple). */
function freePortSync(): number {
  const r = spawnSync(process.execPath, ['-e', "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"], { encoding: 'utf8' });
  return Number(r.stdout.trim());
}

