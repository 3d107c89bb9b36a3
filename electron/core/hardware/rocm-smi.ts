import { z } from 'zod';
import type { GpuInfo, ToolReport } from '../../shared/contract/hardware';
import { runTool, type RunTool } from './run-tool';

export const ROCM_SMI_ARGS = ['--showproductname', '--showmeminfo', 'vram', '--showuse', '--showtemp', '--showpower', '--showdriverversion', '--json'];

// rocm-smi prints every value as a string; card keys are card0, card1... plus a "system" entry.
const RocmJsonSchema = z.record(z.string(), z.record(z.string(), z.unknown()));

function value(card: Record<string, unknown>, ...patterns: RegExp[]): string | null {
  for (const p of patterns) {
    const key = Object.keys(card).find((k) => p.test(k));
    if (key === undefined) continue;
    const v = String(card[key]).trim();
    if (v && !/^n\/a$/i.test(v)) return v;
  }
  return null;
}
function number(v: string | null): number | null {
  if (v === null) return null;
  const n = Number.parseFloat(v);
  return Number.isFinite(n) ? n : null;
}

/** Parses `rocm-smi ... --json`; tolerates warnings printed before the JSON. Throws on garbage. */
export function parseRocmSmiJson(text: string): GpuInfo[] {
  const start = text.indexOf('{');
  if (start < 0) throw new Error('no JSON in rocm-smi output');
  const data = RocmJsonSchema.parse(JSON.parse(text.slice(start)));
  const driver = data.system ? value(data.system, /^Driver version$/i) : null;
  return Object.keys(data)
    .filter((k) => /^card\d+$/.test(k))
    .sort((a, b) => Number(a.slice(4)) - Number(b.slice(4)))
    .map((key) => {
      const card = data[key];
      const total = number(value(card, /^VRAM Total Memory \(B\)$/i));
      const used = number(value(card, /^VRAM Total Used Memory \(B\)$/i));
      return {
        index: Number(key.slice(4)),
        vendor: 'amd',
        name: value(card, /^Card Series$/i, /^Device Name$/i, /^Card Model$/i) ?? `AMD GPU ${key}`,
        uuid: value(card, /^Unique ID$/i),
        vramTotalBytes: total,
        vramUsedBytes: used,
        vramFreeBytes: total !== null && used !== null ? Math.max(0, total - used) : null,
        unifiedMemory: false,
        driverVersion: driver,
        cudaVersion: null,
        computeCapability: value(card, /^GFX Version$/i),
        utilizationPercent: number(value(card, /^GPU use \(%\)$/i)),
        temperatureC: number(value(card, /^Temperature \(Sensor edge\)/i, /^Temperature/i)),
        powerDrawW: number(value(card, /Graphics Package Power \(W\)$/i)),
        powerLimitW: null,
        api: 'rocm',
        source: 'rocm-smi',
      } satisfies GpuInfo;
    });
}

export interface RocmSmiResult {
  report: ToolReport;
  gpus: GpuInfo[];
}

export async function queryRocmSmi(opts: { run?: RunTool; timeoutMs?: number } = {}): Promise<RocmSmiResult> {
  const res = await (opts.run ?? runTool)('rocm-smi', ROCM_SMI_ARGS, { timeoutMs: opts.timeoutMs ?? 5000 });
  if (res.kind === 'absent') {
    return { gpus: [], report: { tool: 'rocm-smi', state: 'absent', message: 'rocm-smi is not installed.', hint: 'Only needed for AMD GPUs: install ROCm to use one for inference.' } };
  }
  if (res.kind === 'timeout') {
    return {
      gpus: [],
      report: { tool: 'rocm-smi', state: 'unknown', message: `rocm-smi did not answer within ${Math.round(res.ms / 1000)} s.`, hint: 'Run `rocm-smi` in a terminal; the amdgpu driver may be stuck.' },
    };
  }
  const text = res.kind === 'ok' ? res.stdout : `${res.stdout}\n${res.stderr}`;
  try {
    const gpus = parseRocmSmiJson(res.stdout);
    if (gpus.length === 0) return { gpus, report: { tool: 'rocm-smi', state: 'absent', message: 'rocm-smi found no AMD GPU.' } };
    return { gpus, report: { tool: 'rocm-smi', state: 'ok', message: `${gpus.length} AMD GPU${gpus.length > 1 ? 's' : ''}.` } };
  } catch {
    const driver = /amdgpu not found|Driver not initialized/i.test(text);
    return {
      gpus: [],
      report: {
        tool: 'rocm-smi',
        state: 'unknown',
        message: driver ? 'rocm-smi: the amdgpu driver is not loaded.' : `rocm-smi printed output SLM Deck cannot read: ${text.trim().split('\n')[0]?.slice(0, 160) ?? ''}`,
        hint: driver ? 'Load the amdgpu kernel module (or install ROCm), then refresh.' : 'Run `rocm-smi --json` in a terminal to see what it reports.',
      },
    };
  }
}
