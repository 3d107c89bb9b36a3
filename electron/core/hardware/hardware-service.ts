import os from 'node:os';
import si from 'systeminformation';
import type { GpuInfo, HardwareProfile, OllamaNative, ToolReport } from '../../shared/contract/hardware';
import type { Logger } from '../log/logger';
import { diskSpace } from './disk';
import type { DockerProbe } from './docker-probe';
import { queryNvidiaSmi } from './nvidia-smi';
import { probeOllama } from './ollama-probe';
import { queryRocmSmi } from './rocm-smi';
import { runTool, type RunTool } from './run-tool';
import { mapCpu, mapGraphics, mapMemory, mapOs, type SiCpu, type SiGraphics, type SiMem, type SiOs } from './si-mappers';
import { querySystemProfiler } from './system-profiler';

/** The systeminformation calls used, injectable for tests. */
export interface SystemInfoSource {
  cpu(): Promise<SiCpu>;
  mem(): Promise<SiMem>;
  osInfo(): Promise<SiOs>;
  currentLoad(): Promise<{ currentLoad: number }>;
  graphics(): Promise<SiGraphics>;
}

export const systemInformation: SystemInfoSource = {
  cpu: () => si.cpu(),
  mem: () => si.mem(),
  osInfo: () => si.osInfo(),
  currentLoad: () => si.currentLoad(),
  graphics: () => si.graphics(),
};

export interface HardwareServiceDeps {
  dockerProbe: DockerProbe;
  ollamaUrl: () => string;
  /** Where SLM Deck stores model files (its free space is part of the profile). */
  modelsDir: string;
  log: Logger;
  si?: SystemInfoSource;
  run?: RunTool;
  ollamaProbe?: (url: string) => Promise<OllamaNative>;
  platform?: NodeJS.Platform;
  now?: () => number;
  /** How long a profile is reused before detection runs again. */
  cacheMs?: number;
  /** Settings the profile depends on (Docker endpoint, Ollama URL): a change drops the cached profile. */
  cacheKey?: () => string;
  toolTimeoutMs?: number;
}

/** Detects this machine's hardware, Docker and a native Ollama; one run at a time, cached briefly. */
export class HardwareService {
  private cached: { at: number; key: string; profile: HardwareProfile } | undefined;
  private inflight: Promise<HardwareProfile> | undefined;

  constructor(private deps: HardwareServiceDeps) {}

  async profile(opts: { refresh?: boolean } = {}): Promise<HardwareProfile> {
    const now = (this.deps.now ?? Date.now)();
    const key = this.deps.cacheKey?.() ?? '';
    const fresh = this.cached && this.cached.key === key && now - this.cached.at < (this.deps.cacheMs ?? 10_000);
    if (!opts.refresh && fresh) return this.cached!.profile;
    this.inflight ??= this.collect(Boolean(opts.refresh) || Boolean(this.cached && this.cached.key !== key)).finally(() => (this.inflight = undefined));
    const profile = await this.inflight;
    this.cached = { at: (this.deps.now ?? Date.now)(), key, profile };
    return profile;
  }

  private async collect(refresh: boolean): Promise<HardwareProfile> {
    const started = (this.deps.now ?? Date.now)();
    const sys = this.deps.si ?? systemInformation;
    const run = this.deps.run ?? runTool;
    const platform = this.deps.platform ?? process.platform;
    const timeoutMs = this.deps.toolTimeoutMs ?? 5000;

    const [osInfo, cpu, mem, load, gpu, docker, ollama] = await Promise.all([
      sys.osInfo().catch((): SiOs => ({ platform, distro: os.type(), release: os.release(), kernel: os.release(), arch: os.arch() })),
      sys.cpu().catch((): SiCpu => {
        const cpus = os.cpus();
        return { manufacturer: '', brand: cpus[0]?.model ?? 'Unknown CPU', vendor: '', physicalCores: cpus.length, cores: cpus.length, speed: 0, flags: '' };
      }),
      sys.mem().catch((): SiMem => ({ total: os.totalmem(), available: os.freemem(), swaptotal: 0, swapused: 0 })),
      sys.currentLoad().then((l) => l.currentLoad as number | null).catch(() => null),
      this.gpus(platform, run, sys, timeoutMs),
      this.deps.dockerProbe({ refresh }),
      (this.deps.ollamaProbe ?? ((u: string) => probeOllama(u)))(this.deps.ollamaUrl()),
    ]);
    const osMapped = mapOs(osInfo);
    const dockerLocal = docker.reachable && docker.dataRoot && !/Docker Desktop/i.test(docker.operatingSystem ?? '') && /^unix:\/\//.test(docker.endpoint);
    const [models, dockerData] = await Promise.all([
      diskSpace('Model store', this.deps.modelsDir),
      docker.reachable && docker.dataRoot
        ? dockerLocal
          ? diskSpace("Docker's data root", docker.dataRoot, { exact: true })
          : Promise.resolve({
              label: "Docker's data root",
              path: docker.dataRoot,
              state: 'unknown' as const,
              totalBytes: null,
              freeBytes: null,
              hint: 'Docker runs in a VM or on another machine: check its disk in Docker Desktop → Settings → Resources.',
            })
        : Promise.resolve(null),
    ]);
    const profile: HardwareProfile = {
      collectedAt: (this.deps.now ?? Date.now)(),
      durationMs: (this.deps.now ?? Date.now)() - started,
      os: osMapped,
      cpu: mapCpu(cpu, osMapped.arch, load),
      memory: mapMemory(mem),
      gpus: gpu.gpus,
      gpuTools: gpu.reports,
      disks: { models, dockerData },
      docker,
      ollama,
    };
    this.deps.log.debug('hardware profile collected', { ms: profile.durationMs, gpus: profile.gpus.length, docker: docker.reachable });
    return profile;
  }

  private async gpus(platform: NodeJS.Platform, run: RunTool, sys: SystemInfoSource, timeoutMs: number): Promise<{ gpus: GpuInfo[]; reports: ToolReport[] }> {
    if (platform === 'darwin') {
      const sp = await querySystemProfiler({ run, timeoutMs: timeoutMs * 2 });
      return { gpus: sp.info?.gpus ?? [], reports: [sp.report] };
    }
    const [nvidia, rocm] = await Promise.all([
      queryNvidiaSmi({ run, timeoutMs }),
      platform === 'linux' ? queryRocmSmi({ run, timeoutMs }) : Promise.resolve(null),
    ]);
    const gpus = [...nvidia.gpus, ...(rocm?.gpus ?? [])];
    const reports = [nvidia.report, ...(rocm ? [rocm.report] : [])];
    // systeminformation runs nvidia-smi with execSync when it exists, which would block on a hung
    // driver: ask it about other adapters only when nvidia-smi is not installed at all.
    if (nvidia.report.state === 'absent') {
      try {
        const others = mapGraphics(await sys.graphics()).filter((g) => !(g.vendor === 'amd' && rocm?.gpus.length));
        gpus.push(...others);
        reports.push({
          tool: 'systeminformation',
          state: others.length ? 'ok' : 'absent',
          message: others.length ? `Display adapters: ${others.map((g) => g.name).join(', ')}.` : 'no display adapter found.',
        });
      } catch (e) {
        reports.push({ tool: 'systeminformation', state: 'unknown', message: `Could not list display adapters: ${e instanceof Error ? e.message : String(e)}` });
      }
    }
    return { gpus, reports };
  }
}
