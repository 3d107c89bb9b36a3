import { useState } from 'react';
import type { DockerStatus } from '../../../../electron/shared/contract/docker';
import { call } from '../../api/client';
import { useCall, useInvalidateOn } from '../../api/hooks';
import { ErrorBox } from '../../components/ErrorBox';

const PILL: Record<DockerStatus['state'], [string, string]> = {
  reachable: ['ok', 'Docker running'],
  'not-installed': ['bad', 'Docker not installed'],
  'not-running': ['bad', 'Docker not running'],
  'permission-denied': ['bad', 'No permission'],
  'api-too-old': ['warn', 'Docker too old'],
  error: ['bad', 'Docker error'],
};

/** The engine's state; listening to docker.status keeps the server re-checking, so this recovers by itself. */
export function DockerStatusCard() {
  const status = useCall('docker.status', {});
  useInvalidateOn('docker.status', ['docker.status', 'docker.list']);
  const [checking, setChecking] = useState(false);
  const recheck = async () => {
    setChecking(true);
    try {
      await call('docker.status', { refresh: true });
      await status.refetch();
    } finally {
      setChecking(false);
    }
  };
  if (status.error) return <ErrorBox error={status.error} title="Could not check Docker" />;
  const s = status.data;
  if (!s) return <p aria-busy="true">Checking Docker…</p>;
  const [tone, label] = PILL[s.state];
  return (
    <section className="card docker-status" aria-label="Docker status" data-state={s.state}>
      <div className="row-head">
        <span className={`pill ${tone}`} data-testid="docker-state">
          {label}
        </span>
        <span>{s.message}</span>
        <button type="button" className="small" onClick={recheck} disabled={checking}>
          {checking ? 'Checking…' : 'Check again'}
        </button>
      </div>
      {s.hint && <p className="hint">{s.hint}</p>}
      <p className="muted small">
        <code>{s.endpoint}</code>
        {s.state === 'reachable' && (
          <>
            {' '}
            · {s.os}/{s.arch} · API {s.apiVersion} · GPU passthrough:{' '}
            {s.gpu.available ? <span className="ok-text">yes</span> : 'no'}
            {s.remote && <> · remote host ({s.cpus ?? '?'} CPUs){s.endpoint.startsWith('ssh://') ? ': deployments are reached through SSH tunnels' : ''}</>}
          </>
        )}
      </p>
    </section>
  );
}
