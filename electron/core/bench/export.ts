import { BENCH_METRICS, benchMetricValue, formatBenchNumber, type BenchExportFormat, type BenchRun, type ComparisonTable } from '../../shared/contract/bench';
import { fmtBytes } from '../../shared/format';

/** Columns of the CSV export, one row per backend and concurrency level; numbers at full precision. */
export const CSV_COLUMNS = [
  'run_id',
  'backend_id',
  'backend',
  'family',
  'device',
  'model',
  'status',
  'concurrency',
  'planned',
  'sent',
  'ok',
  'errors',
  'ttft_p50_ms',
  'ttft_p95_ms',
  'decode_tps_p50',
  'prompt_tps_p50',
  'e2e_p50_ms',
  'e2e_p95_ms',
  'e2e_mean_ms',
  'requests_per_s',
  'output_tps',
  'wall_ms',
  'peak_memory_bytes',
  'peak_vram_bytes',
] as const;

function csvField(v: string | number | null): string {
  if (v === null) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(run: BenchRun): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const c of run.cells) {
    const b = run.backends.find((x) => x.backendId === c.backendId)!;
    const row: Array<string | number | null> = [
      run.id,
      b.backendId,
      b.label,
      b.family,
      b.device,
      b.model,
      b.status,
      c.concurrency,
      c.planned,
      c.sent,
      c.ok,
      c.errors,
      c.ttftP50Ms,
      c.ttftP95Ms,
      c.decodeTpsP50,
      c.promptTpsP50,
      c.e2eP50Ms,
      c.e2eP95Ms,
      c.e2eMeanMs,
      c.requestsPerSec,
      c.outputTps,
      c.wallMs,
      c.peakMemoryBytes,
      c.peakVramBytes,
    ];
    lines.push(row.map(csvField).join(','));
  }
  return lines.join('\r\n') + '\r\n';
}

/** `|` and line breaks would end a Markdown table cell. */
const md = (s: string) => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

function machineLines(run: BenchRun): string[] {
  const h = run.hardware;
  if (!h) return [`- Machine: unknown (${run.hardwareError ?? 'no hardware profile'})`];
  const gpus = h.gpus.length ? h.gpus.map((g) => `${g.name}${g.vramTotalBytes ? ` (${(g.vramTotalBytes / 1024 ** 3).toFixed(0)} GiB)` : ''}`).join(', ') : 'none';
  return [
    `- CPU: ${h.cpu.model} (${h.cpu.physicalCores} cores, ${h.cpu.logicalCores} threads${h.cpu.flags.avx512 ? ', AVX-512' : h.cpu.flags.avx2 ? ', AVX2' : ''})`,
    `- Memory: ${fmtBytes(h.memory.totalBytes)}`,
    `- GPU: ${gpus}`,
    `- OS: ${h.os.distro} ${h.os.release} (${h.os.arch})`,
  ];
}

export function toMarkdown(run: BenchRun, table: ComparisonTable): string {
  const c = run.config;
  const out: string[] = [];
  out.push(`# Benchmark: ${md(c.name)}`, '');
  out.push(`Run \`${run.id}\`, ${new Date(run.createdAt).toISOString()}, ${run.status}, ${((run.finishedAt - run.createdAt) / 1000).toFixed(1)} s, SLM Deck ${run.appVersion}.`, '');
  out.push(...machineLines(run));
  out.push(
    `- Suite: ${c.prompts.length} prompts × ${c.runs} run${c.runs > 1 ? 's' : ''}, concurrency ${c.concurrency.join(', ')}, max tokens ${c.maxTokens}, temperature ${c.temperature}, seed ${c.seed}, warm-up ${c.warmup}`,
    '',
  );
  if (table.verdicts.length) out.push(...table.verdicts.map((v) => `- ${md(v)}`), '');

  out.push('## Comparison', '');
  out.push(`| | ${table.columns.map((col) => md(`${col.label} (${col.familyLabel})`)).join(' | ')} |`);
  out.push(`|---|${table.columns.map(() => '---').join('|')}|`);
  for (const row of table.rows) {
    out.push(`| ${md(row.label)} | ${row.cells.map((cell) => (cell.measured ? `**${md(cell.text)}**` : md(cell.text))).join(' | ')} |`);
  }
  out.push('', `Bold: measured on this machine in this run. ${md(table.source)}`, '');

  out.push('## Measurements', '');
  const metricHead = BENCH_METRICS.map((m) => `${m.label} (${m.unit})`);
  out.push(`| Backend | Concurrency | Requests | ${metricHead.join(' | ')} |`);
  out.push(`|---|---:|---:|${BENCH_METRICS.map(() => '---:').join('|')}|`);
  for (const cell of run.cells) {
    const b = run.backends.find((x) => x.backendId === cell.backendId)!;
    const vals = BENCH_METRICS.map((m) => formatBenchNumber(benchMetricValue(cell, m.key), m.decimals));
    out.push(`| ${md(b.label)} | ${cell.concurrency} | ${cell.sent}/${cell.planned} | ${vals.join(' | ')} |`);
  }
  out.push('', 'TTFT: request sent to first token. Decode: (tokens − 1) / (last − first token). Prompt: prompt tokens / TTFT. Percentiles interpolate linearly between ranks; warm-up requests are excluded; backends took turns, rotating each slice.', '');
  return out.join('\n');
}

export function exportRun(run: BenchRun, format: BenchExportFormat, table: ComparisonTable): { filename: string; mime: string; content: string } {
  const base = `slm-deck-benchmark-${run.id}`;
  switch (format) {
    case 'csv':
      return { filename: `${base}.csv`, mime: 'text/csv', content: toCsv(run) };
    case 'json':
      return { filename: `${base}.json`, mime: 'application/json', content: JSON.stringify(run, null, 2) + '\n' };
    case 'markdown':
      return { filename: `${base}.md`, mime: 'text/markdown', content: toMarkdown(run, table) };
  }
}
