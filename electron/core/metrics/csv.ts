import type { MetricsSnapshot, MetricUnit } from '../../shared/contract/metrics';

const UNIT_SUFFIX: Record<MetricUnit, string> = {
  percent: '%',
  bytes: 'bytes',
  tokensPerSecond: 'tokens/s',
  count: 'count',
  celsius: '°C',
  watts: 'W',
  load: 'load',
};

/** RFC 4180 quoting: only when needed, doubling inner quotes. */
export function csvCell(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function formatNumber(v: number): string {
  // Integers (bytes, counts) exactly; fractions to 3 decimals, which is finer than any of our sources.
  return Number.isInteger(v) ? String(v) : String(Math.round(v * 1000) / 1000);
}

/** time (ISO 8601 UTC), then one column per series: "label (unit)". Gaps are empty cells. */
export function snapshotToCsv(s: Pick<MetricsSnapshot, 'at' | 'series'>): string {
  const header = ['time', ...s.series.map((x) => `${x.label} (${UNIT_SUFFIX[x.unit]})`)].map(csvCell).join(',');
  const lines = [header];
  for (let i = 0; i < s.at.length; i++) {
    const cells = [new Date(s.at[i]).toISOString()];
    for (const x of s.series) {
      const v = x.values[i];
      cells.push(v === null || v === undefined ? '' : formatNumber(v));
    }
    lines.push(cells.join(','));
  }
  return lines.join('\r\n') + '\r\n';
}

export function csvFilename(now = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `slm-deck-metrics-${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}-${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}.csv`;
}
