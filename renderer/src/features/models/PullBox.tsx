import { useState, type FormEvent } from 'react';
import { useAction, useCall } from '../../api/hooks';
import { ErrorBox } from '../../components/ErrorBox';
import { fmtSize } from '../../../../electron/shared/format';
import { TaskProgress } from './TaskProgress';
import { useOllamaParams } from '../../stores/ollama-target';

const FIT = { fits: ['ok', 'Fits'], tight: ['warn', 'Tight'], 'wont-fit': ['bad', "Won't fit"], unknown: ['', 'Fit unknown'] } as const;

/** Pull by name, or one of the suggested Phi-4-mini forms with its size and fit verdict. */
export function PullBox() {
  const target = useOllamaParams();
  const suggestions = useCall('ollama.suggestions', target);
  const pull = useAction('ollama.pull');
  const [name, setName] = useState('');
  const [current, setCurrent] = useState<{ model: string; taskId: string } | null>(null);

  const start = (model: string) => pull.mutate({ model, ...target }, { onSuccess: ({ taskId }) => setCurrent({ model, taskId }) });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (name.trim()) start(name.trim());
  };

  return (
    <div className="pull-box">
      <form className="inline-form" onSubmit={submit} aria-label="Pull a model">
        <label className="field grow">
          <span>Model to pull</span>
          <input value={name} placeholder="phi4-mini or phi4-mini:3.8b-q8_0" onChange={(e) => setName(e.target.value)} />
        </label>
        <button type="submit" className="primary" disabled={!name.trim() || pull.isPending}>
          Pull
        </button>
      </form>
      <ErrorBox error={pull.error} title="Could not start the pull" />
      {current && <TaskProgress key={current.taskId} taskId={current.taskId} label={`Pull ${current.model}`} onRetry={() => start(current.model)} resumable />}
      <h3>Suggested</h3>
      {suggestions.error && <ErrorBox error={suggestions.error} />}
      <ul className="suggestions">
        {suggestions.data?.map((s) => {
          const [cls, label] = FIT[s.fit?.verdict ?? 'unknown'];
          return (
            <li key={s.model} className="card suggestion">
              <div className="row-head">
                <code>{s.model}</code>
                {s.recommended && <span className="pill ok">default</span>}
              </div>
              <div>
                <strong>{fmtSize(s.sizeBytes)}</strong> · {s.quantization}{' '}
                <span className={`pill ${cls}`} title={s.fit?.reason}>
                  {label}
                </span>
              </div>
              <p className="muted small">{s.note}</p>
              {s.fit && <p className="small">{s.fit.reason}</p>}
              <button type="button" disabled={s.installed || pull.isPending} onClick={() => start(s.model)}>
                {s.installed ? 'Installed' : `Pull ${fmtSize(s.sizeBytes)}`}
              </button>
            </li>
          );
        })}
      </ul>
    </div>
  );
}
