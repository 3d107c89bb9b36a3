import { useState } from 'react';
import { call, type DeckClientError } from '../../../api/client';
import { useCall, useInvalidateOn } from '../../../api/hooks';
import { ErrorBox } from '../../../components/ErrorBox';
import { fmtSize } from '../../../../../electron/shared/format';
import { TaskLine } from './TaskLine';
import { useTask } from '../../../stores/tasks';

type Available = { id: string; label: string; repo: string; folder: string; device: string; approxBytes: number; installed: boolean; partialBytes: number };

function DownloadRow({ m }: { m: Available }) {
  const [taskId, setTaskId] = useState<string | null>(null);
  const [error, setError] = useState<DeckClientError | null>(null);
  const [confirm, setConfirm] = useState(false);
  const task = useTask(taskId, 'modelStore.download', `Download ${m.label}`);
  const running = task?.state === 'running';
  const download = async () => {
    setError(null);
    try {
      setTaskId((await call('modelStore.download', { model: m.id })).taskId);
    } catch (e) {
      setError(e as DeckClientError);
    }
  };
  const remove = async () => {
    setConfirm(false);
    setError(null);
    try {
      await call('modelStore.delete', { model: m.id });
    } catch (e) {
      setError(e as DeckClientError);
    }
  };
  return (
    <li data-testid={`download-${m.id}`} data-installed={m.installed}>
      <div className="row-head">
        <strong>{m.label}</strong>
        <span className="muted small">
          {m.installed ? 'downloaded' : m.partialBytes ? `${fmtSize(m.partialBytes)} downloaded, resumable` : `about ${fmtSize(m.approxBytes)}`} · {m.device.toUpperCase()} · {m.repo}
        </span>
        {!running && !m.installed && (
          <button type="button" className="small" onClick={() => void download()}>
            {m.partialBytes ? 'Resume download' : 'Download'}
          </button>
        )}
        {!running && (m.installed || m.partialBytes > 0) && !confirm && (
          <button type="button" className="small danger" onClick={() => setConfirm(true)}>
            Delete
          </button>
        )}
        {confirm && (
          <span className="actions">
            <span className="small">Delete {fmtSize(m.installed ? m.approxBytes : m.partialBytes)} from disk?</span>
            <button type="button" className="small danger" onClick={() => void remove()}>
              Delete
            </button>
            <button type="button" className="small" onClick={() => setConfirm(false)}>
              Keep
            </button>
          </span>
        )}
      </div>
      {task && (task.id === taskId || running) && <TaskLine task={task} label={`Downloading ${m.label}`} />}
      <ErrorBox error={error} />
    </li>
  );
}

/** Real models for the engine, downloaded from Hugging Face into the model store (resumable, checksummed). */
export function ModelDownloads() {
  const available = useCall('modelStore.available', {});
  useInvalidateOn('modelStore.changed', ['modelStore.available', 'engine.models']);
  if (available.error) return <ErrorBox error={available.error} title="Could not list downloadable models" />;
  const list = available.data ?? [];
  if (!list.length) return null;
  return (
    <details className="embedded-downloads" open={list.some((m) => !m.installed)}>
      <summary>Models from Hugging Face</summary>
      <ul className="plain-list">
        {list.map((m) => (
          <DownloadRow key={m.id} m={m} />
        ))}
      </ul>
      <p className="muted small">Stored in the SLM Deck data folder under models/. An interrupted download resumes where it stopped; every file is checked against its checksum.</p>
    </details>
  );
}
