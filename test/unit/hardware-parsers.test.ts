import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { GpuInfoSchema } from '../../electron/shared/contract/hardware';
import { NVIDIA_QUERY_FIELDS, NvidiaSmiParseError, explainNvidiaSmiFailure, parseCudaVersion, parseNvidiaSmiCsv } from '../../electron/core/hardware/nvidia-smi';
import { parseRocmSmiJson } from '../../electron/core/hardware/rocm-smi';
import { cpuFlags, mapCpu, mapGraphics, mapMemory, mapOs, type SiCpu, type SiGraphics, type SiMem, type SiOs } from '../../electron/core/hardware/si-mappers';
import { parsePlist, parseProfilerSize, parseSystemProfiler } from '../../electron/core/hardware/system-profiler';

const FIX = path.resolve(import.meta.dirname, '../fixtures/hardware');
const fixture = (name: string) => readFileSync(path.join(FIX, name), 'utf8');
const MIB = 1024 ** 2;
const GIB = 1024 ** 3;

describe('nvidia-smi CSV', () => {
  it('reads one GPU with every field, sizes converted from MiB', () => {
    const [g, ...rest] = parseNvidiaSmiCsv(fixture('nvidia-smi-one-gpu.csv'), NVIDIA_QUERY_FIELDS, '12.4');
    expect(rest).toHaveLength(0);
    expect(GpuInfoSchema.parse(g)).toEqual({
      index: 0,
      vendor: 'nvidia',
      name: 'NVIDIA GeForce RTX 3060',
      uuid: 'GPU-9b8f3c2e-5d1a-4f6e-8c7b-2a9d0e1f3b4c',
      vramTotalBytes: 12288 * MIB,
      vramUsedBytes: 1043 * MIB,
      vramFreeBytes: 11015 * MIB,
      unifiedMemory: false,
      driverVersion: '550.54.14',
      cudaVersion: '12.4',
      computeCapability: '8.6',
      utilizationPercent: 3,
      temperatureC: 41,
      powerDrawW: 17.58,
      powerLimitW: 170,
      api: 'cuda',
      source: 'nvidia-smi',
    });
  });

  it('reads two GPUs in index order', () => {
    const gpus = parseNvidiaSmiCsv(fixture('nvidia-smi-two-gpus.csv'));
    expect(gpus.map((g) => [g.index, g.name, g.vramTotalBytes! / MIB, g.computeCapability])).toEqual([
      [0, 'NVIDIA GeForce RTX 4090', 24564, '8.9'],
      [1, 'NVIDIA RTX A4000', 16376, '8.6'],
    ]);
    // A zero is a measurement, not a missing value.
    expect(gpus[1].utilizationPercent).toBe(0);
  });

  it('turns [N/A] and [Not Supported] into unknown, not zero', () => {
    const [g] = parseNvidiaSmiCsv(fixture('nvidia-smi-na-fields.csv'));
    expect(g.utilizationPercent).toBeNull();
    expect(g.powerDrawW).toBeNull();
    expect(g.powerLimitW).toBeNull();
    expect(g.temperatureC).toBe(45);
    expect(g.vramTotalBytes).toBe(2048 * MIB);
  });

  it('rejects lines with the wrong number of columns', () => {
    expect(() => parseNvidiaSmiCsv('0, NVIDIA GeForce RTX 3060, 12288\n')).toThrow(NvidiaSmiParseError);
    expect(() => parseNvidiaSmiCsv(fixture('nvidia-smi-mismatch.txt'))).toThrow(NvidiaSmiParseError);
  });

  it('reads the CUDA version from the plain nvidia-smi header', () => {
    expect(parseCudaVersion(fixture('nvidia-smi-header.txt'))).toBe('12.4');
    expect(parseCudaVersion('CUDA Version                              : 12.2')).toBe('12.2');
    expect(parseCudaVersion('no header here')).toBeNull();
  });

  it('explains a driver/library mismatch and a missing driver with a hint', () => {
    const mismatch = explainNvidiaSmiFailure(fixture('nvidia-smi-mismatch.txt'));
    expect(mismatch.state).toBe('unknown');
    expect(mismatch.message).toContain('driver/library version mismatch (NVML library 570.124)');
    expect(mismatch.hint).toMatch(/Reboot/);
    const noDriver = explainNvidiaSmiFailure(fixture('nvidia-smi-no-driver.txt'));
    expect(noDriver.message).toBe('nvidia-smi cannot talk to the NVIDIA driver.');
    expect(noDriver.hint).toMatch(/modprobe nvidia/);
    expect(explainNvidiaSmiFailure('No devices were found').state).toBe('absent');
  });
});

describe('rocm-smi JSON', () => {
  it('reads cards after a warning line, with the driver from the system entry', () => {
    const gpus = parseRocmSmiJson(fixture('rocm-smi-output.txt'));
    expect(gpus).toHaveLength(2);
    expect(gpus[0]).toMatchObject({
      index: 0,
      vendor: 'amd',
      name: 'Radeon RX 7900 XTX',
      vramTotalBytes: 25753026560,
      vramUsedBytes: 1211052032,
      vramFreeBytes: 25753026560 - 1211052032,
      driverVersion: '6.8.5',
      computeCapability: 'gfx1100',
      utilizationPercent: 2,
      temperatureC: 38,
      powerDrawW: 22,
      api: 'rocm',
    });
    // "N/A" power on the integrated GPU stays unknown.
    expect(gpus[1]).toMatchObject({ name: 'Raphael', powerDrawW: null, vramTotalBytes: 67108864 });
  });

  it('throws on output without JSON', () => {
    expect(() => parseRocmSmiJson('ERROR:root:Driver not initialized (amdgpu not found in modules)')).toThrow();
  });
});

describe('system_profiler (Apple Silicon)', () => {
  it('parses property lists: nested dicts, arrays, numbers, booleans, entities', () => {
    const v = parsePlist(
      '<?xml version="1.0"?><plist version="1.0"><dict><key>a</key><integer>-1</integer><key>b</key><real>0.5</real><key>c</key><true/><key>d</key><array><string>x &amp; y</string><dict/></array></dict></plist>',
    );
    expect(v).toEqual({ a: -1, b: 0.5, c: true, d: ['x & y', {}] });
    expect(() => parsePlist('<plist><dict><key>a</key></plist>')).toThrow();
  });

  it('reads an M2 Pro as one Metal GPU sharing 32 GB of unified memory', () => {
    const info = parseSystemProfiler(fixture('system-profiler-m2-pro.xml'));
    expect(info.chip).toBe('Apple M2 Pro');
    expect(info.memoryBytes).toBe(32 * GIB);
    expect(info.gpus).toHaveLength(1);
    expect(GpuInfoSchema.parse(info.gpus[0])).toMatchObject({
      vendor: 'apple',
      name: 'Apple M2 Pro',
      unifiedMemory: true,
      vramTotalBytes: 32 * GIB,
      api: 'metal',
      computeCapability: 'Metal 3',
      source: 'system_profiler',
    });
  });

  it('reads sizes in binary units', () => {
    expect(parseProfilerSize('16 GB')).toBe(16 * GIB);
    expect(parseProfilerSize('1536 MB')).toBe(1536 * MIB);
    expect(parseProfilerSize('lots')).toBeNull();
  });
});

interface SiFixture {
  cpu: SiCpu;
  mem: SiMem;
  osInfo: SiOs;
  graphics: SiGraphics;
}
const si = (name: string) => JSON.parse(fixture(name)) as SiFixture;

describe('systeminformation shapes', () => {
  it('this development VM: Xeon with AVX-512 (incl. BF16), no AMX, unknown clock, no adapters', () => {
    const f = si('si-linux-xeon-vm.json');
    const os = mapOs(f.osInfo);
    expect(os).toMatchObject({ platform: 'linux', arch: 'x86_64', distro: 'Debian GNU/Linux' });
    expect(mapCpu(f.cpu, os.arch, 12.345)).toEqual({
      model: 'Intel Xeon Processor',
      vendor: 'Intel',
      physicalCores: 2,
      logicalCores: 2,
      speedGhz: null,
      flags: { avx2: true, avx512: true, avx512bf16: true, amx: false, neon: false },
      loadPercent: 12.3,
    });
    expect(mapMemory(f.mem)).toEqual({ totalBytes: 25276510208, availableBytes: f.mem.available, swapTotalBytes: 0, swapUsedBytes: 0 });
    expect(mapGraphics(f.graphics)).toEqual([]);
  });

  it('a laptop whose NVIDIA GPU has no driver: listed, but without a compute API', () => {
    const f = si('si-linux-laptop-no-nvidia-driver.json');
    const cpu = mapCpu(f.cpu, mapOs(f.osInfo).arch, null);
    expect(cpu).toMatchObject({ model: 'Intel Core i7-1165G7', physicalCores: 4, logicalCores: 8, speedGhz: 2.8 });
    expect(cpu.flags).toMatchObject({ avx2: true, avx512: true, avx512bf16: false, amx: false });
    const gpus = mapGraphics(f.graphics);
    expect(gpus.map((g) => [g.vendor, g.unifiedMemory, g.api])).toEqual([
      ['intel', true, 'none'],
      ['nvidia', false, 'none'],
    ]);
    expect(mapMemory(f.mem).swapTotalBytes).toBe(2147479552);
  });

  it('Windows with an RTX 4070: zero values dropped by systeminformation stay unknown', () => {
    const f = si('si-windows-nvidia.json');
    expect(mapOs(f.osInfo).platform).toBe('win32');
    const [g] = mapGraphics(f.graphics);
    expect(g).toMatchObject({ vendor: 'nvidia', name: 'NVIDIA GeForce RTX 4070', vramTotalBytes: 12282 * MIB, vramUsedBytes: 1034 * MIB, driverVersion: '560.94', utilizationPercent: null, powerLimitW: 200 });
  });

  it('Apple Silicon: NEON without x86 flags, Metal GPU on unified memory', () => {
    const f = si('si-macos-m2-pro.json');
    const os = mapOs(f.osInfo);
    expect(mapCpu(f.cpu, os.arch, null)).toMatchObject({ model: 'Apple M2 Pro', flags: { avx2: false, avx512: false, amx: false, neon: true } });
    expect(mapGraphics(f.graphics)[0]).toMatchObject({ vendor: 'apple', unifiedMemory: true, api: 'metal' });
  });

  it('reads AMX and NEON flags by their Linux names', () => {
    expect(cpuFlags('avx2 avx512f amx_tile amx_bf16', 'x86_64')).toMatchObject({ amx: true, avx512: true });
    expect(cpuFlags('fp asimd evtstrm', 'aarch64').neon).toBe(true);
  });
});
