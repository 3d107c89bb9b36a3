import { describe, expect, it, vi } from 'vitest';
import { profileBackend } from '../../electron/core/bench/backend-profile';
import { metricsMemoryProbe, peakOf } from '../../electron/core/bench/memory-probe';
import { EventBus } from '../../electron/core/events/event-bus';
import { silentLogger } from '../../electron/core/log/logger';
import { ContainerSource, type ContainerFeed } from '../../electron/core/metrics/container-source';
import { MetricsService } from '../../electron/core/metrics/metrics-service';
import type { ChatBackend } from '../../electron/shared/contract/chat';
import type { Deployment, StatsSample } from '../../electron/shared/contract/docker';
import { makeProfile, nvidiaGpu } from '../fixtures/hardware/profiles';

const MIB = 1024 ** 2;
const backend: ChatBackend = { id: 'docker:vllm', kind: 'openai', baseUrl: 'http://127.0.0.1:8000/v1', label: 'vllm', source: 'docker', removable: false };
const deployment = { name: 'vllm', backend: 'vllm-cpu', containers: [{ id: 'c1', name: 'slm-deck-vllm', role: 'server' }], gpu: null } as unknown as Deployment;

const stats = (memoryBytes: number): StatsSample => ({
  container: 'slm-deck-vllm',
  time: Date.now(),
  cpuPercent: 50,
  onlineCpus: 2,
  memoryBytes,
  memoryLimitBytes: 8192 * MIB,
  memoryPercent: 1,
  netRxBytes: 0,
  netTxBytes: 0,
  blockReadBytes: 0,
  blockWriteBytes: 0,
  pids: 3,
});

describe('peak memory from the monitor', () => {
  it('reads the container series the monitor keeps for a deployment, through a real MetricsService', async () => {
    const plan = profileBackend(backend, { deployments: [deployment], hardware: makeProfile(), models: [] }).memory;
    expect(plan).toMatchObject({ memorySeries: ['container.slm-deck-vllm.mem'], scopes: ['containers'] });

    // Docker's stats stream as the monitor reads it: memory climbs to 900 MiB, then falls back.
    const readings = [300, 900, 400].map((m) => stats(m * MIB));
    const feed: ContainerFeed = {
      list: async () => [{ id: 'c1', name: 'slm-deck-vllm' }],
      stats: (_id, signal) => ({
        async *[Symbol.asyncIterator]() {
          for (const r of readings) {
            yield r;
            await new Promise((res) => setTimeout(res, 300));
          }
          await new Promise((res) => signal.addEventListener('abort', res, { once: true }));
        },
      }),
    };
    const metrics = new MetricsService({ bus: new EventBus(), log: silentLogger, containers: new ContainerSource(feed), intervalMs: 250, batchMs: 0 });
    try {
      const probe = metricsMemoryProbe(metrics);
      const from = Date.now();
      const session = probe.begin({ scopes: plan.scopes, engines: [] });
      // Until the monitor has recorded the reading after the peak.
      const mem = () => metrics.snapshot({ series: plan.memorySeries }).series[0]?.values ?? [];
      await vi.waitFor(() => expect(mem()).toContain(400 * MIB), { timeout: 5000, interval: 50 });
      await session.mark();
      const to = Date.now();
      expect(session.peak(plan.memorySeries, from, to)).toBe(900 * MIB);
      // Nothing measured for a series the monitor does not have.
      expect(session.peak(['container.other.mem'], from, to)).toBeNull();
      session.end();
      expect(metrics.status().watchers).toBe(0);
    } finally {
      metrics.close();
    }
  });

  it('sums GPUs row by row and keeps to the window', () => {
    const snap = {
      intervalMs: 1000,
      at: [1000, 2000, 3000, 4000],
      series: [
        { id: 'gpu.nvidia0.vram', values: [1, 5, 2, 9] },
        { id: 'gpu.nvidia1.vram', values: [1, null, 6, 9] },
      ],
    } as unknown as Parameters<typeof peakOf>[0];
    expect(peakOf(snap, ['gpu.nvidia0.vram', 'gpu.nvidia1.vram'], 2500, 3000)).toBe(8);
    expect(peakOf(snap, ['gpu.nvidia0.vram'], 1500, 2000)).toBe(5);
    expect(peakOf(snap, ['gpu.nvidia0.vram'], 9000, 9500)).toBeNull();
  });

  it('names each backend family and where its memory comes from', () => {
    const gpuBox = makeProfile({ gpus: [nvidiaGpu({ vramMiB: 8192 })] });
    const ollama = profileBackend({ ...backend, id: 'ollama', kind: 'ollama', baseUrl: 'http://127.0.0.1:11434', source: 'settings' }, { deployments: [], hardware: gpuBox, models: [] });
    expect(ollama).toMatchObject({ family: 'ollama', device: 'unknown', memory: { memorySeries: ['engine.127.0.0.1:11434.memory'], vramSeries: ['engine.127.0.0.1:11434.vram'], scopes: ['engines'] } });
    const vllm = profileBackend({ ...backend, id: 'custom:v', source: 'custom' }, { deployments: [], hardware: gpuBox, models: [{ id: 'm', detail: 'vllm' }] });
    expect(vllm).toMatchObject({ family: 'vllm', memory: { memorySeries: [], vramSeries: ['gpu.nvidia0.vram'], vramWhat: 'whole GPU (other programs included)' } });
    const embedded = profileBackend({ ...backend, id: 'embedded', source: 'embedded' }, { deployments: [], hardware: makeProfile(), models: [] });
    expect(embedded).toMatchObject({ family: 'onnx', device: 'cpu', memory: { memoryReason: 'the embedded engine runs inside the app; its memory is not measured on its own', vramReason: 'no GPU on this machine' } });
    const other = profileBackend({ ...backend, id: 'custom:x', source: 'custom' }, { deployments: [], hardware: null, models: [{ id: 'gpt', detail: 'someone' }] });
    expect(other).toMatchObject({ family: 'openai', device: 'unknown' });
  });
});
