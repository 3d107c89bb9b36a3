import { useRef } from 'react';
import type { TaskSnapshot } from '../../../../electron/shared/contract/app';
import { DeployResultSchema } from '../../../../electron/shared/contract/docker';
import { call } from '../../api/client';
import { fmtSize } from '../../../../electron/shared/format';
import { formatDuration } from '../../components/format';
import { useReveal } from '../../components/reveal';
import { CopyButton } from './CopyButton';
import { PHASES, phaseOf } from './form-model';

/** Deploy -> pull progress -> starting -> healthy, then the endpoint and a curl to try it. */
export function DeployProgress({ task }: { task: TaskSnapshot }) {
  const phase = phaseOf(task.step, task.state);
  const result = task.state === 'succeeded' ? DeployResultSchema.safeParse(task.result) : null;
  const done = result?.success ? result.data : null;
  const ep = done?.deployment.endpoint;
  const box = useRef<HTMLElement>(null);
  useReveal(box, task.state);
  return (
    <section ref={box} className="card deploy-progress" aria-label="Deployment progress" data-testid="deploy-progress" data-state={task.state}>
      <ol className="phases">
        {PHASES.map((p, i) => (
          <li key={p} data-done={i < phase} aria-current={i === phase && task.state === 'running' ? 'step' : undefined}>
            {p}
          </li>
        ))}
      </ol>
      {task.state === 'running' && (
        <>
          <p className="step" data-testid="deploy-step">
            {task.step}
          </p>
          {task.detail && <p className="muted small log-tail">{task.detail}</p>}
          <div className="actions">
            <progress max={1} value={task.progress ?? undefined} aria-label="Deployment progress" />
            {task.progress !== null && <span>{Math.round(task.progress * 100)}%</span>}
            {task.bytesTotal !== undefined && (
              <span className="muted">
                {fmtSize(task.bytesDone)} of {fmtSize(task.bytesTotal)}
              </span>
            )}
            {task.speed !== undefined && <span className="muted">{fmtSize(task.speed)}/s</span>}
            {task.etaSeconds !== undefined && <span className="muted">{formatDuration(task.etaSeconds)} left</span>}
            <button type="button" className="small" onClick={() => void call('tasks.cancel', { taskId: task.id })}>
              Cancel
            </button>
          </div>
        </>
      )}
      {task.state === 'failed' && task.error && (
        <div className="error-box" role="alert" data-code={task.error.code}>
          <strong>Deployment failed</strong>
          <p className="pre">{task.error.message}</p>
          {task.error.hint && <p className="hint">{task.error.hint}</p>}
        </div>
      )}
      {task.state === 'cancelled' && <p role="status">Cancelled; nothing was left behind.</p>}
      {done && (
        <div role="status" data-testid="deploy-done">
          <p>
            <span className={`pill ${done.deployment.health === 'healthy' || done.deployment.health === 'none' ? 'ok' : 'warn'}`}>
              {done.deployment.state === 'created' ? 'created' : done.deployment.health === 'none' ? 'running' : done.deployment.health}
            </span>{' '}
            <strong>{done.deployment.name}</strong>
            {ep && (
              <>
                {' '}
                at{' '}
                <a href={ep.url} target="_blank" rel="noreferrer" data-testid="endpoint-url">
                  {ep.url}
                </a>
              </>
            )}
            {ep?.webUiUrl && (
              <>
                {' '}
                · Open WebUI at{' '}
                <a href={ep.webUiUrl} target="_blank" rel="noreferrer">
                  {ep.webUiUrl}
                </a>
              </>
            )}
          </p>
          {done.gpuCheck?.state === 'cpu' && (
            <p className="pill bad" role="alert" title={done.gpuCheck.evidence}>
              Running on CPU, not the GPU: {done.gpuCheck.evidence}
            </p>
          )}
          {ep && (
            <div className="curl">
              <div className="row-head">
                <span className="muted">Try it:</span>
                <CopyButton text={ep.curl} label="Copy curl" />
              </div>
              <pre className="code">{ep.curl}</pre>
            </div>
          )}
        </div>
      )}
    </section>
  );
}
