import { useRef } from 'react';
import type { TaskSnapshot } from '../../../../electron/shared/contract/app';
import { call } from '../../api/client';
import { ErrorBox } from '../../components/ErrorBox';
import { useReveal } from '../../components/reveal';

/** The run as a task: bar, what is being measured, Cancel; the error with its hint if it failed. */
export function RunProgress({ task }: { task: TaskSnapshot }) {
  const running = task.state === 'running';
  // A run that finished with a failed backend is partial, not a plain success.
  const failed = (task.result as { backends?: { status: string }[] } | undefined)?.backends?.some((b) => b.status === 'failed') ?? false;
  const word = task.state === 'succeeded' && failed ? 'partial' : task.state;
  const box = useRef<HTMLElement>(null);
  useReveal(box, task.state);
  return (
    <section ref={box} className="card bench-progress" aria-label="Benchmark progress" data-state={task.state}>
      <div className="row-head">
        <strong>{task.title}</strong>
        <span className={`pill ${word === 'succeeded' ? 'ok' : running || word === 'partial' ? 'warn' : 'bad'}`}>{word}</span>
        {running && (
          <button type="button" className="small" onClick={() => void call('tasks.cancel', { taskId: task.id })}>
            Cancel
          </button>
        )}
      </div>
      {running && (
        <div className="bar-line">
          <progress max={1} value={task.progress ?? undefined} aria-label="Benchmark progress bar" />
          <span>
            {task.step}
            {task.detail ? ` · ${task.detail}` : ''}
          </span>
        </div>
      )}
      {word === 'partial' && <p className="muted">Finished, but a backend failed: the results below say which and why.</p>}
      {task.state === 'cancelled' && <p className="muted">Cancelled. Whatever was measured before is kept in the history, marked cancelled.</p>}
      {task.error && <ErrorBox error={task.error} title="The benchmark failed" />}
    </section>
  );
}
