import { useRef } from 'react';
import type { TaskSnapshot } from '../../../../electron/shared/contract/app';
import { call } from '../../api/client';
import { ErrorBox } from '../../components/ErrorBox';
import { useReveal } from '../../components/reveal';

/** The run as a task: bar, what is being measured, Cancel; the error with its hint if it failed. */
export function RunProgress({ task }: { task: TaskSnapshot }) {
  const running = task.state === 'running';
  const box = useRef<HTMLElement>(null);
  useReveal(box, task.state);
  return (
    <section ref={box} className="card bench-progress" aria-label="Benchmark progress" data-state={task.state}>
      <div className="row-head">
        <strong>{task.title}</strong>
        <span className={`pill ${task.state === 'succeeded' ? 'ok' : running ? 'warn' : 'bad'}`}>{task.state}</span>
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
      {task.state === 'cancelled' && <p className="muted">Cancelled. Whatever was measured before is kept in the history, marked cancelled.</p>}
      {task.error && <ErrorBox error={task.error} title="The benchmark failed" />}
    </section>
  );
}
