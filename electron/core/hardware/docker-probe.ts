import type { DockerStatus } from '../../shared/contract/docker';
import type { DockerProbeResult } from '../../shared/contract/hardware';

/** How the hardware service learns about Docker; injected so tests can describe any daemon. */
export type DockerProbe = (opts?: { refresh?: boolean }) => Promise<DockerProbeResult>;

/** Reads the Docker domain's status check (core/docker/connection.ts) as the profile's Docker section. */
export function dockerProbeFromStatus(status: (opts?: { refresh?: boolean }) => Promise<DockerStatus>): DockerProbe {
  return async (opts) => statusToProbeResult(await status(opts?.refresh ? { refresh: true } : {}));
}

export function statusToProbeResult(s: DockerStatus): DockerProbeResult {
  const reachable = s.state === 'reachable';
  return {
    reachable,
    endpoint: s.endpoint,
    remote: s.remote,
    ...(reachable ? {} : { reason: s.message, ...(s.hint ? { hint: s.hint } : {}) }),
    ...(s.version ? { version: s.version } : {}),
    ...(s.apiVersion ? { apiVersion: s.apiVersion } : {}),
    ...(s.os ? { os: s.os } : {}),
    ...(s.arch ? { arch: s.arch } : {}),
    ...(s.operatingSystem ? { operatingSystem: s.operatingSystem } : {}),
    // A remote daemon's data root is a path on another machine: not measurable here.
    ...(s.dataRoot && !s.remote ? { dataRoot: s.dataRoot } : {}),
    ...(s.memoryBytes !== undefined ? { memTotalBytes: s.memoryBytes } : {}),
    ...(s.cpus !== undefined ? { ncpu: s.cpus } : {}),
    nvidiaRuntime: s.gpu.nvidiaRuntime,
    cdiDevices: s.gpu.cdiDevices,
    gpuPassthrough: s.gpu.available,
  };
}
