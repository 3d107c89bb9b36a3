import type { FitRow, Verdict } from '../../../../electron/shared/contract/hardware';
import { fmtBytes } from '../../../../electron/shared/format';

export const VERDICT_LABEL: Record<Verdict, string> = { fits: 'Fits', tight: 'Tight', 'wont-fit': "Won't fit", unavailable: 'Not available' };
const VERDICT_TONE: Record<Verdict, string> = { fits: 'ok', tight: 'warn', 'wont-fit': 'bad', unavailable: 'muted-pill' };

export function VerdictPill({ verdict, title }: { verdict: Verdict; title?: string }) {
  return (
    <span className={`pill ${VERDICT_TONE[verdict]}`} title={title} data-verdict={verdict}>
      {VERDICT_LABEL[verdict]}
    </span>
  );
}

/** Every term of an estimate with its formula, and the checks it was judged by. */
export function EstimateTerms({ row }: { row: FitRow }) {
  const e = row.estimate;
  return (
    <div className="estimate">
      <table className="terms">
        <caption className="sr-only">Memory estimate for {row.formLabel}</caption>
        <thead>
          <tr>
            <th scope="col">Term</th>
            <th scope="col" className="num">
              Size
            </th>
            <th scope="col">How it is computed</th>
          </tr>
        </thead>
        <tbody>
          {e.terms.map((t) => (
            <tr key={t.key}>
              <th scope="row">{t.label}</th>
              <td className="num">{fmtBytes(t.bytes)}</td>
              <td className="formula">{t.formula}</td>
            </tr>
          ))}
          <tr className="total">
            <th scope="row">Total ({e.memory === 'vram' ? 'GPU memory' : 'RAM'})</th>
            <td className="num">{fmtBytes(e.totalBytes)}</td>
            <td />
          </tr>
          {e.budgetBytes !== null && (
            <tr>
              <th scope="row">Compared with</th>
              <td className="num">{fmtBytes(e.budgetBytes)}</td>
              <td>{e.budgetLabel}</td>
            </tr>
          )}
        </tbody>
      </table>
      {e.checks.length > 0 && (
        <ul className="checks">
          {e.checks.map((c) => (
            <li key={c.label} data-ok={c.ok === null ? 'unknown' : String(c.ok)}>
              <span aria-hidden="true">{c.ok === null ? '·' : c.ok ? '✓' : '✗'}</span> <strong>{c.label}:</strong> {c.detail}
            </li>
          ))}
        </ul>
      )}
      {row.notes.map((n) => (
        <p key={n} className="muted small">
          {n}
        </p>
      ))}
    </div>
  );
}
