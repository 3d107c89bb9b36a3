import type { VariantDiff } from '../../../../electron/shared/contract/ollama';

const STATUS: Record<VariantDiff['parameters'][number]['status'], string> = {
  same: 'same',
  changed: 'changed',
  added: 'set here',
  removed: 'removed',
  inherited: 'inherited',
};

/** Parameters side by side, which other fields differ, and the line diff of two versions. */
export function DiffView({ diff }: { diff: VariantDiff }) {
  const changedFields = diff.fields.filter((f) => f.changed);
  return (
    <div className="diff-view" aria-label={`Differences between ${diff.leftLabel} and ${diff.rightLabel}`}>
      <table className="compact">
        <thead>
          <tr>
            <th>Parameter</th>
            <th>{diff.leftLabel}</th>
            <th>{diff.rightLabel}</th>
            <th>
              <span className="sr-only">Change</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {diff.parameters.map((r) => (
            <tr key={r.key} data-status={r.status}>
              <th scope="row">{r.key}</th>
              <td>{r.left !== undefined ? <code>{r.left}</code> : r.leftDefault !== undefined ? <span className="muted">default {r.leftDefault}</span> : '—'}</td>
              <td>{r.right !== undefined ? <code>{r.right}</code> : r.status === 'inherited' ? <span className="muted">inherited</span> : '—'}</td>
              <td>
                <span className={`pill ${r.status === 'same' || r.status === 'inherited' ? '' : 'warn'}`}>{STATUS[r.status]}</span>
              </td>
            </tr>
          ))}
          {!diff.parameters.length && (
            <tr>
              <td colSpan={4} className="muted">
                No parameters on either side.
              </td>
            </tr>
          )}
        </tbody>
      </table>
      {changedFields.map((f) => (
        <details key={f.field}>
          <summary>{f.field} differs</summary>
          <div className="side-by-side">
            <pre className="code">{f.left ?? '(none)'}</pre>
            <pre className="code">{f.right ?? '(none)'}</pre>
          </div>
        </details>
      ))}
      {diff.lines.length > 0 && (
        <pre className="code line-diff" aria-label="Line differences">
          {diff.lines.map((l, i) => (
            <div key={i} className={`diff-${l.op}`}>
              {l.op === 'add' ? '+ ' : l.op === 'remove' ? '- ' : '  '}
              {l.text}
            </div>
          ))}
        </pre>
      )}
    </div>
  );
}
