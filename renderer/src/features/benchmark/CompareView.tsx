import { benchMetricDef, formatBenchNumber } from '../../../../electron/shared/contract/bench';
import { useCall } from '../../api/hooks';
import { ErrorBox } from '../../components/ErrorBox';

/** Two runs side by side (older as A): each figure both measured, with its change. */
export function CompareView({ a, b }: { a: string; b: string }) {
  const cmp = useCall('bench.compare', { a, b });
  if (cmp.error) return <ErrorBox error={cmp.error} title="Cannot compare the runs" />;
  if (!cmp.data) return <p aria-busy>Comparing…</p>;
  const { rows } = cmp.data;
  return (
    <section className="card" aria-labelledby="bench-compare-title">
      <h2 id="bench-compare-title">
        {cmp.data.a.name} → {cmp.data.b.name}
      </h2>
      <p className="muted small">
        A: {new Date(cmp.data.a.createdAt).toLocaleString()} · B: {new Date(cmp.data.b.createdAt).toLocaleString()}
      </p>
      {!rows.length ? (
        <p className="muted">The two runs share no backend at the same concurrency level.</p>
      ) : (
        <div className="table-wrap">
          <table className="bench-compare" aria-label="Run comparison">
            <thead>
              <tr>
                <th scope="col">Backend</th>
                <th scope="col" className="num">
                  Concurrency
                </th>
                <th scope="col">Metric</th>
                <th scope="col" className="num">
                  A
                </th>
                <th scope="col" className="num">
                  B
                </th>
                <th scope="col" className="num">
                  Change
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => {
                const m = benchMetricDef(r.metric);
                return (
                  <tr key={`${r.backendId} ${r.concurrency} ${r.metric}`}>
                    <td>{r.label}</td>
                    <td className="num">{r.concurrency}</td>
                    <td>
                      {m.label} ({m.unit})
                    </td>
                    <td className="num">{formatBenchNumber(r.a, m.decimals)}</td>
                    <td className="num">{formatBenchNumber(r.b, m.decimals)}</td>
                    <td className="num">
                      {r.changePct === null ? '—' : <span className={r.improved === null ? undefined : r.improved ? 'ok-text' : 'bad-text'}>{`${r.changePct > 0 ? '+' : ''}${r.changePct.toFixed(1)} %`}</span>}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
