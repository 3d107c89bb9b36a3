import { useState, type ReactNode } from 'react';
import { benchOutcome, type BenchRunSummary } from '../../../../electron/shared/contract/bench';
import { call } from '../../api/client';

/** Saved runs: open one, tick two to compare, delete (with a second click to confirm). */
export function HistoryList({ runs, shown, compare, onOpen, onCompare }: { runs: BenchRunSummary[]; shown: string | null; compare: string[]; onOpen: (id: string) => void; onCompare: (ids: string[]) => void }) {
  const [confirm, setConfirm] = useState<string | null>(null);
  if (!runs.length) return <p className="muted">No runs yet: tick the backends above and press Run benchmark.</p>;
  const toggle = (id: string, on: boolean) => onCompare(on ? [...compare.filter((x) => x !== id), id].slice(-2) : compare.filter((x) => x !== id));
  return (
    <div className="table-wrap">
      <table className="bench-history" aria-label="Runs">
        <thead>
          <tr>
            <th scope="col">Compare</th>
            <th scope="col">Run</th>
            <th scope="col">When</th>
            <th scope="col">Backends</th>
            <th scope="col">Suite</th>
            <th scope="col">Machine</th>
            <th scope="col">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {runs.map((r) => (
            <tr key={r.id} aria-current={r.id === shown ? 'true' : undefined} data-run={r.id}>
              <td>
                <input type="checkbox" aria-label={`Compare ${r.name}`} checked={compare.includes(r.id)} onChange={(e) => toggle(r.id, e.target.checked)} />
              </td>
              <td>
                <button type="button" className="link-button" onClick={() => onOpen(r.id)}>
                  {r.name}
                </button>{' '}
                {benchOutcome(r.status, r.backends) !== 'completed' && <span className="pill warn">{benchOutcome(r.status, r.backends)}</span>}
              </td>
              <td>{new Date(r.createdAt).toLocaleString()}</td>
              <td>
                {r.backends.map((b) => (
                  <span key={b.backendId} className={b.status === 'failed' ? 'failed-backend' : undefined}>
                    {b.label}
                    {b.status === 'failed' ? ' (failed)' : ''}
                  </span>
                )).reduce<ReactNode[]>((acc, el, i) => (i ? [...acc, ', ', el] : [el]), [])}
              </td>
              <td>
                {r.prompts} × {r.runs}, c = {r.concurrency.join(', ')}
              </td>
              <td className="small">{r.machine}</td>
              <td>
                {confirm === r.id ? (
                  <span className="actions">
                    <button type="button" className="small danger" onClick={() => void call('bench.delete', { id: r.id }).finally(() => setConfirm(null))}>
                      Delete run
                    </button>
                    <button type="button" className="small" onClick={() => setConfirm(null)}>
                      Keep
                    </button>
                  </span>
                ) : (
                  <button type="button" className="small" aria-label={`Delete ${r.name}`} onClick={() => setConfirm(r.id)}>
                    Delete
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
