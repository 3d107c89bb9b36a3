import type { GpuInfo, HardwareProfile } from '../../shared/contract/hardware';

/** NVIDIA GPUs a remote daemon names as CDI devices (`nvidia.com/gpu=0`); Docker reports no model or VRAM for them. */
function remoteGpus(cdiDevices: string[]): GpuInfo[] {
  return cdiDevices
    .filter((id) => /^nvidia\.com\/gpu=\d+$/.test(id))
    .map((id, index) => ({
      index,
      vendor: 'nvidia',
      name: `${id} (remote Docker host)`,
      uuid: null,
      vramTotalBytes: null,
      vramUsedBytes: null,
      vramFreeBytes: null,
      unifiedMemory: false,
      driverVersion: null,
      cudaVersion: null,
      computeCapability: null,
      utilizationPercent: null,
      temperatureC: null,
      powerDrawW: null,
      powerLimitW: null,
      api: 'cuda',
      source: 'systeminformation',
    }));
}

/**
 * The machine Docker deployments run on. Local Docker: this machine. A remote daemon
 * (ssh://, tcp://): that host as its daemon describes it (`docker info`: NCPU, MemTotal,
 * architecture, GPUs), since this machine's RAM and GPUs are not what the containers get.
 * What Docker does not report is left unknown rather than borrowed from this machine.
 */
export function dockerHostProfile(p: HardwareProfile): HardwareProfile {
  const d = p.docker;
  if (!d.reachable || !d.remote) return p;
  const cores = d.ncpu ?? 0;
  const mem = d.memTotalBytes ?? 0;
  return {
    ...p,
    os: { platform: d.os ?? 'linux', distro: d.operatingSystem ?? 'remote Docker host', release: '', kernel: '', arch: d.arch ?? p.os.arch },
    // CPU flags are not in `docker info`: AVX-512 counts as absent (vLLM CPU is then judged without it).
    cpu: { model: `${d.operatingSystem ?? 'remote'} (${d.endpoint})`, vendor: '', physicalCores: cores, logicalCores: cores, speedGhz: null, flags: { avx2: true, avx512: false, avx512bf16: false, amx: false, neon: /arm|aarch/.test(d.arch ?? '') }, loadPercent: null },
    memory: { totalBytes: mem, availableBytes: mem, swapTotalBytes: 0, swapUsedBytes: 0 },
    gpus: remoteGpus(d.cdiDevices),
    gpuTools: [],
  };
}
