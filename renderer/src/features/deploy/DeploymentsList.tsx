import { useEffect, useState } from 'react';
import type { MethodResult } from '../../../../electron/shared/contract';
import type { Deployment } from '../../../../electron/shared/contract/docker';
import { useBackends } from '../../api/backends';
import { call, type DeckClientError } from '../../api/client';
import { useCall, useInvalidateOn } from '../../api/hooks';
import { ErrorBox } from '../../components/ErrorBox';
import { formatDuration } from '../../components/format';
import { formatMetric } from '../../../../electron/shared/contract/metrics';
import { latest, useMetricsFeed } from '../monitor/feed';
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

type Removed = MethodResult<'docker.remove'>;

/** What a removal did with the volumes, in words (a kept volume is news when deletion was asked for). */
function removedSummary(name: string, r: Removed, askedVolumes: boolean): string {
  const parts = [`Removed ${name}.`];
  if (r.volumesRemoved.length) parts.push(`Deleted its volume${r.volumesRemoved.length > 1 ? 's' : ''} ${r.volumesRemoved.join(', ')}.`);
  const inUse = r.volumesInUse ?? [];
  if (inUse.length) parts.push(`Kept ${inUse.join(', ')}: another deployment still uses ${inUse.length > 1 ? 'them' : 'it'}.`);
  const other = r.volumesKept.filter((v) => !inUse.includes(v));
  if (askedVolumes && other.length) parts.push(`Kept ${other.join(', ')}: not created by SLM Deck.`);
  else if (!askedVolumes && other.length) parts.push(`Its volume${other.length > 1 ? 's' : ''} ${other.join(', ')} stay${other.length > 1 ? '' : 's'} (downloaded models).`);
  return parts.join(' ');
}

/** Seconds since the last fetch, ticking every second, so durations move between refetches. */
function useSecondsSince(at: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  return Math.max(0, Math.floor((now - at) / 1000));
}

function RemoveConfirm({ d, onDone }: { d: Deployment; onDone: (summary?: string) => void }) {
  const [volumes, setVolumes] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<DeckClientError | null>(null);
  const remove = async () => {
    setBusy(true);
    try {
      const r = await call('docker.remove', { name: d.name, removeVolumes: volumes });
      onDone(removedSummary(d.name, r, volumes));
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
      <button type="button" className="small" onClick={() => onDone()}>
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
  const [removed, setRemoved] = useState<string | null>(null);
  const since = useSecondsSince(list.dataUpdatedAt);
  // CPU and memory per container, from the monitor's sampler (Docker stats while this page is open).
  const feed = useMetricsFeed(['containers']);
  const usage = (container: string) => {
    const cpu = latest(feed.series.get(`container.${container}.cpu`));
    const mem = latest(feed.series.get(`container.${container}.mem`));
    return cpu === null && mem === null ? null : `${formatMetric(cpu, 'percent')} · ${formatMetric(mem, 'bytes')}`;
  };

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
      {removed && (
        <p role="status" data-testid="removed">
          {removed}
        </p>
      )}
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
              <th>CPU · memory</th>
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
                <td>{d.uptimeSeconds !== null ? formatDuration(d.uptimeSeconds + (d.state === 'running' ? since : 0)) : ''}</td>
                <td className="small">
                  {d.state === 'running'
                    ? d.containers.map((c) => (
                        <div key={c.name} title={c.name}>
                          {d.containers.length > 1 && <span className="muted">{c.role}: </span>}
                          {usage(c.name) ?? <span className="muted">measuring…</span>}
                        </div>
                      ))
                    : ''}
                </td>
                <td>
                  {d.endpoint ? (
                    <>
                      <code>{d.endpoint.url}</code> <CopyButton text={d.endpoint.curl} label="curl" />
                      {d.endpoint.apiKeyFile && (
                        <div className="muted small" title={`Requests need Authorization: Bearer <key>; the key is in ${d.endpoint.apiKeyFile}`}>
                          API key required (the copied curl reads it from its file)
                        </div>
                      )}
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
                      onDone={(summary) => {
                        setConfirm(null);
                        if (summary) setRemoved(summary);
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
