/**
 * The one set of number formatters for people (core messages, the CLI, the renderer):
 * memory in binary units, disk and download sizes in decimal units, as each is quoted.
 * Missing or non-finite values read as "—".
 */

export const KIB = 1024;
export const MIB = 1024 ** 2;
export const GIB = 1024 ** 3;

const missing = (n: number | null | undefined): n is null | undefined => n === null || n === undefined || !Number.isFinite(n);

/**
 * Memory (RAM, VRAM, KV cache) in binary units. `exact`, for estimates a person may redo:
 * "512 MiB", "3.71 GiB". `compact`, for chart labels and live values: three significant
 * digits, "64.0 MiB", "5.9 GiB".
 */
export function fmtBytes(bytes: number | null | undefined, style: 'exact' | 'compact' = 'exact'): string {
  if (missing(bytes)) return '—';
  const abs = Math.abs(bytes);
  if (style === 'compact') {
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let v = bytes;
    let i = 0;
    while (Math.abs(v) >= 1024 && i < units.length - 1) {
      v /= 1024;
      i++;
    }
    if (i === 0) return `${Math.round(v)} B`;
    const a = Math.abs(v);
    return `${a >= 100 ? v.toFixed(0) : a >= 10 || a >= 1 ? v.toFixed(1) : v.toFixed(2)} ${units[i]}`;
  }
  if (abs >= GIB) return `${(bytes / GIB).toFixed(2)} GiB`;
  if (abs >= MIB) return `${(bytes / MIB).toFixed(abs >= 100 * MIB ? 0 : 1)} MiB`;
  if (abs >= KIB) return `${(bytes / KIB).toFixed(0)} KiB`;
  return `${bytes} B`;
}

/** Disk and download sizes in decimal units, as `ollama list` shows them: "4.1 GB", "41 MB", "281 kB". */
export function fmtSize(bytes: number | null | undefined): string {
  if (missing(bytes)) return '—';
  const abs = Math.abs(bytes);
  if (abs >= 1e12) return `${Number((bytes / 1e12).toFixed(1))} TB`;
  if (abs >= 1e9) return `${Number((bytes / 1e9).toFixed(1))} GB`;
  if (abs >= 1e6) return `${Math.round(bytes / 1e6)} MB`;
  if (bytes === 0) return '0 B';
  // A small file is "1 kB", not "0 MB".
  return `${Math.max(1, Math.round(bytes / 1e3))} kB`;
}

/** 131072 -> "131,072" (fixed separator so output does not depend on the locale). */
export function fmtInt(n: number): string {
  return Math.round(n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Token counts: 4096 -> "4K", 131072 -> "128K", 1536 -> "1.5K". */
export function fmtTokens(n: number): string {
  return n >= 1024 && n % 512 === 0 ? `${Number((n / 1024).toFixed(1))}K` : fmtInt(n);
}
