import type { GpuInfo, ToolReport } from '../../shared/contract/hardware';
import { runTool, type RunTool } from './run-tool';

export type PlistValue = string | number | boolean | PlistValue[] | { [key: string]: PlistValue };

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const decode = (s: string) => s.replace(/&(amp|lt|gt|quot|apos);/g, (_, e: string) => ENTITIES[e]);

/** A small XML property-list reader: enough for `system_profiler -xml` (dict, array, string, numbers, booleans). */
export function parsePlist(xml: string): PlistValue {
  const tokens = [...xml.replace(/<\?xml[^>]*\?>|<!DOCTYPE[^>]*>|<!--[\s\S]*?-->/g, '').matchAll(/<(\/?)([A-Za-z]+)(?:\s+[^>]*?)?\s*(\/?)>|([^<]+)/g)];
  let i = 0;
  const skipSpace = () => {
    while (i < tokens.length && tokens[i][4] !== undefined && !tokens[i][4].trim()) i++;
  };
  const text = (tag: string): string => {
    let out = '';
    while (i < tokens.length && tokens[i][4] !== undefined) out += tokens[i++][4];
    const close = tokens[i++];
    if (!close || close[1] !== '/' || close[2] !== tag) throw new Error(`plist: unclosed <${tag}>`);
    return decode(out);
  };
  const value = (): PlistValue => {
    skipSpace();
    const t = tokens[i++];
    if (!t || t[4] !== undefined || t[1] === '/') throw new Error('plist: expected an element');
    const tag = t[2];
    const selfClosing = t[3] === '/';
    switch (tag) {
      case 'plist': {
        const v = value();
        skipSpace();
        return v;
      }
      case 'true':
      case 'false':
        if (!selfClosing) text(tag);
        return tag === 'true';
      case 'string':
      case 'date':
      case 'data':
        return selfClosing ? '' : text(tag);
      case 'integer':
      case 'real': {
        const n = Number(selfClosing ? '0' : text(tag));
        if (!Number.isFinite(n)) throw new Error(`plist: bad <${tag}>`);
        return n;
      }
      case 'array': {
        const out: PlistValue[] = [];
        if (selfClosing) return out;
        for (;;) {
          skipSpace();
          if (tokens[i]?.[1] === '/' && tokens[i][2] === 'array') {
            i++;
            return out;
          }
          if (i >= tokens.length) throw new Error('plist: unclosed <array>');
          out.push(value());
        }
      }
      case 'dict': {
        const out: Record<string, PlistValue> = {};
        if (selfClosing) return out;
        for (;;) {
          skipSpace();
          const k = tokens[i];
          if (k?.[1] === '/' && k[2] === 'dict') {
            i++;
            return out;
          }
          if (!k || k[2] !== 'key') throw new Error('plist: expected <key> in <dict>');
          i++;
          const key = text('key');
          out[key] = value();
        }
      }
      default:
        throw new Error(`plist: unexpected <${tag}>`);
    }
  };
  return value();
}

const isDict = (v: PlistValue | undefined): v is Record<string, PlistValue> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** "32 GB" / "16384 MB" -> bytes (system_profiler uses binary units). */
export function parseProfilerSize(s: string | undefined): number | null {
  const m = /^([\d.]+)\s*(TB|GB|MB)$/i.exec((s ?? '').trim());
  if (!m) return null;
  const pow = { TB: 4, GB: 3, MB: 2 }[m[2].toUpperCase() as 'TB' | 'GB' | 'MB'];
  return Number(m[1]) * 1024 ** pow;
}

export interface SystemProfilerInfo {
  chip: string | null;
  memoryBytes: number | null;
  gpus: GpuInfo[];
}

/** Reads `system_profiler -xml SPHardwareDataType SPDisplaysDataType`. */
export function parseSystemProfiler(xml: string): SystemProfilerInfo {
  const root = parsePlist(xml);
  const sections = Array.isArray(root) ? root.filter(isDict) : [];
  const items = (type: string) => {
    const s = sections.find((x) => x._dataType === type);
    return Array.isArray(s?._items) ? s._items.filter(isDict) : [];
  };
  const hw = items('SPHardwareDataType')[0] ?? {};
  const chip = typeof hw.chip_type === 'string' ? hw.chip_type : null;
  const memoryBytes = parseProfilerSize(typeof hw.physical_memory === 'string' ? hw.physical_memory : undefined);
  const gpus = items('SPDisplaysDataType').map((d, index): GpuInfo => {
    const name = String(d.sppci_model ?? d._name ?? 'GPU');
    const vendorText = `${String(d.spdisplays_vendor ?? '')} ${name}`.toLowerCase();
    const vendor = /apple/.test(vendorText) ? 'apple' : /amd|ati/.test(vendorText) ? 'amd' : /intel/.test(vendorText) ? 'intel' : /nvidia/.test(vendorText) ? 'nvidia' : 'other';
    const builtIn = String(d.sppci_bus ?? '').includes('builtin');
    const unified = vendor === 'apple' || (builtIn && vendor === 'intel');
    const vram = parseProfilerSize(String(d.spdisplays_vram ?? d.spdisplays_vram_shared ?? ''));
    const metal = String(d.spdisplays_mtlgpufamilysupport ?? d.spdisplays_metal ?? '');
    return {
      index,
      vendor,
      name,
      uuid: null,
      vramTotalBytes: unified ? memoryBytes : vram,
      vramUsedBytes: null,
      vramFreeBytes: null,
      unifiedMemory: unified,
      driverVersion: null,
      cudaVersion: null,
      computeCapability: metal ? metal.replace(/^spdisplays_/, '').replace(/^metal/, 'Metal ') : null,
      utilizationPercent: null,
      temperatureC: null,
      powerDrawW: null,
      powerLimitW: null,
      api: metal ? 'metal' : 'none',
      source: 'system_profiler',
    };
  });
  return { chip, memoryBytes, gpus };
}

export async function querySystemProfiler(opts: { run?: RunTool; timeoutMs?: number } = {}): Promise<{ report: ToolReport; info: SystemProfilerInfo | null }> {
  const res = await (opts.run ?? runTool)('system_profiler', ['-xml', 'SPHardwareDataType', 'SPDisplaysDataType'], { timeoutMs: opts.timeoutMs ?? 10_000 });
  if (res.kind === 'absent') return { info: null, report: { tool: 'system_profiler', state: 'absent', message: 'system_profiler is not available.' } };
  if (res.kind === 'timeout') {
    return { info: null, report: { tool: 'system_profiler', state: 'unknown', message: 'system_profiler did not answer in time.', hint: 'Run `system_profiler SPDisplaysDataType` in Terminal to check it.' } };
  }
  if (res.kind === 'failed') {
    return { info: null, report: { tool: 'system_profiler', state: 'unknown', message: `system_profiler failed: ${res.message.slice(0, 160)}` } };
  }
  try {
    const info = parseSystemProfiler(res.stdout);
    return { info, report: { tool: 'system_profiler', state: 'ok', message: info.gpus.map((g) => g.name).join(', ') || 'no GPU listed' } };
  } catch (e) {
    return {
      info: null,
      report: { tool: 'system_profiler', state: 'unknown', message: `system_profiler printed output SLM Deck cannot read (${e instanceof Error ? e.message : String(e)}).` },
    };
  }
}
