import type { BenchBackend, BenchCell, BenchRun, ComparisonTable } from '../../shared/contract/bench';
import { fmtBytes } from '../../shared/format';
import type { Facts, FactRowKey } from './facts';


const tps = (v: number) => `${v.toFixed(1)} tok/s`;

/** The cell a single-stream figure comes from: the lowest concurrency level that answered. */
function singleStream(run: BenchRun, backendId: string): BenchCell | undefined {
  return [...run.cells]
    .filter((c) => c.backendId === backendId && c.ok > 0)
    .sort((a, b) => a.concurrency - b.concurrency)[0];
}

function peak(run: BenchRun, backendId: string, k: 'peakMemoryBytes' | 'peakVramBytes'): number | null {
  const vals = run.cells.filter((c) => c.backendId === backendId && c[k] !== null).map((c) => c[k]!);
  return vals.length ? Math.max(...vals) : null;
}

/** GPU or CPU row: where the backend ran; unknown counts as GPU only on a machine that has one. */
function deviceRow(run: BenchRun, b: BenchBackend): 'gpuTps' | 'cpuTps' {
  if (b.device === 'gpu') return 'gpuTps';
  if (b.device === 'cpu') return 'cpuTps';
  return run.hardware?.gpus.length ? 'gpuTps' : 'cpuTps';
}

/**
 * The seed's comparison table for a run: one column per backend, the seed's rows in its
 * order; decode speed and memory measured here replace the seed's quotes, and the
 * qualitative rows stay documented facts of each backend's family.
 */
export function comparisonTable(run: BenchRun, facts: Facts): ComparisonTable {
  const columns = run.backends.map((b) => ({
    backendId: b.backendId,
    label: b.label,
    family: b.family,
    familyLabel: facts.families[b.family].label,
    device: b.device,
  }));
  const rows = facts.rows.map((row) => ({
    key: row.key,
    label: row.label,
    kind: row.kind,
    cells: run.backends.map((b) => {
      const fact = facts.families[b.family].values[row.key as FactRowKey];
      const quoted = { text: fact.text, measured: false, ...(fact.note ? { note: fact.note } : {}) };
      if (row.kind !== 'measured') return quoted;
      const notMeasured = (why: string) => ({ text: fact.text, measured: false, note: `Quoted from the deployment guide; ${why}.` });
      if (b.status === 'failed' && !run.cells.some((c) => c.backendId === b.backendId && c.ok > 0)) {
        return notMeasured(`not measured: ${b.error?.message ?? 'the backend failed'}`);
      }
      if (row.key === 'memory') {
        const mem = peak(run, b.backendId, 'peakMemoryBytes');
        const vram = peak(run, b.backendId, 'peakVramBytes');
        if (mem === null && !vram) return notMeasured('no memory figure for this backend in this run (see where the memory figures come from)');
        const text = [mem !== null ? `${fmtBytes(mem)} peak` : null, vram ? `VRAM ${fmtBytes(vram)}` : null].filter(Boolean).join(' · ');
        return { text, measured: true, note: `${noteOf(run, b.backendId)} The deployment guide quotes ${fact.text}.` };
      }
      if (deviceRow(run, b) !== row.key) return notMeasured(`this run had it on the ${row.key === 'gpuTps' ? 'CPU' : 'GPU'}`);
      const cell = singleStream(run, b.backendId);
      if (!cell || cell.decodeTpsP50 === null) return notMeasured('no decode speed was measured');
      return {
        text: tps(cell.decodeTpsP50),
        measured: true,
        note: `Decode p50 at concurrency ${cell.concurrency}${b.device === 'unknown' ? ' (device not confirmed)' : ''}. The deployment guide quotes ${fact.text}.`,
      };
    }),
  }));
  return { columns, rows, verdicts: verdicts(run), source: facts.source };
}

function noteOf(run: BenchRun, backendId: string): string {
  return run.cells.find((c) => c.backendId === backendId && c.sent > 0)?.memoryNote ?? 'no request was sent';
}

/** Short answers to "which backend should I run here?" from the measured cells. */
export function verdicts(run: BenchRun): string[] {
  const out: string[] = [];
  const label = (id: string) => run.backends.find((b) => b.backendId === id)?.label ?? id;
  const ok = run.cells.filter((c) => c.ok > 0);
  const best = (cells: BenchCell[], k: keyof BenchCell, dir: 1 | -1) =>
    cells.filter((c) => typeof c[k] === 'number').sort((a, b) => dir * ((b[k] as number) - (a[k] as number)))[0];
  const levels = [...new Set(ok.map((c) => c.concurrency))].sort((a, b) => a - b);
  if (levels.length && run.backends.length > 1) {
    const low = ok.filter((c) => c.concurrency === levels[0]);
    const fast = best(low, 'decodeTpsP50', 1);
    if (fast) out.push(`Fastest single stream: ${label(fast.backendId)}, ${tps(fast.decodeTpsP50!)} decode (p50) at concurrency ${fast.concurrency}.`);
    const first = best(low, 'ttftP50Ms', -1);
    if (first) out.push(`Quickest first token: ${label(first.backendId)}, ${first.ttftP50Ms!.toFixed(0)} ms (p50) at concurrency ${first.concurrency}.`);
    const high = levels[levels.length - 1];
    if (high > levels[0]) {
      const thr = best(ok.filter((c) => c.concurrency === high), 'outputTps', 1);
      if (thr) out.push(`Most throughput at concurrency ${high}: ${label(thr.backendId)}, ${tps(thr.outputTps!)} in total.`);
    }
    const mems = run.backends
      .map((b) => ({ b, m: peak(run, b.backendId, 'peakMemoryBytes') }))
      .filter((x): x is { b: BenchBackend; m: number } => x.m !== null)
      .sort((x, y) => x.m - y.m);
    if (mems.length > 1) out.push(`Lowest peak memory: ${mems[0].b.label}, ${fmtBytes(mems[0].m)}.`);
  }
  for (const b of run.backends) if (b.status === 'failed') out.push(`${b.label} failed${b.failedAfter ? ` after ${b.failedAfter} requests` : ''}: ${b.error?.message ?? 'unknown error'}`);
  if (run.status === 'cancelled') out.push('The run was cancelled: the figures cover what was measured before.');
  return out;
}
