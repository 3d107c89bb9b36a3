import type { Recommendation } from '../../../../electron/shared/contract/hardware';
import { useDeployDraft } from '../../stores/deploy-draft';
import { useNavigation } from '../../stores/navigation';
import { EstimateTerms, VerdictPill } from './Estimate';
import { fmtInt } from '../../../../electron/shared/format';

function ConfigSummary({ r }: { r: Recommendation }) {
  const c = r.config;
  const rows: Array<[string, string]> = [
    ['Model', c.model],
    ['Published on', `${c.bindHost}:${c.hostPort}`],
    ['Context', `${fmtInt(c.contextLength)} tokens`],
    ['Parallel requests', String(c.parallel)],
    ['GPUs', c.gpus.length ? c.gpus.join(', ') : 'none (CPU)'],
    ['Memory limit', c.memoryLimitGb === null ? 'none' : `${c.memoryLimitGb} GiB`],
    ['CPU limit', c.cpus === null ? 'none' : String(c.cpus)],
    ...Object.entries(c.env).map(([k, v]): [string, string] => [k, v]),
    ...Object.entries(c.vllm ?? {}).map(([k, v]): [string, string] => [`vLLM ${k}`, String(v)]),
  ];
  return (
    <dl className="kv config" aria-label="Deployment config">
      {rows.map(([k, v]) => (
        <div key={k} className="kv-row">
          <dt>{k}</dt>
          <dd>
            <code>{v}</code>
          </dd>
        </div>
      ))}
    </dl>
  );
}

export function RecommendationCard({ r }: { r: Recommendation }) {
  const go = useNavigation((s) => s.go);
  const setDraft = useDeployDraft((s) => s.setDraft);
  const deploy = () => {
    setDraft(r.config, r.headline);
    go('deploy');
  };
  return (
    <section className="card recommendation" aria-labelledby="rec-title" data-testid="recommendation">
      <header className="hw-card-head">
        <h2 id="rec-title">Recommended for this machine</h2>
        <span className="pill ok">{r.tierLabel} tier</span>
        <VerdictPill verdict={r.row.verdict} title={r.row.reason} />
      </header>
      <p className="headline">{r.headline}</p>
      <ol className="why-list">
        {r.why.map((w) => (
          <li key={w}>{w}</li>
        ))}
      </ol>
      <div className="actions">
        <button type="button" className="primary" onClick={deploy}>
          Deploy
        </button>
        <span className="muted small">Opens the Deploy page with this configuration.</span>
      </div>
      <details>
        <summary>Estimate, term by term</summary>
        <EstimateTerms row={r.row} />
      </details>
      <details>
        <summary>Deployment config</summary>
        <ConfigSummary r={r} />
      </details>
      {r.alternatives.length > 0 && (
        <details>
          <summary>Alternatives</summary>
          <ul>
            {r.alternatives.map((a) => (
              <li key={a}>{a}</li>
            ))}
          </ul>
        </details>
      )}
    </section>
  );
}
