import { describe, expect, it } from 'vitest';
import { bundledCatalog } from '../../electron/core/hardware/catalog';
import { dockerHostProfile } from '../../electron/core/hardware/docker-host';
import { buildPlan } from '../../electron/core/hardware/plan';
import { dockerUp, GIB, makeProfile, nvidiaGpu } from '../fixtures/hardware/profiles';

const catalog = bundledCatalog();

// A 4 GiB laptop with a small GPU, talking to a 64 GiB, 32-core box over SSH.
const laptop = { ramGiB: 4, availableGiB: 2, cores: 2, gpus: [nvidiaGpu({ vramMiB: 4096 })] };
const remote = dockerUp({ endpoint: 'ssh://me@gpu-box', remote: true, ncpu: 32, memTotalBytes: 64 * GIB, operatingSystem: 'Ubuntu 24.04 LTS', dataRoot: undefined });

describe('planning for a remote Docker host', () => {
  it('sizes against the remote host’s CPUs and memory from docker info, not this machine’s', () => {
    const p = dockerHostProfile(makeProfile({ ...laptop, docker: remote }));
    expect(p.memory).toMatchObject({ totalBytes: 64 * GIB, availableBytes: 64 * GIB });
    expect(p.cpu.logicalCores).toBe(32);
    // The laptop's GPU is not the remote host's.
    expect(p.gpus).toEqual([]);
    const here = buildPlan(catalog, makeProfile({ ...laptop, docker: dockerUp() }), { bindHost: '127.0.0.1' });
    const there = buildPlan(catalog, p, { bindHost: '127.0.0.1' });
    const fits = (rows: typeof here.rows, backend: string) => rows.filter((r) => r.backend === backend).some((r) => r.verdict === 'fits');
    expect(fits(here.rows, 'vllm-cpu')).toBe(false);
    expect(fits(there.rows, 'vllm-cpu')).toBe(true);
  });

  it('lists the remote host’s GPUs as its daemon names them (CDI), VRAM unknown', () => {
    const p = dockerHostProfile(makeProfile({ ...laptop, docker: { ...remote, gpuPassthrough: true, cdiDevices: ['nvidia.com/gpu=0', 'nvidia.com/gpu=1', 'nvidia.com/gpu=all'] } }));
    expect(p.gpus.map((g) => [g.vendor, g.name, g.vramTotalBytes])).toEqual([
      ['nvidia', 'nvidia.com/gpu=0 (remote Docker host)', null],
      ['nvidia', 'nvidia.com/gpu=1 (remote Docker host)', null],
    ]);
  });

  it('leaves a local daemon’s machine as detected', () => {
    const p = makeProfile({ ...laptop, docker: dockerUp() });
    expect(dockerHostProfile(p)).toBe(p);
  });
});
