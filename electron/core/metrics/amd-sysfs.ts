import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { GpuInfo } from '../../shared/contract/hardware';
import type { SourceStatus } from '../../shared/contract/metrics';

const AMD_VENDOR = '0x1002';

async function readNumber(file: string): Promise<number | null> {
  try {
    const n = Number((await fs.readFile(file, 'latin1')).trim());
    return Number.isFinite(n) ? n : null;
  } catch {
    return null;
  }
}

async function firstHwmon(deviceDir: string): Promise<string | null> {
  try {
    const names = (await fs.readdir(path.join(deviceDir, 'hwmon'))).filter((n) => n.startsWith('hwmon')).sort();
    return names.length ? path.join(deviceDir, 'hwmon', names[0]) : null;
  } catch {
    return null;
  }
}

/** The amdgpu cards under a /sys/class/drm folder, ordered by card number. */
export async function findAmdCards(drmRoot: string): Promise<{ index: number; deviceDir: string }[]> {
  let entries: string[];
  try {
    entries = await fs.readdir(drmRoot);
  } catch {
    return [];
  }
  const cards: { index: number; deviceDir: string }[] = [];
  for (const name of entries) {
    const m = /^card(\d+)$/.exec(name);
    if (!m) continue;
    const deviceDir = path.join(drmRoot, name, 'device');
    const vendor = await fs.readFile(path.join(deviceDir, 'vendor'), 'latin1').catch(() => '');
    if (vendor.trim() === AMD_VENDOR) cards.push({ index: Number(m[1]), deviceDir });
  }
  return cards.sort((a, b) => a.index - b.index);
}

/** One amdgpu card from the files rocm-smi itself reads, so no Python process per sample. */
export async function readAmdCard(index: number, deviceDir: string): Promise<GpuInfo> {
  const hwmon = await firstHwmon(deviceDir);
  const [busy, used, total, temp, power] = await Promise.all([
    readNumber(path.join(deviceDir, 'gpu_busy_percent')),
    readNumber(path.join(deviceDir, 'mem_info_vram_used')),
    readNumber(path.join(deviceDir, 'mem_info_vram_total')),
    hwmon ? readNumber(path.join(hwmon, 'temp1_input')) : null,
    // power1_average on most cards, power1_input on newer ones; microwatts.
    hwmon ? readNumber(path.join(hwmon, 'power1_average')).then((v) => v ?? readNumber(path.join(hwmon, 'power1_input'))) : null,
  ]);
  const name = await fs
    .readFile(path.join(deviceDir, 'product_name'), 'latin1')
    .then((s) => s.trim())
    .catch(() => '');
  return {
    index,
    vendor: 'amd',
    name: name || `AMD GPU ${index}`,
    uuid: null,
    vramTotalBytes: total,
    vramUsedBytes: used,
    vramFreeBytes: total !== null && used !== null ? Math.max(0, total - used) : null,
    unifiedMemory: false,
    driverVersion: null,
    cudaVersion: null,
    computeCapability: null,
    utilizationPercent: busy,
    temperatureC: temp === null ? null : temp / 1000,
    powerDrawW: power === null ? null : power / 1e6,
    powerLimitW: null,
    api: 'rocm',
    source: 'rocm-smi',
  };
}

/** AMD GPUs on Linux through amdgpu sysfs; cards are looked up once per start. */
export class AmdSysfs {
  private cards: Promise<{ index: number; deviceDir: string }[]> | null = null;
  private state: SourceStatus = { name: 'amd-sysfs', scope: 'gpu', state: 'idle', message: 'Not sampled right now.' };

  constructor(private drmRoot = '/sys/class/drm') {}

  start(): void {
    this.cards = process.platform === 'linux' || this.drmRoot !== '/sys/class/drm' ? findAmdCards(this.drmRoot) : Promise.resolve([]);
  }

  stop(): void {
    this.cards = null;
    this.state = { name: 'amd-sysfs', scope: 'gpu', state: 'idle', message: 'Not sampled right now.' };
  }

  status(): SourceStatus {
    return this.state;
  }

  async read(): Promise<GpuInfo[]> {
    const cards = await (this.cards ?? Promise.resolve([]));
    if (cards.length === 0) {
      this.state = { name: 'amd-sysfs', scope: 'gpu', state: 'absent', message: 'No AMD GPU (no amdgpu card in sysfs).' };
      return [];
    }
    const gpus = await Promise.all(cards.map((c) => readAmdCard(c.index, c.deviceDir)));
    this.state = { name: 'amd-sysfs', scope: 'gpu', state: 'ok', message: `${gpus.length} AMD GPU${gpus.length > 1 ? 's' : ''}` };
    return gpus;
  }
}
