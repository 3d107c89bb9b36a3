import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HardwareProfileSchema, PlanSchema, type HardwareProfile } from '../../electron/shared/contract/hardware';
import { createCore, type Core } from '../../electron/core/app-core';
import { unwrap } from '../../electron/core/rpc/dispatcher';
import { startOllamaFake, type OllamaFake } from '../fakes/ollama';
import { hostNvidia } from '../helpers/host-gpu';
import { ROOT, tempHome } from '../helpers/serve';

const DOCKER_HOST = process.env.SLM_TEST_DOCKER_HOST ?? 'unix:///tmp/slm-deck-test/docker.sock';
const GIB = 1024 ** 3;
const host = hostNvidia();

let core: Core;
let fake: OllamaFake;
const signal = new AbortController().signal;
const call = async (method: string, params: unknown) => core.dispatcher.call(method, params, { transport: 'cli', signal });

beforeAll(async () => {
  fake = await startOllamaFake({ version: '0.12.6' });
  core = await createCore({ home: tempHome('slm-deck-hw-') });
  await core.settings.set({ dockerEndpoint: DOCKER_HOST, ollamaUrl: fake.url });
});
afterAll(async () => {
  await core?.close();
  fake?.crash();
});

describe('hardware detection on this machine (real tools, the test Docker daemon)', () => {
  let profile: HardwareProfile;

  it('returns a sane profile: the GPUs nvidia-smi lists, this CPU and memory, Docker through the test daemon, Ollama', async () => {
    profile = HardwareProfileSchema.parse(unwrap(await call('hardware.profile', { refresh: true })));

    expect(profile.os.platform).toBe(process.platform);
    expect(profile.cpu.logicalCores).toBe(os.cpus().length);
    expect(profile.memory.totalBytes).toBe(os.totalmem());
    expect(profile.memory.availableBytes).toBeGreaterThan(0);
    expect(profile.memory.availableBytes).toBeLessThanOrEqual(profile.memory.totalBytes);
    const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
    expect(profile.cpu.flags.avx2).toBe(/\bavx2\b/.test(cpuinfo));
    expect(profile.cpu.flags.avx512).toBe(/\bavx512f\b/.test(cpuinfo));

    // The NVIDIA GPUs nvidia-smi lists, and nothing invented; without the tool: "absent", with a hint.
    expect(profile.gpus.filter((g) => g.vendor === 'nvidia').map((g) => g.name)).toEqual(host.gpus);
    if (host.installed) expect(profile.gpuTools.find((t) => t.tool === 'nvidia-smi')?.state).not.toBe('absent');
    else expect(profile.gpuTools.find((t) => t.tool === 'nvidia-smi')).toMatchObject({ state: 'absent', hint: expect.stringContaining('NVIDIA driver') });

    const daemon = new Docker({ socketPath: DOCKER_HOST.replace(/^unix:\/\//, '') });
    const [version, info] = await Promise.all([daemon.version(), daemon.info()]);
    expect(profile.docker).toMatchObject({ reachable: true, endpoint: DOCKER_HOST, version: version.Version, os: 'linux', dataRoot: info.DockerRootDir, gpuPassthrough: false });
    expect(profile.disks.dockerData).toMatchObject({ path: info.DockerRootDir, state: 'ok' });
    expect(profile.disks.dockerData!.freeBytes).toBeGreaterThan(0);
    expect(profile.disks.models.path).toBe(path.join(core.home, 'models'));
    expect(profile.ollama).toEqual({ reachable: true, url: fake.url, version: '0.12.6' });
  });

  it('plans for it: vLLM GPU only with an NVIDIA GPU, and the long-context verdicts match a hand computation', async () => {
    const plan = PlanSchema.parse(unwrap(await call('hardware.plan', {})));
    const vllm = plan.rows.find((r) => r.backend === 'vllm-gpu' && r.model.endsWith('/vllm-bf16'))!;
    if (host.gpus.length === 0) {
      expect(vllm).toMatchObject({ verdict: 'unavailable', reason: 'Needs an NVIDIA GPU with CUDA, and none was found.' });
      expect(plan.recommendation.config.gpus).toEqual([]);
      expect(['ollama', 'onnx-engine']).toContain(plan.recommendation.config.backend);
    } else {
      expect(vllm.reason).not.toContain('none was found');
    }

    // ONNX cpu-int4 at 128K: 4.86 GB weights + 2 x 32 x 8 x 128 x 4 B x 131,072 (32 GiB fp32 KV) + 0.5 GiB + 512 x 200,064 x 4 B.
    const long = PlanSchema.parse(unwrap(await call('hardware.plan', { context: 131_072 })));
    const need = 4.86e9 + 32 * GIB + 0.5 * GIB + 512 * 200_064 * 4;
    const onnx = long.rows.find((r) => r.backend === 'onnx-engine' && r.model.endsWith('/onnx-cpu-int4'))!;
    expect(onnx.estimate.totalBytes).toBe(need);
    // Judged against this machine: free now (the estimate's budget), total usable (RAM, or Docker's limit, less 1 GiB).
    const usable = Math.min(os.totalmem(), profile.docker.memTotalBytes ?? Infinity) - GIB;
    expect(onnx.verdict).toBe(need <= onnx.estimate.budgetBytes! ? 'fits' : need <= usable ? 'tight' : 'wont-fit');
  });

  it('an unreachable Docker endpoint is reported with its reason, and the plan falls back to the embedded engine', async () => {
    await core.settings.set({ dockerEndpoint: 'unix:///tmp/slm-deck-test/no-such-docker.sock' });
    try {
      const p = HardwareProfileSchema.parse(unwrap(await call('hardware.profile', { refresh: true })));
      expect(p.docker.reachable).toBe(false);
      expect(p.docker.reason).toContain('no-such-docker.sock');
      expect(p.docker.hint).toBeTruthy();
      expect(p.disks.dockerData).toBeNull();
      const plan = PlanSchema.parse(unwrap(await call('hardware.plan', {})));
      expect(plan.recommendation.config.backend).toBe('embedded');
      expect(plan.rows.filter((r) => r.backend === 'ollama').every((r) => r.verdict === 'unavailable')).toBe(true);
    } finally {
      await core.settings.set({ dockerEndpoint: DOCKER_HOST });
      await call('hardware.profile', { refresh: true });
    }
  });

  it('rejects malformed input with typed errors', async () => {
    for (const [method, params, code] of [
      ['hardware.plan', { context: 100 }, 'invalid_input'],
      ['hardware.plan', { parallel: 0 }, 'invalid_input'],
      ['hardware.plan', { contxt: 4096 }, 'invalid_input'],
      ['hardware.profile', { refresh: 'yes' }, 'invalid_input'],
      ['hardware.plan', { model: 'llama-9' }, 'not_found'],
    ] as const) {
      const env = await call(method, params);
      expect(env.ok).toBe(false);
      if (!env.ok) {
        expect(env.error.code).toBe(code);
        expect(env.error.hint).toBeTruthy();
      }
    }
  });
});

function cli(args: string[], home: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'electron/cli/index.ts'), ...args], {
      cwd: ROOT,
      env: { ...process.env, SLM_DECK_HOME: home, DOCKER_HOST },
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('slm-deck hardware / plan', () => {
  const home = tempHome('slm-deck-hw-cli-');

  it('`hardware --json` prints the profile', async () => {
    const r = await cli(['hardware', '--json'], home);
    expect(r.code).toBe(0);
    const p = HardwareProfileSchema.parse(JSON.parse(r.stdout));
    expect(p.docker).toMatchObject({ reachable: true, endpoint: DOCKER_HOST });
    expect(p.cpu.logicalCores).toBe(os.cpus().length);
  });

  it('`plan` explains itself in words with every estimate term', async () => {
    const r = await cli(['plan'], home);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Recommended for this machine \(.+ tier\):/);
    expect(r.stdout).toContain('Why:\n  1. Docker');
    if (host.gpus.length === 0) expect(r.stdout).toContain('There is no NVIDIA GPU with CUDA');
    else expect(r.stdout).toContain(host.gpus[0]);
    expect(r.stdout).toMatch(/KV cache \(fp16\)\s+\S+ \S+\s+2 \(K and V\) × 32 layers × 8 KV heads × 128 head dim × 2 B × 4,096 tokens/);
    expect(r.stdout).toContain('Deployment config (what Deploy would start):');
    expect(r.stdout).toContain(`Memory: ${(os.totalmem() / GIB).toFixed(2)} GiB in total`);
  });

  it('`plan --context 2k --parallel 2 --json` plans at that size; a bad context is a clear error', async () => {
    const r = await cli(['plan', '--context', '2k', '--parallel', '2', '--json'], home);
    expect(r.code).toBe(0);
    const plan = PlanSchema.parse(JSON.parse(r.stdout));
    expect(plan.rows.every((x) => x.context === 2048 && x.parallel === 2)).toBe(true);
    expect(plan.recommendation.config).toMatchObject({ contextLength: 2048, parallel: 2 });
    // llama.cpp's row: the GGUF from the catalog and f16 KV for both slots.
    const llama = plan.rows.find((x) => x.backend === 'llama-cpp');
    expect(llama).toMatchObject({ model: 'phi-4-mini-instruct/llama-cpp-q4_K_M', formLabel: 'microsoft_Phi-4-mini-instruct-Q4_K_M.gguf (GGUF 4-bit)' });
    expect(llama!.estimate.terms.find((t) => t.key === 'kv-cache')).toMatchObject({ label: 'KV cache (fp16)', bytes: 2 * 32 * 8 * 128 * 2 * 2048 * 2 });

    const bad = await cli(['plan', '--context', '12'], home);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('error: Invalid context "12".');
    expect(bad.stderr).toContain('hint: Give a number of tokens of at least 256');
  });
});
