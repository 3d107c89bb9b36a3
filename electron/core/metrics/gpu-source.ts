import type { GpuInfo } from '../../shared/contract/hardware';
import type { SourceStatus } from '../../shared/contract/metrics';
import { AmdSysfs } from './amd-sysfs';
import { NvidiaSmiLoop } from './nvidia-loop';
import { def, type CollectContext, type MetricSource, type Reading } from './source';

/** Anything that reports GPUs once per tick (nvidia-smi loop, amdgpu sysfs, or a test double). */
export interface GpuProbe {
  start(intervalMs: number): void;
  stop(): void;
  read(now: number): GpuInfo[] | Promise<GpuInfo[]>;
  status(): SourceStatus;
}

/** GpuInfo -> series. Keys carry the vendor so an NVIDIA and an AMD card 0 stay apart. */
export function gpuReadings(gpu: GpuInfo): Reading[] {
  const key = `gpu.${gpu.vendor}${gpu.index}`;
  const subject = `GPU ${gpu.index}`;
  const short = gpu.name.replace(/^(NVIDIA|AMD)\s+/i, '');
  const name = `${subject} (${short})`;
  return [
    { def: def(`${key}.util`, `${name} utilisation`, 'percent', 'gpu-util', 'gpu', subject, 100), value: gpu.utilizationPercent },
    { def: def(`${key}.vram`, `${name} VRAM used`, 'bytes', 'vram', 'gpu', subject, gpu.vramTotalBytes), value: gpu.vramUsedBytes },
    { def: def(`${key}.temp`, `${name} temperature`, 'celsius', 'gpu-temp', 'gpu', subject, null), value: gpu.temperatureC },
    { def: def(`${key}.power`, `${name} power`, 'watts', 'gpu-power', 'gpu', subject, gpu.powerLimitW), value: gpu.powerDrawW },
  ];
}

/** Every GPU of every vendor; a machine without GPUs simply has no GPU series. */
export class GpuSource implements MetricSource {
  readonly scope = 'gpu' as const;

  constructor(private probes: GpuProbe[] = [new NvidiaSmiLoop(), new AmdSysfs()]) {}

  start(intervalMs: number): void {
    for (const p of this.probes) p.start(intervalMs);
  }

  stop(): void {
    for (const p of this.probes) p.stop();
  }

  status(): SourceStatus[] {
    return this.probes.map((p) => p.status());
  }

  async collect(ctx: CollectContext): Promise<Reading[]> {
    const lists = await Promise.all(this.probes.map(async (p) => p.read(ctx.now)));
    return lists.flat().flatMap(gpuReadings);
  }
}
