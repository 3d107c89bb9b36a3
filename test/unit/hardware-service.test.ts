import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DockerStatus } from '../../electron/shared/contract/docker';
import { HardwareProfileSchema } from '../../electron/shared/contract/hardware';
import { statusToProbeResult } from '../../electron/core/hardware/docker-probe';
import { HardwareService, type SystemInfoSource } from '../../electron/core/hardware/hardware-service';
import { queryNvidiaSmi } from '../../electron/core/hardware/nvidia-smi';
import { probeOllama } from '../../electron/core/hardware/ollama-probe';
import { queryRocmSmi } from '../../electron/core/hardware/rocm-smi';
import { runTool, type RunTool, type ToolRun } from '../../electron/core/hardware/run-tool';
import { silentLogger } from '../../electron/core/log/logger';
import { startOllamaFake, type OllamaFake } from '../fakes/ollama';
import { dockerUp } from '../fixtures/hardware/profiles';

const FIX = path.resolve(import.meta.dirname, '../fixtures/hardware');
const fixture = (name: string) => readFileSync(path.join(FIX, name), 'utf8');

/** Replays recorded tool output: `outputs[cmd + ' ' + first arg]` or `outputs[cmd]`. */
function replay(outputs: Record<string, ToolRun>): RunTool & { calls: string[] } {
  const calls: string[] = [];
  const run = (async (cmd: string, args: string[]) => {
    calls.push([cmd, ...args].join(' '));
    return outputs[`${cmd} ${args[0] ?? ''}`.trim()] ?? outputs[cmd] ?? { kind: 'absent' };
  }) as RunTool & { calls: string[] };
  run.calls = calls;
  return run;
}
const ok = (stdout: string): ToolRun => ({ kind: 'ok', stdout, stderr: '' });
const failed = (stdout: string, exitCode = 255): ToolRun => ({ kind: 'failed', exitCode, stdout, stderr: '', message: 'Command failed' });

describe('running tools', () => {
  it('reports a missing tool as absent', async () => {
    expect(await runTool('slm-deck-no-such-tool-7f3a', [])).toEqual({ kind: 'absent' });
  });

  it('kills a hanging tool at the timeout instead of waiting', async () => {
    expect(await runTool('sleep', ['30'], { timeoutMs: 300 })).toEqual({ kind: 'timeout', ms: 300 });
  });

  it('keeps the output and exit code of a failing tool', async () => {
    const r = await runTool('sh', ['-c', 'echo "Failed to initialize NVML: Driver/library version mismatch"; exit 18']);
    expect(r).toMatchObject({ kind: 'failed', exitCode: 18, stdout: 'Failed to initialize NVML: Driver/library version mismatch\n' });
  });
});

describe('queryNvidiaSmi', () => {
  it('combines the CSV query with the CUDA version of the header', async () => {
    const run = replay({ 'nvidia-smi --query-gpu=index,name,uuid,memory.total,memory.used,memory.free,driver_version,compute_cap,utilization.gpu,temperature.gpu,power.draw,power.limit': ok(fixture('nvidia-smi-two-gpus.csv')), 'nvidia-smi': ok(fixture('nvidia-smi-header.txt')) });
    const r = await queryNvidiaSmi({ run });
    expect(r.report).toEqual({ tool: 'nvidia-smi', state: 'ok', message: '2 NVIDIA GPUs, CUDA 12.4.' });
    expect(r.gpus.map((g) => g.cudaVersion)).toEqual(['12.4', '12.4']);
  });

  it('asks again without compute_cap on drivers that reject it', async () => {
    let first = true;
    const run: RunTool = async (_cmd, args) => {
      if (args.length === 0) return ok(fixture('nvidia-smi-header.txt'));
      if (first) {
        first = false;
        return failed(fixture('nvidia-smi-old-driver.txt'), 2);
      }
      expect(args[0]).not.toContain('compute_cap');
      return ok('0, NVIDIA GeForce GTX 1080, GPU-aa, 8192, 300, 7892, 470.256.02, 1, 38, 40.12, 180.00\n');
    };
    const r = await queryNvidiaSmi({ run });
    expect(r.report.state).toBe('ok');
    expect(r.gpus[0]).toMatchObject({ name: 'NVIDIA GeForce GTX 1080', computeCapability: null, vramTotalBytes: 8192 * 1024 ** 2 });
  });

  it('a driver/library mismatch is unknown with a hint, never a throw', async () => {
    const r = await queryNvidiaSmi({ run: replay({ 'nvidia-smi': failed(fixture('nvidia-smi-mismatch.txt'), 18) }) });
    expect(r.gpus).toEqual([]);
    expect(r.report).toMatchObject({ state: 'unknown', message: expect.stringContaining('mismatch'), hint: expect.stringContaining('Reboot') });
  });

  it('garbled output is unknown with a hint', async () => {
    const r = await queryNvidiaSmi({ run: replay({ 'nvidia-smi': ok('\u0000\u0001 segfault at 0x0, 1\n') }) });
    expect(r.report.state).toBe('unknown');
    expect(r.report.message).toContain('cannot read');
    expect(r.report.hint).toBeTruthy();
  });

  it('a hanging nvidia-smi (a real process that never answers) is unknown after the timeout', async () => {
    const hang: RunTool = (_c, _a, o) => runTool('sleep', ['30'], o);
    const r = await queryNvidiaSmi({ run: hang, timeoutMs: 300 });
    expect(r.report).toMatchObject({ tool: 'nvidia-smi', state: 'unknown', message: expect.stringContaining('did not answer') });
    expect(r.report.hint).toMatch(/dmesg/);
  });

  it('pollers can skip the header run that only adds the CUDA version', async () => {
    const run = replay({ 'nvidia-smi --query-gpu=index,name,uuid,memory.total,memory.used,memory.free,driver_version,compute_cap,utilization.gpu,temperature.gpu,power.draw,power.limit': ok(fixture('nvidia-smi-one-gpu.csv')) });
    const r = await queryNvidiaSmi({ run, withCudaVersion: false });
    expect(run.calls).toHaveLength(1);
    expect(r.gpus[0]).toMatchObject({ name: 'NVIDIA GeForce RTX 3060', cudaVersion: null });
  });

  it('absent nvidia-smi is absent with a hint about the driver', async () => {
    const r = await queryNvidiaSmi({ run: replay({}) });
    expect(r.report).toMatchObject({ state: 'absent', hint: expect.stringContaining('install the NVIDIA driver') });
  });
});

describe('queryRocmSmi', () => {
  it('reads recorded output and explains a missing amdgpu driver', async () => {
    expect((await queryRocmSmi({ run: replay({ 'rocm-smi': ok(fixture('rocm-smi-output.txt')) }) })).gpus).toHaveLength(2);
    const r = await queryRocmSmi({ run: replay({ 'rocm-smi': failed('ERROR:root:Driver not initialized (amdgpu not found in modules)', 1) }) });
    expect(r.report).toMatchObject({ state: 'unknown', message: 'rocm-smi: the amdgpu driver is not loaded.' });
  });
});

describe('probeOllama', () => {
  let fake: OllamaFake;
  beforeAll(async () => {
    fake = await startOllamaFake({ version: '0.12.6' });
  });
  afterAll(() => fake.crash());

  it('finds a server answering /api/version', async () => {
    expect(await probeOllama(fake.url)).toEqual({ reachable: true, url: fake.url, version: '0.12.6' });
  });

  it('explains a closed port', async () => {
    const r = await probeOllama('http://127.0.0.1:9');
    expect(r.reachable).toBe(false);
    expect(r.reason).toContain('No Ollama server at http://127.0.0.1:9');
    expect(r.hint).toContain('ollama serve');
  });
});

describe('Docker status as the profile sees it', () => {
  const base: DockerStatus = {
    state: 'reachable',
    endpoint: 'unix:///var/run/docker.sock',
    source: 'system',
    message: 'Docker 27.3.1 is running.',
    checkedAt: 1,
    version: '27.3.1',
    apiVersion: '1.47',
    os: 'linux',
    arch: 'x86_64',
    dataRoot: '/var/lib/docker',
    memoryBytes: 33e9,
    cpus: 16,
    gpu: { available: true, nvidiaRuntime: false, cdiDevices: ['nvidia.com/gpu=0', 'nvidia.com/gpu=all'] },
    remote: false,
  };
  it('keeps version, platform, data root and GPU passthrough', () => {
    expect(statusToProbeResult(base)).toEqual({
      reachable: true,
      endpoint: 'unix:///var/run/docker.sock',
      remote: false,
      version: '27.3.1',
      apiVersion: '1.47',
      os: 'linux',
      arch: 'x86_64',
      dataRoot: '/var/lib/docker',
      memTotalBytes: 33e9,
      ncpu: 16,
      nvidiaRuntime: false,
      cdiDevices: ['nvidia.com/gpu=0', 'nvidia.com/gpu=all'],
      gpuPassthrough: true,
    });
  });
  it('a stopped daemon is unreachable with its message and hint; a remote data root is dropped', () => {
    const down = statusToProbeResult({ ...base, state: 'not-running', message: 'Docker is installed but not running.', hint: 'Start Docker.', gpu: { available: false, nvidiaRuntime: false, cdiDevices: [] } });
    expect(down).toMatchObject({ reachable: false, reason: 'Docker is installed but not running.', hint: 'Start Docker.', gpuPassthrough: false });
    const remote = statusToProbeResult({ ...base, endpoint: 'ssh://me@gpu-box', remote: true });
    expect(remote.remote).toBe(true);
    expect(remote).not.toHaveProperty('dataRoot');
  });
});

describe('HardwareService', () => {
  const f = JSON.parse(fixture('si-linux-laptop-no-nvidia-driver.json'));
  const sys = (graphicsCalls: { n: number }): SystemInfoSource => ({
    cpu: async () => f.cpu,
    mem: async () => f.mem,
    osInfo: async () => f.osInfo,
    currentLoad: async () => ({ currentLoad: 7 }),
    graphics: async () => {
      graphicsCalls.n++;
      return f.graphics;
    },
  });
  const make = (run: RunTool, calls: { n: number }, now = () => 1000) =>
    new HardwareService({
      dockerProbe: async () => dockerUp({ dataRoot: '/nonexistent-docker-root' }),
      ollamaUrl: () => 'http://127.0.0.1:9',
      ollamaProbe: async (url) => ({ reachable: false, url, reason: 'closed' }),
      modelsDir: path.join(FIX, 'no-such-dir', 'models'),
      log: silentLogger,
      si: sys(calls),
      run,
      platform: 'linux',
      now,
    });

  it('builds a valid profile; without nvidia-smi it lists adapters through systeminformation', async () => {
    const calls = { n: 0 };
    const p = await make(replay({}), calls).profile();
    expect(HardwareProfileSchema.parse(p)).toEqual(p);
    expect(calls.n).toBe(1);
    expect(p.gpus.map((g) => g.vendor)).toEqual(['intel', 'nvidia']);
    expect(p.gpuTools.map((t) => [t.tool, t.state])).toEqual([
      ['nvidia-smi', 'absent'],
      ['rocm-smi', 'absent'],
      ['systeminformation', 'ok'],
    ]);
    expect(p.cpu.loadPercent).toBe(7);
    // The model store does not exist yet: its nearest existing parent is measured.
    expect(p.disks.models.state).toBe('ok');
    // Docker's data root must exist as is; here it does not.
    expect(p.disks.dockerData).toMatchObject({ state: 'unknown', freeBytes: null });
  });

  it('never asks systeminformation when nvidia-smi exists but hangs (its execSync would block)', async () => {
    const calls = { n: 0 };
    const hang: RunTool = async (cmd) => (cmd === 'nvidia-smi' ? { kind: 'timeout', ms: 5000 } : { kind: 'absent' });
    const p = await make(hang, calls).profile();
    expect(calls.n).toBe(0);
    expect(p.gpus).toEqual([]);
    expect(p.gpuTools[0]).toMatchObject({ tool: 'nvidia-smi', state: 'unknown' });
  });

  it('on macOS asks system_profiler (not nvidia-smi) and sees Apple Silicon as a Metal GPU', async () => {
    const calls = { n: 0 };
    const run = replay({ system_profiler: ok(fixture('system-profiler-m2-pro.xml')) });
    const svc = new HardwareService({
      dockerProbe: async () => dockerUp({ operatingSystem: 'Docker Desktop', memTotalBytes: 8 * 1024 ** 3 }),
      ollamaUrl: () => 'http://127.0.0.1:11434',
      ollamaProbe: async (url) => ({ reachable: true, url, version: '0.12.6' }),
      modelsDir: FIX,
      log: silentLogger,
      si: sys(calls),
      run,
      platform: 'darwin',
    });
    const p = await svc.profile();
    expect(run.calls).toEqual(['system_profiler -xml SPHardwareDataType SPDisplaysDataType']);
    expect(calls.n).toBe(0);
    expect(p.gpus).toMatchObject([{ vendor: 'apple', name: 'Apple M2 Pro', api: 'metal', unifiedMemory: true }]);
    // Docker Desktop keeps its data root inside its VM: not measurable from the host.
    expect(p.disks.dockerData).toMatchObject({ state: 'unknown', hint: expect.stringContaining('Docker Desktop') });
  });

  it('reuses a profile for a few seconds and detects again on refresh or after expiry', async () => {
    const calls = { n: 0 };
    let t = 1000;
    const svc = make(replay({}), calls, () => t);
    const a = await svc.profile();
    t += 5000;
    expect(await svc.profile()).toBe(a);
    expect(await svc.profile({ refresh: true })).not.toBe(a);
    t += 11_000;
    await svc.profile();
    expect(calls.n).toBe(3);
  });

  it('a changed Docker endpoint or Ollama URL drops the cached profile', async () => {
    const calls = { n: 0 };
    let key = 'auto http://127.0.0.1:11434';
    const svc = new HardwareService({
      dockerProbe: async () => dockerUp(),
      ollamaUrl: () => 'http://127.0.0.1:9',
      ollamaProbe: async (url) => ({ reachable: false, url }),
      modelsDir: FIX,
      log: silentLogger,
      si: sys(calls),
      run: replay({}),
      platform: 'linux',
      cacheKey: () => key,
    });
    const a = await svc.profile();
    expect(await svc.profile()).toBe(a);
    key = 'unix:///tmp/other.sock http://127.0.0.1:11434';
    expect(await svc.profile()).not.toBe(a);
    expect(calls.n).toBe(2);
  });

  it('concurrent callers share one detection', async () => {
    const calls = { n: 0 };
    const svc = make(replay({}), calls);
    const [a, b] = await Promise.all([svc.profile(), svc.profile({ refresh: true })]);
    expect(a).toBe(b);
    expect(calls.n).toBe(1);
  });
});
