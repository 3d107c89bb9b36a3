import { useEffect, useState } from 'react';
import { call, type DeckClientError } from '../../../api/client';
import { useCall, useInvalidateOn } from '../../../api/hooks';
import { ErrorBox } from '../../../components/ErrorBox';
import { fmtSize } from '../../../../../electron/shared/format';
import { useTasks } from '../../../stores/tasks';
import { TaskLine } from './TaskLine';
import { useTask } from '../../../stores/tasks';

/** The same engine as a Docker image, for the "ONNX engine (Docker)" backend: built here through the Docker API. */
export function EngineImageBuild() {
  const status = useCall('engine.imageStatus', {});
  useInvalidateOn('docker.status', ['engine.imageStatus']);
  const [taskId, setTaskId] = useState<string | null>(null);
  const [base, setBase] = useState('');
  const [error, setError] = useState<DeckClientError | null>(null);
  const task = useTask(taskId, 'engine.buildImage');
  const finished = useTasks((s) => (taskId ? s.tasks[taskId]?.state : undefined));
  const { refetch } = status;
  useEffect(() => {
    if (finished === 'succeeded') void refetch();
  }, [finished, refetch]);
  const s = status.data;
  if (!s) return null;
  const build = async () => {
    setError(null);
    try {
      setTaskId((await call('engine.buildImage', base.trim() ? { baseImage: base.trim() } : {})).taskId);
    } catch (e) {
      setError(e as DeckClientError);
    }
  };
  const running = task?.state === 'running';
  return (
    <details className="engine-image" data-testid="engine-image">
      <summary>
        ONNX engine image for Docker:{' '}
        {!s.dockerReachable ? <span className="muted">Docker not reachable</span> : s.built ? <span className="pill ok">built</span> : <span className="pill muted-pill">not built</span>}
      </summary>
      <p className="muted small">
        <code>{s.image}</code>
        {s.built && s.sizeBytes !== null && ` · ${fmtSize(s.sizeBytes)} · built ${s.createdAt?.slice(0, 16).replace('T', ' ')}`}. The “ONNX engine (Docker)” backend runs this image with the model folder mounted read-only.
      </p>
      {s.dockerReachable && (
        <div className="actions">
          <label className="field">
            <span className="small">Base image (Node 20+, glibc)</span>
            <input value={base} placeholder={s.defaultBaseImage} onChange={(e) => setBase(e.target.value)} aria-label="Base image" />
          </label>
          <button type="button" onClick={() => void build()} disabled={running}>
            {s.built ? 'Rebuild image' : 'Build image'}
          </button>
        </div>
      )}
      {task && <TaskLine task={task} label="Image build" />}
      <ErrorBox error={error} />
    </details>
  );
}
