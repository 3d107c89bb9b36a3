import { BENCH_METRICS, benchMetricValue, type BenchCompareRow, type BenchRun } from '../../shared/contract/bench';

/** Every metric of each backend and concurrency level present in both runs, with the change from a to b. */
export function compareRuns(a: BenchRun, b: BenchRun): BenchCompareRow[] {
  const rows: BenchCompareRow[] = [];
  for (const cb of b.cells) {
    const ca = a.cells.find((c) => c.backendId === cb.backendId && c.concurrency === cb.concurrency);
    if (!ca) continue;
    const label = b.backends.find((x) => x.backendId === cb.backendId)?.label ?? cb.backendId;
    for (const m of BENCH_METRICS) {
      const va = benchMetricValue(ca, m.key);
      const vb = benchMetricValue(cb, m.key);
      const changePct = va !== null && vb !== null && va !== 0 ? ((vb - va) / Math.abs(va)) * 100 : null;
      const improved = va === null || vb === null || va === vb ? null : m.better === 'higher' ? vb > va : vb < va;
      rows.push({ backendId: cb.backendId, label, concurrency: cb.concurrency, metric: m.key, a: va, b: vb, changePct, improved });
    }
  }
  return rows;
}
