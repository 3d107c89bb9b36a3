import { useEffect, useRef, useState } from 'react';
import { call } from '../../api/client';
import { ErrorBox } from '../../components/ErrorBox';
import { fmtSize } from '../../../../electron/shared/format';
import { formatDuration } from '../../components/format';
import { useReveal } from '../../components/reveal';
import { useTasks } from '../../stores/tasks';

/**
 * A long operation (pull, create) as the user follows it: one bar, bytes and speed, the steps
 * Ollama reported, Cancel while running, and the error with its hint when it fails.
 */
export function TaskProgress({ taskId, label, onRetry, resumable = false }: { taskId: string; label: string; onRetry?: () => void; resumable?: boolean }) {
  const task = useTasks((s) => s.tasks[taskId]);
  const [steps, setSteps] = useState<string[]>([]);
  useEffect(() => {
    if (task?.step && !['Starting', 'Failed', 'Cancelled'].includes(task.step)) {
      setSteps((s) => (s.includes(task.step) ? s : [...s, task.step]));
    }
  }, [task?.step]);
  const box = useRef<HTMLDivElement>(null);
  useReveal(box, task?.state);
  if (!task) return <p aria-busy>Starting…</p>;
  const result = task.result as { steps?: string[] } | undefined;
  const shown = result?.steps ?? steps;
  const running = task.state === 'running';
  return (
    <div ref={box} className="task-progress" data-state={task.state} aria-label={`${label} progress`}>
      <div className="row-head">
        <strong>{task.title}</strong>
        <span className={`pill ${task.state === 'succeeded' ? 'ok' : task.state === 'running' ? 'warn' : 'bad'}`}>{task.state}</span>
        {running && (
          <button type="button" className="small" onClick={() => void call('tasks.cancel', { taskId })}>
            Cancel
          </button>
        )}
        {!running && task.state !== 'succeeded' && onRetry && (
          <button type="button" className="small" onClick={onRetry}>
            {/* A pull picks up Ollama's partial blobs; a create simply runs again. */}
            {task.state === 'cancelled' && resumable ? 'Resume' : 'Try again'}
          </button>
        )}
      </div>
      {running && (
        <div className="bar-line">
          <progress max={1} value={task.progress ?? undefined} aria-label={`${label} progress bar`} />
          <span>
            {task.step}
            {task.detail ? ` · ${task.detail}` : ''}
          </span>
          {task.bytesTotal ? (
            <span className="muted">
              {fmtSize(task.bytesDone)} of {fmtSize(task.bytesTotal)}
              {task.speed ? ` · ${fmtSize(task.speed)}/s` : ''}
              {task.etaSeconds !== undefined ? ` · ${formatDuration(task.etaSeconds)} left` : ''}
            </span>
          ) : null}
        </div>
      )}
      {shown.length > 0 && (
        <ol className="steps" aria-label="Steps">
          {shown.map((s, i) => (
            <li key={s} data-current={running && s === task.step}>
              {s}
              {/* A failed task's last step is where it stopped, not one still under way. */}
              {task.state === 'failed' && i === shown.length - 1 && <span className="field-error"> — failed here</span>}
            </li>
          ))}
        </ol>
      )}
      {task.state === 'cancelled' && <p className="muted">Cancelled. Ollama keeps what was downloaded: pulling again resumes from there.</p>}
      {task.error && <ErrorBox error={task.error} title={`${label} failed`} />}
    </div>
  );
}
