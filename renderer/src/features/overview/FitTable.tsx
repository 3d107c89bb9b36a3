import { Fragment, useState } from 'react';
import type { FitRow } from '../../../../electron/shared/contract/hardware';
import { useBackends } from '../../api/backends';
import { EstimateTerms, VerdictPill } from './Estimate';
import { fmtBytes, fmtInt, fmtTokens } from '../../../../electron/shared/format';

/** Context lengths the slider steps through: doublings from 512 up to the model's maximum. */
export function contextStops(max: number): number[] {
  const stops: number[] = [];
  for (let c = 512; c <= max; c *= 2) stops.push(c);
  if (stops[stops.length - 1] !== max) stops.push(max);
  return stops;
}

interface Props {
  rows: FitRow[];
  context: number;
  parallel: number;
  maxContext: number;
  onContext(c: number): void;
  onParallel(p: number): void;
  updating: boolean;
}

export function FitTable({ rows, context, parallel, maxContext, onContext, onParallel, updating }: Props) {
  const [open, setOpen] = useState<ReadonlySet<string>>(new Set());
  const backends = useBackends();
  const toggle = (key: string) =>
    setOpen((prev) => {
      const next = new Set(prev);
      if (next.has(key)) next.delete(key);
      else next.add(key);
      return next;
    });
  const stops = contextStops(maxContext);
  const index = Math.max(0, stops.findIndex((s) => s >= context));
  return (
    <section className="card" aria-labelledby="fit-title">
      <h2 id="fit-title">Will it fit?</h2>
      <p className="muted small">
        Every backend and model form, judged on this machine. Open a row to see each term of the estimate and check it by hand.
      </p>
      <div className="fit-controls">
        <label className="field slider-field">
          <span>Context length</span>
          <input
            type="range"
            name="context"
            min={0}
            max={stops.length - 1}
            step={1}
            value={index}
            aria-valuetext={`${fmtInt(stops[index])} tokens`}
            onChange={(e) => onContext(stops[Number(e.target.value)])}
          />
          <output data-testid="context-value">
            {fmtInt(stops[index])} tokens ({fmtTokens(stops[index])})
          </output>
        </label>
        <label className="field">
          <span>Parallel requests</span>
          <select name="parallel" value={parallel} onChange={(e) => onParallel(Number(e.target.value))}>
            {[1, 2, 4, 8].map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
        {updating && (
          <span className="muted small" role="status">
            Updating…
          </span>
        )}
      </div>
      <table className="fit-table" aria-busy={updating}>
        <thead>
          <tr>
            <th scope="col">Backend</th>
            <th scope="col">Model form</th>
            <th scope="col">Verdict</th>
            <th scope="col" className="num">
              Needs
            </th>
            <th scope="col" className="num">
              Largest context that fits
            </th>
            <th scope="col">Why</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => {
            const key = `${r.backend}/${r.model}`;
            const expanded = open.has(key);
            const detailsId = `fit-details-${r.backend}-${r.model.replace(/[^a-z0-9]+/gi, '-')}`;
            return (
              <Fragment key={key}>
                <tr data-testid={`fit-${r.backend}-${r.model.split('/')[1]}`}>
                  <td>{backends.label(r.backend)}</td>
                  <td>{r.formLabel}</td>
                  <td>
                    <VerdictPill verdict={r.verdict} title={r.reason} />
                  </td>
                  <td className="num">{fmtBytes(r.estimate.totalBytes)}</td>
                  <td className="num">
                    {r.maxContext.fits !== null ? fmtInt(r.maxContext.fits) : r.maxContext.tight !== null ? `${fmtInt(r.maxContext.tight)} (tight)` : '—'}
                  </td>
                  <td>
                    <span className="reason">{r.reason}</span>{' '}
                    <button type="button" className="link small" aria-expanded={expanded} aria-controls={detailsId} onClick={() => toggle(key)}>
                      {expanded ? 'Hide estimate' : 'Show estimate'}
                    </button>
                  </td>
                </tr>
                {expanded && (
                  <tr id={detailsId} className="fit-details">
                    <td colSpan={6}>
                      {r.hint && <p className="hint small">{r.hint}</p>}
                      <EstimateTerms row={r} />
                    </td>
                  </tr>
                )}
              </Fragment>
            );
          })}
        </tbody>
      </table>
      <p className="muted small">
        Budgeting for {fmtInt(context)} tokens × {parallel} parallel request{parallel === 1 ? '' : 's'}. 1 GiB = 1,073,741,824 bytes; 1 GiB of RAM is kept
        free for the system.
      </p>
    </section>
  );
}
