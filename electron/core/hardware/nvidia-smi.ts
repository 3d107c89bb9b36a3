import type { GpuInfo, ToolReport } from '../../shared/contract/hardware';
import { runTool, type RunTool } from './run-tool';

/** The columns asked of `nvidia-smi --query-gpu`, in order. */
export const NVIDIA_QUERY_FIELDS = [
  'index',
  'name',
  'uuid',
  'memory.total',
  'memory.used',
  'memory.free',
  'driver_version',
  'compute_cap',
  'utilization.gpu',
  'temperature.gpu',
  'power.draw',
  'power.limit',
] as const;
type Field = (typeof NVIDIA_QUERY_FIELDS)[number];

const MIB = 1024 * 1024;

export class NvidiaSmiParseError extends Error {}

/** `[N/A]`, `[Not Supported]`, `[Unknown Error]`... mean "no value", not zero. */
function isMissing(v: string | undefined): boolean {
  return v === undefined || v === '' || /^\[.*\]$/.test(v) || /^n\/?a$/i.test(v);
}
function num(v: string | undefined): number | null {
  if (isMissing(v)) return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}
function str(v: string | undefined): string | null {
  return isMissing(v) ? null : v!;
}

/**
 * Parses `--format=csv,noheader,nounits` output for the given fields (by default
 * NVIDIA_QUERY_FIELDS). Throws NvidiaSmiParseError when a line has the wrong shape.
 */
export function parseNvidiaSmiCsv(text: string, fields: readonly Field[] = NVIDIA_QUERY_FIELDS, cudaVersion: string | null = null): GpuInfo[] {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  return lines.map((line, row) => {
    // GPU names never contain ", " so a plain split is exact for this format.
    const cells = line.split(/,\s*/);
    if (cells.length !== fields.length) {
      throw new NvidiaSmiParseError(`line ${row + 1} has ${cells.length} columns, expected ${fields.length}: "${line.slice(0, 120)}"`);
    }
    const get = (f: Field) => {
      const i = fields.indexOf(f);
      return i < 0 ? undefined : cells[i];
    };
    const index = num(get('index'));
    const name = str(get('name'));
    if (index === null || !Number.isInteger(index) || !name) {
      throw new NvidiaSmiParseError(`line ${row + 1} has no GPU index or name: "${line.slice(0, 120)}"`);
    }
    const mib = (f: Field) => {
      const v = num(get(f));
      return v === null ? null : v * MIB;
    };
    return {
      index,
      vendor: 'nvidia',
      name,
      uuid: str(get('uuid')),
      vramTotalBytes: mib('memory.total'),
      vramUsedBytes: mib('memory.used'),
      vramFreeBytes: mib('memory.free'),
      unifiedMemory: false,
      driverVersion: str(get('driver_version')),
      cudaVersion,
      computeCapability: str(get('compute_cap')),
      utilizationPercent: num(get('utilization.gpu')),
      temperatureC: num(get('temperature.gpu')),
      powerDrawW: num(get('power.draw')),
      powerLimitW: num(get('power.limit')),
      api: 'cuda',
      source: 'nvidia-smi',
    } satisfies GpuInfo;
  });
}

/** The "CUDA Version: 12.4" of the plain `nvidia-smi` header (the highest CUDA the driver supports). */
export function parseCudaVersion(text: string): string | null {
  return /CUDA Version\s*:\s*(\d+(?:\.\d+)*)/i.exec(text)?.[1] ?? null;
}

/** Turns nvidia-smi's own error messages into something a person can act on. */
export function explainNvidiaSmiFailure(output: string): Pick<ToolReport, 'state' | 'message' | 'hint'> {
  const text = output.trim();
  const first = text.split(/\r?\n/)[0] ?? '';
  if (/driver\/library version mismatch/i.test(text)) {
    const lib = /NVML library version:\s*(\S+)/i.exec(text)?.[1];
    return {
      state: 'unknown',
      message: `nvidia-smi: driver/library version mismatch${lib ? ` (NVML library ${lib})` : ''}.`,
      hint: 'The NVIDIA kernel module and its user-space library differ, usually after a driver update. Reboot (or reload the nvidia kernel modules), then refresh.',
    };
  }
  if (/couldn't communicate with the NVIDIA driver|NVIDIA driver is not loaded|Driver Not Loaded/i.test(text)) {
    return {
      state: 'unknown',
      message: 'nvidia-smi cannot talk to the NVIDIA driver.',
      hint: 'Install or load the NVIDIA driver (e.g. `sudo modprobe nvidia`, or reinstall the driver package and reboot), then refresh.',
    };
  }
  if (/Insufficient Permissions/i.test(text)) {
    return { state: 'unknown', message: 'nvidia-smi: insufficient permissions.', hint: 'Your user cannot open /dev/nvidia*: add it to the video group or check the device permissions.' };
  }
  if (/No devices were found/i.test(text)) {
    return { state: 'absent', message: 'nvidia-smi found no NVIDIA GPU.', hint: 'The driver is installed but sees no GPU; check that the card is seated and enabled in the BIOS.' };
  }
  return {
    state: 'unknown',
    message: `nvidia-smi failed: ${first.slice(0, 200) || 'no output'}`,
    hint: 'Run `nvidia-smi` in a terminal to see the full error; a driver reinstall or a reboot usually fixes it.',
  };
}

export interface NvidiaSmiResult {
  report: ToolReport;
  gpus: GpuInfo[];
}

/**
 * Asks nvidia-smi for every GPU, asynchronously and with a timeout. A missing, hanging or
 * garbled tool yields an `absent`/`unknown` report with a hint, never a throw.
 */
export async function queryNvidiaSmi(opts: { run?: RunTool; timeoutMs?: number; withCudaVersion?: boolean } = {}): Promise<NvidiaSmiResult> {
  const run = opts.run ?? runTool;
  const timeoutMs = opts.timeoutMs ?? 5000;
  const query = (fields: readonly Field[]) =>
    run('nvidia-smi', [`--query-gpu=${fields.join(',')}`, '--format=csv,noheader,nounits'], { timeoutMs });

  let fields: readonly Field[] = NVIDIA_QUERY_FIELDS;
  // The CUDA version is only in the plain header: a second run, skipped by frequent pollers.
  const [first, header] = await Promise.all([query(fields), opts.withCudaVersion === false ? null : run('nvidia-smi', [], { timeoutMs })]);
  let res = first;
  // Drivers older than 510 reject compute_cap; ask again without it rather than lose everything.
  if (res.kind === 'failed' && /"compute_cap" is not a valid field/i.test(res.stdout + res.stderr)) {
    fields = NVIDIA_QUERY_FIELDS.filter((f) => f !== 'compute_cap');
    res = await query(fields);
  }
  const cuda = header?.kind === 'ok' ? parseCudaVersion(header.stdout) : null;

  switch (res.kind) {
    case 'absent':
      return {
        gpus: [],
        report: {
          tool: 'nvidia-smi',
          state: 'absent',
          message: 'nvidia-smi is not installed.',
          hint: 'No NVIDIA driver tools on PATH. If this machine has an NVIDIA GPU, install the NVIDIA driver to use it.',
        },
      };
    case 'timeout':
      return {
        gpus: [],
        report: {
          tool: 'nvidia-smi',
          state: 'unknown',
          message: `nvidia-smi did not answer within ${Math.round(res.ms / 1000)} s.`,
          hint: 'The driver may be hung; run `nvidia-smi` in a terminal and check `dmesg` for Xid errors. A reboot usually clears it.',
        },
      };
    case 'failed':
      return { gpus: [], report: { tool: 'nvidia-smi', ...explainNvidiaSmiFailure(`${res.stdout}\n${res.stderr}`) } };
    case 'ok': {
      try {
        const gpus = parseNvidiaSmiCsv(res.stdout, fields, cuda);
        if (gpus.length === 0) {
          return { gpus, report: { tool: 'nvidia-smi', ...explainNvidiaSmiFailure('No devices were found') } };
        }
        return {
          gpus,
          report: { tool: 'nvidia-smi', state: 'ok', message: `${gpus.length} NVIDIA GPU${gpus.length > 1 ? 's' : ''}${cuda ? `, CUDA ${cuda}` : ''}.` },
        };
      } catch (e) {
        // A driver error printed with exit code 0, or output we do not understand.
        const explained = explainNvidiaSmiFailure(res.stdout);
        if (!explained.message.startsWith('nvidia-smi failed')) return { gpus: [], report: { tool: 'nvidia-smi', ...explained } };
        return {
          gpus: [],
          report: {
            tool: 'nvidia-smi',
            state: 'unknown',
            message: `nvidia-smi printed output SLM Deck cannot read (${e instanceof Error ? e.message : String(e)}).`,
            hint: 'Run `nvidia-smi --query-gpu=index,name,memory.total --format=csv` in a terminal; updating the driver usually fixes garbled output.',
          },
        };
      }
    }
  }
}
