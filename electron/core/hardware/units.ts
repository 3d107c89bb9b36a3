export const KIB = 1024;
export const MIB = 1024 ** 2;
export const GIB = 1024 ** 3;

/** Binary units, because RAM and VRAM are sized in them: "512 MiB", "3.71 GiB". */
export function fmtBytes(bytes: number): string {
  const abs = Math.abs(bytes);
  if (abs >= GIB) return `${(bytes / GIB).toFixed(2)} GiB`;
  if (abs >= MIB) return `${(bytes / MIB).toFixed(abs >= 100 * MIB ? 0 : 1)} MiB`;
  if (abs >= KIB) return `${(bytes / KIB).toFixed(0)} KiB`;
  return `${bytes} B`;
}

/** 131072 -> "131,072" (fixed separator so output does not depend on the locale). */
export function fmtInt(n: number): string {
  return Math.round(n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Decimal gigabytes, as model downloads and the seed's tiers are quoted: "2.5 GB". */
export function fmtGB(bytes: number): string {
  return `${Number((bytes / 1e9).toFixed(2))} GB`;
}

/** 4096 -> "4K", 131072 -> "128K", 1536 -> "1.5K". */
export function fmtTokens(n: number): string {
  return n >= 1024 && n % 512 === 0 ? `${Number((n / 1024).toFixed(1))}K` : fmtInt(n);
}
