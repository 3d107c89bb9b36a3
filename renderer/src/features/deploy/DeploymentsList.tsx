import { useState } from 'react';
import type { Deployment } from '../../../../electron/shared/contract/docker';
import { useBackends } from '../../api/backends';
import { call, type DeckClientError } from '../../api/client';
import { useCall, useInvalidateOn } from '../../api/hooks';
import { ErrorBox } from '../../components/ErrorBox';
import { formatDuration } from '../../components/format';
import { CopyButton } from './CopyButton';

const STATE_TONE: Record<Deployment['state'], string> = {
  running: 'ok',
  starting: 'warn',
  unhealthy: 'bad',
  stopped: 'muted-pill',
  created: 'muted-pill',
  restarting: 'warn',
  partial: 'warn',
};

function RemoveConfirm({ d, onDone }: { d: Deployment; onDone: () => void }) {
  const [volumes, setVolumes] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<DeckClientError | null>(null);
  const remove = async () => {
    setBusy(true);
    try {
      await call('docker.remove', { name: d.name, removeVolumes: volumes });
      onDone();
    } catch (e) {
      setError(e as DeckClientError);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="confirm" role="alertdialog" aria-label={`Remove ${d.name}?`}>
      <span>Remove {d.name}?</span>
      <label className="check">
        <input type="checkbox" checked={volumes} onChange={(e) => setVolumes(e.target.checked)} /> also delete its volumes (downloaded models)
      </label>
      <button type="button" className="small danger" onClick={remove} disabled={busy}>
        Remove
      </button>
      <button type="button" className="small" onClick={onDone}>
        Keep
      </button>
      <ErrorBox error={error} />
    </div>
  );
}

/** Managed deployments with state, health, uptime, ports and actions. */
export function DeploymentsList({ onLogs, onCompose, onKube }: { onLogs: (name: string) => void; onCompose: (name: string) => void; onKube: (name: string) => void }) {
  const list = useCall('docker.list', {}, { refetchInterval: 15_000 });
  const backends = useBackends();
  useInvalidateOn('docker.changed', ['docker.list']);
  useInvalidateOn('task.done', ['docker.list']);
  const [busy, setBusy] = useState<string | null>(null);
  const [confirm, setConfirm] = useState<string | null>(null);
  const [error, setError] = useState<DeckClientError | null>(null);

  const act = async (name: string, verb: 'docker.start' | 'docker.stop' | 'docker.restart') => {
    setBusy(name);
    setError(null);
    try {
      await call(verb, { name });
      await list.refetch();
    } catch (e) {
      setError(e as DeckClientError);
    } finally {
      setBusy(null);
    }
  };

  if (list.error) {
    return list.error.info.code === 'docker_unavailable' ? null : <ErrorBox error={list.error} title="Could not list deployments" />;
  }
  const rows = list.data ?? [];
  return (
    <section className="card" aria-labelledby="deployments-title">
      <h2 id="deployments-title">Deployments</h2>
      <ErrorBox error={error} />
      {!rows.length ? (
        <p className="muted">Nothing deployed yet.</p>
      ) : (
        <table className="deployments" data-testid="deployments">
          <thead>
            <tr>
              <th>Name</th>
              <th>Backend</th>
              <th>State</th>
              <th>Up</th>
              <th>Endpoint</th>
              <th>Actions</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((d) => (
              <tr key={d.name} data-deployment={d.name} data-state={d.state}>
                <td>
                  <strong>{d.name}</strong>
                  <div className="muted small">{d.model}</div>
                </td>
                <td>{backends.label(d.backend)}</td>
                <td>
                  <span className={`pill ${STATE_TONE[d.state]}`} data-testid="deployment-state">
                    {d.state}
                  </span>
                  {d.health !== 'none' && d.state !== 'starting' && d.state !== 'unhealthy' && (
                    <span className={`pill ${d.health === 'healthy' ? 'ok' : 'warn'}`}>{d.health}</span>
                  )}
                  {d.gpu?.state === 'cpu' && (
                    <span className="pill bad" title={d.gpu.evidence}>
                      running on CPU
                    </span>
                  )}
                </td>
                <td>{d.uptimeSeconds !== null ? formatDuration(d.uptimeSeconds) : ''}</td>
                <td>
                  {d.endpoint ? (
                    <>
                      <code>{d.endpoint.url}</code> <CopyButton text={d.endpoint.curl} label="curl" />
                    </>
                  ) : (
                    ''
                  )}
                  <div className="muted small">
                    {d.containers.flatMap((c) => c.ports.map((p) => `${p.hostIp}:${p.hostPort}→${p.containerPort}`)).join(', ')}
                  </div>
                </td>
                <td>
                  <div className="row-actions">
                  {d.state === 'stopped' || d.state === 'created' ? (
                    <button type="button" className="small" disabled={busy === d.name} onClick={() => act(d.name, 'docker.start')}>
                      Start
                    </button>
                  ) : (
                    <button type="button" className="small" disabled={busy === d.name} onClick={() => act(d.name, 'docker.stop')}>
                      Stop
                    </button>
                  )}
                  <button type="button" className="small" disabled={busy === d.name} onClick={() => act(d.name, 'docker.restart')}>
                    Restart
                  </button>
                  <button type="button" className="small" onClick={() => onLogs(d.name)}>
                    Logs
                  </button>
                  <button type="button" className="small" onClick={() => onCompose(d.name)}>
                    Compose
                  </button>
                  <button type="button" className="small" onClick={() => onKube(d.name)}>
                    Kubernetes
                  </button>
                  <button type="button" className="small" onClick={() => setConfirm(d.name)}>
                    Remove
                  </button>
                  {confirm === d.name && (
                    <RemoveConfirm
                      d={d}
                      onDone={() => {
                        setConfirm(null);
                        void list.refetch();
                      }}
                    />
                  )}
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
