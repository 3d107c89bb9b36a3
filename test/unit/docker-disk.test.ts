import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { checkDiskSpace, dataRootFreeBytes, estimateImageBytes } from '../../electron/core/docker/disk';
import { builtinResolveModel } from '../../electron/core/docker/model-ref';
import { buildSpec } from '../../electron/core/docker/specs';
import { defaultDeployConfig } from '../../electron/core/backends';
import { DeployInputSchema, type DockerStatus } from '../../electron/shared/contract/docker';

const status = (over: Partial<DockerStatus> = {}): DockerStatus => ({
  state: 'reachable',
  endpoint: 'unix:///var/run/docker.sock',
  source: 'system',
  message: '',
  checkedAt: 0,
  gpu: { available: false, nvidiaRuntime: false, cdiDevices: [] },
  remote: false,
  dataRoot: os.tmpdir(),
  operatingSystem: 'Debian GNU/Linux 12',
  ...over,
});

const spec = buildSpec(DeployInputSchema.parse(defaultDeployConfig('vllm-cpu')), {
  mirror: 'localhost:5000',
  engineVersion: '1',
  appVersion: '1',
  modelsDir: '/m',
  arch: 'x86_64',
  resolveModel: builtinResolveModel,
});

describe('disk space check', () => {
  it('knows the upstream images’ sizes through any mirror', () => {
    expect(estimateImageBytes('localhost:5000/vllm/vllm-openai:latest')).toBe(22e9);
    expect(estimateImageBytes('vllm/vllm-openai-cpu:latest-x86_64')).toBe(8e9);
    expect(estimateImageBytes('slm-deck/onnx-engine:1')).toBe(0);
  });

  it('reads free space only where the data root is on this machine', async () => {
    // Docker's data root is local only on Linux (elsewhere it sits inside Docker Desktop's VM).
    const local = await dataRootFreeBytes(status());
    if (process.platform === 'linux') expect(local).toBeGreaterThan(0);
    else expect(local).toBeNull();
    expect(await dataRootFreeBytes(status({ remote: true }))).toBeNull();
    expect(await dataRootFreeBytes(status({ operatingSystem: 'Docker Desktop' }))).toBeNull();
    expect(await dataRootFreeBytes(status({ dataRoot: '/nonexistent/docker' }))).toBeNull();
  });

  it('refuses a deployment whose images and model clearly do not fit, and says how much is needed', async () => {
    // More images than any disk holds.
    const many = Array.from({ length: 100_000 }, () => 'vllm/vllm-openai-cpu:latest-x86_64');
    // Where the data root cannot be measured (not Linux) there is nothing to refuse on.
    if (process.platform !== 'linux') return expect(checkDiskSpace(spec, many, status())).resolves.toBeUndefined();
    await expect(checkDiskSpace(spec, many, status())).rejects.toMatchObject({
      code: 'insufficient_resources',
      message: expect.stringMatching(/has [\d.]+ GB free; this deployment needs about [\d.]+ GB/),
      hint: expect.stringContaining('docker system prune'),
    });
    await expect(checkDiskSpace(spec, [], status())).resolves.toBeUndefined();
  });
});
