const KIB = 1024;
const MIB = 1024 ** 2;
const GIB = 1024 ** 3;

/** Binary units, as the planner reports memory: "512 MiB", "3.71 GiB". */
export function fmtBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return '—';
  const abs = Math.abs(bytes);
  if (abs >= GIB) return `${(bytes / GIB).toFixed(2)} GiB`;
  if (abs >= MIB) return `${(bytes / MIB).toFixed(abs >= 100 * MIB ? 0 : 1)} MiB`;
  if (abs >= KIB) return `${(bytes / KIB).toFixed(0)} KiB`;
  return `${bytes} B`;
}

/** Disk space in decimal GB, as downloads are quoted. */
export function fmtGB(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return '—';
  return `${Number((bytes / 1e9).toFixed(1))} GB`;
}

export function fmtInt(n: number): string {
  return Math.round(n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

export function fmtTokens(n: number): string {
  return n >= 1024 && n % 1024 === 0 ? `${n / 1024}K` : fmtInt(n);
}
