import type { TaskSnapshot } from '../../../../../electron/shared/contract/app';
import { call } from '../../../api/client';
import { ErrorBox } from '../../../components/ErrorBox';
import { fmtSize } from '../../../../../electron/shared/format';
import { formatDuration } from '../../../components/format';

/** A running or just-finished task in one line: bar, step, bytes, speed, ETA, Cancel; its error when it failed. */
export function TaskLine({ task, label }: { task: TaskSnapshot; label: string }) {
  if (task.state === 'failed') return <ErrorBox error={task.error} title={`${label} failed`} />;
  if (task.state === 'cancelled') return <p className="muted small" role="status">{label} cancelled.</p>;
  if (task.state !== 'running') return null;
  return (
    <div className="task-line" data-testid="task-line" aria-label={`${label} progress`}>
      <progress max={1} value={task.progress ?? undefined} aria-label={`${label} progress bar`} />
      {task.progress !== null && <span>{Math.round(task.progress * 100)}%</span>}
      <span className="small">{task.step}</span>
      {task.bytesTotal !== undefined && (
        <span className="muted small">
          {fmtSize(task.bytesDone)} of {fmtSize(task.bytesTotal)}
          {task.speed !== undefined ? ` · ${fmtSize(task.speed)}/s` : ''}
          {task.etaSeconds !== undefined ? ` · ${formatDuration(task.etaSeconds)} left` : ''}
        </span>
      )}
      <button type="button" className="small" onClick={() => void call('tasks.cancel', { taskId: task.id })}>
        Cancel
      </button>
      {task.detail && <span className="muted small log-tail">{task.detail}</span>}
    </div>
  );
}
