import type { BackendInfo } from '../../../../electron/shared/contract/backends';
import type { Backend } from '../../../../electron/shared/contract/deploy-config';
import type { FitRow, Verdict } from '../../../../electron/shared/contract/hardware';
import { useCall } from '../../api/hooks';

const RANK: Record<Verdict, number> = { fits: 3, tight: 2, 'wont-fit': 1, unavailable: 0 };
const TONE: Record<Verdict, string> = { fits: 'ok', tight: 'warn', 'wont-fit': 'bad', unavailable: 'bad' };
const TEXT: Record<Verdict, string> = { fits: 'Fits', tight: 'Tight', 'wont-fit': 'Won’t fit', unavailable: 'Unavailable' };

function bestRow(rows: FitRow[], backend: Backend): FitRow | undefined {
  return rows.filter((r) => r.backend === backend).sort((a, b) => RANK[b.verdict] - RANK[a.verdict])[0];
}

/** One card per Docker backend (from `backends.list`) with the planner's verdict for this machine. */
export function BackendCards({ backends, selected, onSelect }: { backends: BackendInfo[]; selected: Backend; onSelect: (b: Backend) => void }) {
  const plan = useCall('hardware.plan', {}, { retry: false });
  const rows = plan.data?.rows ?? [];
  return (
    <div className="cards backend-cards" role="group" aria-label="Backend">
      {backends
        .filter((b) => b.runsIn === 'docker')
        .map((b) => {
          const row = bestRow(rows, b.id);
          return (
            <button
              key={b.id}
              type="button"
              className="card backend-card"
              aria-pressed={selected === b.id}
              data-backend={b.id}
              onClick={() => onSelect(b.id)}
            >
              <strong>{b.label}</strong>
              <span className="muted small">{b.description}</span>
              {row && (
                <span className="verdict" title={row.reason}>
                  <em className={`pill ${TONE[row.verdict]}`}>{TEXT[row.verdict]}</em> <span className="small">{row.reason}</span>
                </span>
              )}
            </button>
          );
        })}
    </div>
  );
}
