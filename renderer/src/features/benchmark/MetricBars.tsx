import { benchMetricValue, formatBenchNumber, type BenchMetricDef, type BenchRun } from '../../../../electron/shared/contract/bench';
import { PALETTE } from '../../components/palette';

/** Tableau 10, as on the Monitor page: a backend keeps its colour in every chart. */

/**
 * One metric as horizontal bars, grouped by concurrency level, one bar per backend. Plain
 * elements rather than a canvas: a handful of values, readable by screen readers and tests.
 */
export function MetricBars({ metric, run }: { metric: BenchMetricDef; run: BenchRun }) {
  const values = run.cells.map((c) => benchMetricValue(c, metric.key)).filter((v): v is number => v !== null);
  if (!values.length) return null;
  const max = Math.max(...values) || 1;
  return (
    <figure className="card bench-chart" data-metric={metric.key}>
      <figcaption>
        <strong>
          {metric.label} ({metric.unit})
        </strong>{' '}
        <span className="muted small">{metric.better === 'higher' ? 'higher is better' : 'lower is better'}</span>
      </figcaption>
      {run.config.concurrency.map((c) => (
        <div className="bar-group" key={c}>
          <div className="muted small">concurrency {c}</div>
          <ul aria-label={`${metric.label} at concurrency ${c}`}>
            {run.backends.map((b, i) => {
              const cell = run.cells.find((x) => x.backendId === b.backendId && x.concurrency === c);
              const v = cell ? benchMetricValue(cell, metric.key) : null;
              return (
                <li key={b.backendId} className="bar-row" data-backend={b.backendId} data-concurrency={c} data-value={v ?? ''}>
                  <span className="bar-label">{b.label}</span>
                  <span className="bar-track" aria-hidden>
                    <span className="bar" style={{ width: `${v === null ? 0 : Math.max(0.5, (v / max) * 100)}%`, background: PALETTE[i % PALETTE.length] }} />
                  </span>
                  <span className="bar-value">{formatBenchNumber(v, metric.decimals)}</span>
                </li>
              );
            })}
          </ul>
        </div>
      ))}
    </figure>
  );
}
