import { useEffect } from 'react';
import { call } from '../api/client';
import { useEvent } from '../api/hooks';
import { useConnection } from '../stores/connection';
import { useTasks } from '../stores/tasks';
import { fmtSize } from '../../../electron/shared/format';
import { formatDuration } from './format';

const CONNECTION_LABEL = {
  connecting: 'Connecting…',
  open: 'Connected',
  reconnecting: 'Reconnecting…',
  unauthorized: 'Not authorised',
} as const;

const OUTCOME = { running: 'running', succeeded: 'done', failed: 'failed', cancelled: 'cancelled' } as const;

/** Connection state, every running task with progress and a cancel button, else the last task's outcome. */
export function StatusBar() {
  const { state, transport } = useConnection();
  const { tasks, upsert, replace } = useTasks();

  useEffect(() => {
    if (state === 'open') void call('tasks.list', {}).then(replace, () => undefined);
  }, [state, replace]);
  useEvent('task.progress', upsert);
  useEvent('task.done', upsert);

  const running = Object.values(tasks).filter((t) => t.state === 'running');
  // The outcome of the latest finished task, wherever its page scrolled to (or whichever page is open).
  const last = Object.values(tasks)
    .filter((t) => t.state !== 'running' && t.endedAt !== undefined)
    .sort((a, b) => b.endedAt! - a.endedAt!)[0];
  return (
    <footer className="status-bar" aria-label="Status">
      <span className={`conn conn-${state}`} data-testid="connection-state">
        <span className="dot" aria-hidden /> {CONNECTION_LABEL[state]}
        {state === 'open' && <span className="muted"> · {transport === 'ipc' ? 'desktop' : 'browser'}</span>}
      </span>
      <ul className="task-list" aria-label="Running tasks">
        {running.map((t) => (
          <li key={t.id} className="task" data-testid="task">
            <span className="task-title">{t.title}</span>
            <span className="muted">{t.step}</span>
            <progress max={1} value={t.progress ?? undefined} aria-label={`${t.title} progress`} />
            {t.progress !== null && <span>{Math.round(t.progress * 100)}%</span>}
            {t.speed !== undefined && <span className="muted">{fmtSize(t.speed)}/s</span>}
            {t.etaSeconds !== undefined && <span className="muted">{formatDuration(t.etaSeconds)} left</span>}
            <button type="button" className="small" onClick={() => void call('tasks.cancel', { taskId: t.id })}>
              Cancel
            </button>
          </li>
        ))}
      </ul>
      {last && !running.length && (
        <span className={`task-outcome outcome-${last.state}`} role="status" data-testid="task-outcome" title={last.error ? `${last.error.message}${last.error.hint ? `\n${last.error.hint}` : ''}` : undefined}>
          {last.title}: {OUTCOME[last.state]}
          {last.error && <span className="muted"> · {last.error.message.split('\n')[0]}</span>}
        </span>
      )}
    </footer>
  );
}
