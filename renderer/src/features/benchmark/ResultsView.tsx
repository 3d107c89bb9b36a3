import { useState } from 'react';
import { BENCH_METRICS, benchMetricValue, formatBenchNumber, type BenchExportFormat, type BenchRun, benchOutcome } from '../../../../electron/shared/contract/bench';
import type { ErrorInfo } from '../../../../electron/shared/errors';
import { call, type DeckClientError } from '../../api/client';
import { useCall } from '../../api/hooks';
import { ErrorBox } from '../../components/ErrorBox';
import { ComparisonView } from './ComparisonView';
import { download } from '../../components/download';
import { MetricBars } from './MetricBars';

function Measurements({ run }: { run: BenchRun }) {
  const label = (id: string) => run.backends.find((b) => b.backendId === id)?.label ?? id;
  return (
    <div className="table-wrap">
      <table className="bench-measurements" aria-label="Measurements">
        <thead>
          <tr>
            <th scope="col">Backend</th>
            <th scope="col" className="num">
              Concurrency
            </th>
            <th scope="col" className="num">
              Requests
            </th>
            {BENCH_METRICS.map((m) => (
              <th scope="col" className="num" key={m.key}>
                {m.label} <span className="unit">({m.unit})</span>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {run.cells.map((c) => (
            <tr key={`${c.backendId} ${c.concurrency}`} data-backend={c.backendId} data-concurrency={c.concurrency}>
              <th scope="row">{label(c.backendId)}</th>
              <td className="num">{c.concurrency}</td>
              <td className="num">
                {c.sent}/{c.planned}
              </td>
              {BENCH_METRICS.map((m) => (
                <td className="num" key={m.key} data-metric={m.key}>
                  {formatBenchNumber(benchMetricValue(c, m.key), m.decimals)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Exports({ run }: { run: BenchRun }) {
  const [error, setError] = useState<ErrorInfo | null>(null);
  const [copied, setCopied] = useState(false);
  const exported = async (format: BenchExportFormat) => {
    setError(null);
    try {
      return await call('bench.export', { id: run.id, format });
    } catch (e) {
      setError((e as DeckClientError).info);
      return null;
    }
  };
  const save = async (format: BenchExportFormat) => {
    const ex = await exported(format);
    if (ex) download(ex.filename, ex.mime, ex.content);
  };
  const copy = async () => {
    const ex = await exported('markdown');
    if (!ex) return;
    try {
      await navigator.clipboard.writeText(ex.content);
      setCopied(true);
      setTimeout(() => setCopied(false), 2000);
    } catch {
      setError({ code: 'internal', message: 'The clipboard is not available here.', hint: 'Use "Markdown" to save the tables as a file.' });
    }
  };
  return (
    <div className="actions bench-exports">
      <span className="muted">Export</span>
      <button type="button" onClick={() => void save('csv')}>
        CSV
      </button>
      <button type="button" onClick={() => void save('json')}>
        JSON
      </button>
      <button type="button" onClick={() => void save('markdown')}>
        Markdown
      </button>
      <button type="button" onClick={() => void copy()}>
        {copied ? 'Copied' : 'Copy Markdown'}
      </button>
      <ErrorBox error={error} title="Export failed" />
    </div>
  );
}

/** One saved run: answers first, then the seed's table with our numbers, the charts, every figure. */
export function ResultsView({ runId }: { runId: string }) {
  const run = useCall('bench.get', { id: runId });
  const table = useCall('bench.comparison', { id: runId });
  if (run.error) return <ErrorBox error={run.error} title="Cannot open the run" />;
  if (!run.data) return <p aria-busy>Loading the run…</p>;
  const r = run.data;
  const failed = r.backends.filter((b) => b.status === 'failed');
  const notes = [...new Map(r.cells.filter((c) => c.sent > 0).map((c) => [c.backendId, c.memoryNote])).entries()];
  return (
    <section className="card bench-results" aria-labelledby="bench-results-title" data-run={r.id}>
      <div className="row-head">
        <h2 id="bench-results-title">{r.config.name}</h2>
        <span className={`pill ${r.status === 'completed' && !failed.length ? 'ok' : 'warn'}`}>{benchOutcome(r.status, r.backends)}</span>
        <span className="muted small">
          {new Date(r.createdAt).toLocaleString()} · {((r.finishedAt - r.createdAt) / 1000).toFixed(1)} s · {r.config.prompts.length} prompts × {r.config.runs} · concurrency {r.config.concurrency.join(', ')} · max tokens{' '}
          {r.config.maxTokens} · temperature {r.config.temperature} · seed {r.config.seed}
        </span>
      </div>
      {r.hardware ? (
        <p className="muted small">
          Measured on {r.hardware.cpu.model} ({r.hardware.cpu.logicalCores} threads), {(r.hardware.memory.totalBytes / 1024 ** 3).toFixed(1)} GiB RAM,{' '}
          {r.hardware.gpus.length ? r.hardware.gpus.map((g) => g.name).join(', ') : 'no GPU'}.
        </p>
      ) : (
        <p className="muted small">Machine unknown: {r.hardwareError}</p>
      )}
      {failed.map((b) => (
        <ErrorBox key={b.backendId} error={b.error ?? { code: 'internal', message: 'failed' }} title={`${b.label} failed${b.failedAfter ? ` after ${b.failedAfter} requests` : ''}`} />
      ))}
      {table.data && table.data.verdicts.length > 0 && (
        <ul className="bench-verdicts" aria-label="Verdicts">
          {table.data.verdicts.filter((v) => !failed.some((b) => v.startsWith(`${b.label} failed`))).map((v) => (
            <li key={v}>{v}</li>
          ))}
        </ul>
      )}
      <Exports run={r} />
      <h3>Comparison</h3>
      {table.error && <ErrorBox error={table.error} />}
      {table.data && <ComparisonView table={table.data} />}
      <h3>Charts</h3>
      <div className="bench-charts">
        {BENCH_METRICS.filter((m) => m.key !== 'errors').map((m) => (
          <MetricBars key={m.key} metric={m} run={r} />
        ))}
      </div>
      <h3>Measurements</h3>
      <Measurements run={r} />
      {notes.length > 0 && (
        <details>
          <summary>Where the memory figures come from</summary>
          <ul>
            {notes.map(([id, note]) => (
              <li key={id}>
                <strong>{r.backends.find((b) => b.backendId === id)?.label}</strong>: {note}
              </li>
            ))}
          </ul>
        </details>
      )}
    </section>
  );
}
