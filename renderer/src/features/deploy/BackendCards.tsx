import { BACKEND_LABELS } from '../../../../electron/shared/contract/deploy-config';
import type { FitRow, Verdict } from '../../../../electron/shared/contract/hardware';
import { useCall } from '../../api/hooks';
import { DOCKER_BACKENDS, type DockerBackend } from './form-model';

const BLURB: Record<DockerBackend, string> = {
  'vllm-gpu': 'Fastest on an NVIDIA GPU; OpenAI API with tool calling.',
  'vllm-cpu': 'vLLM’s CPU build; OpenAI API, best with AVX-512.',
  ollama: 'Simple and light; GGUF models, runs on CPU or GPU.',
  'onnx-engine': 'SLM Deck’s ONNX Runtime engine in a container; int4 on CPU.',
};

const RANK: Record<Verdict, number> = { fits: 3, tight: 2, 'wont-fit': 1, unavailable: 0 };
const TONE: Record<Verdict, string> = { fits: 'ok', tight: 'warn', 'wont-fit': 'bad', unavailable: 'bad' };
const TEXT: Record<Verdict, string> = { fits: 'Fits', tight: 'Tight', 'wont-fit': 'Won’t fit', unavailable: 'Unavailable' };

function bestRow(rows: FitRow[], backend: DockerBackend): FitRow | undefined {
  return rows.filter((r) => r.backend === backend).sort((a, b) => RANK[b.verdict] - RANK[a.verdict])[0];
}

/** One card per Docker backend with the planner's verdict for this machine. */
export function BackendCards({ selected, onSelect }: { selected: DockerBackend; onSelect: (b: DockerBackend) => void }) {
  const plan = useCall('hardware.plan', {}, { retry: false });
  const rows = plan.data?.rows ?? [];
  return (
    <div className="cards backend-cards" role="group" aria-label="Backend">
      {DOCKER_BACKENDS.map((b) => {
        const row = bestRow(rows, b);
        return (
          <button
            key={b}
            type="button"
            className="card backend-card"
            aria-pressed={selected === b}
            data-backend={b}
            onClick={() => onSelect(b)}
          >
            <strong>{BACKEND_LABELS[b]}</strong>
            <span className="muted small">{BLURB[b]}</span>
            {row && (
              <span className="verdict" title={row.reason}>
                <em className={`pill ${TONE[row.verdict]}`}>{TEXT[row.verdict]}</em>{' '}
                <span className="small">{row.reason}</span>
              </span>
            )}
          </button>
        );
      })}
    </div>
  );
}
