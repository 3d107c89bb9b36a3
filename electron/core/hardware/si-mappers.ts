import type { Systeminformation } from 'systeminformation';
import type { CpuFlags, GpuInfo, MemoryInfo } from '../../shared/contract/hardware';
import type { z } from 'zod';
import type { CpuInfoSchema, OsInfoSchema } from '../../shared/contract/hardware';

/** The parts of systeminformation's answers SLM Deck reads (recorded as fixtures in tests). */
export type SiCpu = Pick<Systeminformation.CpuData, 'manufacturer' | 'brand' | 'vendor' | 'physicalCores' | 'cores' | 'speed' | 'flags'>;
export type SiMem = Pick<Systeminformation.MemData, 'total' | 'available' | 'swaptotal' | 'swapused'>;
export type SiOs = Pick<Systeminformation.OsData, 'platform' | 'distro' | 'release' | 'kernel' | 'arch'>;
export type SiGraphics = { controllers: Array<Partial<Systeminformation.GraphicsControllerData>> };

const MIB = 1024 * 1024;

/** Reads the flags that matter for inference kernels (Linux /proc/cpuinfo names, any case). */
export function cpuFlags(flags: string, arch: string): CpuFlags {
  const set = new Set(flags.toLowerCase().split(/[\s,]+/).filter(Boolean));
  const arm = arch === 'arm64' || arch === 'aarch64';
  return {
    avx2: set.has('avx2'),
    avx512: set.has('avx512f'),
    avx512bf16: set.has('avx512_bf16') || set.has('avx512bf16'),
    amx: set.has('amx_tile') || set.has('amx_bf16') || set.has('amx_int8') || set.has('amx'),
    // NEON (Advanced SIMD) is mandatory on AArch64; Linux calls it "asimd".
    neon: arm || set.has('asimd') || set.has('neon'),
  };
}

export function mapCpu(cpu: SiCpu, arch: string, loadPercent: number | null): z.infer<typeof CpuInfoSchema> {
  const brand = cpu.brand.replace(/®|\(R\)|\(TM\)|™/g, '').replace(/\s+/g, ' ').trim();
  const model = brand.toLowerCase().startsWith(cpu.manufacturer.toLowerCase()) ? brand : `${cpu.manufacturer} ${brand}`.trim();
  return {
    model: model || 'Unknown CPU',
    vendor: cpu.vendor || cpu.manufacturer || 'unknown',
    physicalCores: cpu.physicalCores || cpu.cores || 0,
    logicalCores: cpu.cores || cpu.physicalCores || 0,
    // systeminformation reports 0 when the clock is unknown (common in VMs).
    speedGhz: cpu.speed > 0 ? cpu.speed : null,
    flags: cpuFlags(cpu.flags ?? '', arch),
    loadPercent: loadPercent !== null && Number.isFinite(loadPercent) ? Math.round(loadPercent * 10) / 10 : null,
  };
}

export function mapMemory(mem: SiMem): MemoryInfo {
  return {
    totalBytes: mem.total,
    availableBytes: Math.min(mem.available, mem.total),
    swapTotalBytes: mem.swaptotal,
    swapUsedBytes: mem.swapused,
  };
}

export function mapOs(os: SiOs): z.infer<typeof OsInfoSchema> {
  // Node and systeminformation say x64; people (and Docker) say x86_64/amd64.
  const arch = os.arch === 'x64' ? 'x86_64' : os.arch;
  // Node's names, so the profile compares with process.platform (systeminformation says "Windows").
  const platform = /^win/i.test(os.platform) ? 'win32' : os.platform;
  return { platform, distro: os.distro, release: os.release, kernel: os.kernel, arch };
}

function vendorOf(text: string): GpuInfo['vendor'] {
  const t = text.toLowerCase();
  if (t.includes('nvidia')) return 'nvidia';
  if (t.includes('advanced micro') || /\bamd\b|\bati\b|radeon/.test(t)) return 'amd';
  if (t.includes('intel')) return 'intel';
  if (t.includes('apple')) return 'apple';
  return 'other';
}

const nonZero = (v: number | null | undefined) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : null);

/**
 * Adapters seen by systeminformation (lspci / WMI / system_profiler). Used for non-NVIDIA
 * adapters and as a fallback: it drops zero values, so zeros become "unknown" here.
 */
export function mapGraphics(g: SiGraphics, startIndex = 0): GpuInfo[] {
  return g.controllers.map((c, i): GpuInfo => {
    const vendor = vendorOf(`${c.vendor ?? ''} ${c.model ?? ''}`);
    const unified = Boolean(c.vramDynamic) || vendor === 'apple';
    const totalMiB = nonZero(c.memoryTotal) ?? nonZero(c.vram);
    return {
      index: startIndex + i,
      vendor,
      name: (c.name || c.model || 'GPU').trim(),
      uuid: null,
      vramTotalBytes: totalMiB === null ? null : totalMiB * MIB,
      vramUsedBytes: nonZero(c.memoryUsed) === null ? null : c.memoryUsed! * MIB,
      vramFreeBytes: nonZero(c.memoryFree) === null ? null : c.memoryFree! * MIB,
      unifiedMemory: unified,
      driverVersion: c.driverVersion || null,
      cudaVersion: null,
      computeCapability: null,
      utilizationPercent: nonZero(c.utilizationGpu),
      temperatureC: nonZero(c.temperatureGpu),
      powerDrawW: nonZero(c.powerDraw),
      powerLimitW: nonZero(c.powerLimit),
      // Without nvidia-smi / rocm-smi the driver stack for compute is not confirmed.
      api: vendor === 'apple' ? 'metal' : 'none',
      source: 'systeminformation',
    };
  });
}
