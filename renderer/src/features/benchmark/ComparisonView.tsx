import type { ComparisonTable } from '../../../../electron/shared/contract/bench';

const DEVICE = { gpu: 'GPU', cpu: 'CPU', unknown: 'device unknown' } as const;

/** The seed's comparison table, measured cells in bold, quoted or documented ones in grey with their source. */
export function ComparisonView({ table }: { table: ComparisonTable }) {
  return (
    <div className="table-wrap">
      <table className="bench-comparison" aria-label="Comparison">
        <thead>
          <tr>
            <th scope="col">
              <span className="sr-only">Feature</span>
            </th>
            {table.columns.map((c) => (
              <th scope="col" key={c.backendId}>
                {c.label}
                <div className="muted small">
                  {c.familyLabel} · {DEVICE[c.device]}
                </div>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {table.rows.map((r) => (
            <tr key={r.key} data-row={r.key}>
              <th scope="row">{r.label}</th>
              {r.cells.map((cell, i) => (
                <td key={table.columns[i].backendId} className={cell.measured ? 'measured' : r.kind === 'measured' ? 'quoted' : undefined} data-measured={cell.measured}>
                  <span title={cell.note}>{cell.text}</span>
                  {cell.note && r.kind === 'measured' && <div className="muted small">{cell.note}</div>}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      <p className="muted small">{table.source}</p>
    </div>
  );
}
