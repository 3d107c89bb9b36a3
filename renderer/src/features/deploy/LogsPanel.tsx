import { useEffect, useMemo, useRef, useState } from 'react';
import type { LogLine } from '../../../../electron/shared/contract/docker';
import { call, type DeckClientError } from '../../api/client';
import { useEvent } from '../../api/hooks';
import { ErrorBox } from '../../components/ErrorBox';

const KEEP = 2000;

/** Follows a deployment's logs (stdout and stderr, all its containers) with a search box. */
export function LogsPanel({ name, onClose }: { name: string; onClose: () => void }) {
  const [lines, setLines] = useState<LogLine[]>([]);
  const [watchId, setWatchId] = useState<string | null>(null);
  const [ended, setEnded] = useState<string | null>(null);
  const [error, setError] = useState<DeckClientError | null>(null);
  const [query, setQuery] = useState('');
  const [follow, setFollow] = useState(true);
  const box = useRef<HTMLDivElement>(null);

  useEffect(() => {
    let id: string | null = null;
    let gone = false;
    setLines([]);
    setEnded(null);
    setError(null);
    call('docker.followLogs', { name, tail: 300 }).then(
      (r) => {
        if (gone) void call('docker.unwatch', { watchId: r.watchId });
        else {
          id = r.watchId;
          setWatchId(r.watchId);
        }
      },
      (e: DeckClientError) => !gone && setError(e),
    );
    return () => {
      gone = true;
      if (id) void call('docker.unwatch', { watchId: id });
    };
  }, [name]);

  useEvent('docker.logLines', (e) => {
    if (e.watchId !== watchId) return;
    setLines((prev) => {
      const next = prev.concat(e.lines);
      return next.length > KEEP ? next.slice(next.length - KEEP) : next;
    });
  });
  useEvent('docker.watchEnded', (e) => {
    if (e.watchId === watchId && e.reason !== 'unwatched') setEnded(e.reason);
  });

  const shown = useMemo(() => {
    const q = query.trim().toLowerCase();
    return q ? lines.filter((l) => l.text.toLowerCase().includes(q)) : lines;
  }, [lines, query]);

  useEffect(() => {
    if (follow && box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [shown, follow]);

  const many = new Set(lines.map((l) => l.container)).size > 1;
  return (
    <section className="card logs-panel" aria-label={`Logs of ${name}`}>
      <div className="row-head">
        <strong>Logs · {name}</strong>
        <input type="search" placeholder="Search" aria-label="Search logs" value={query} onChange={(e) => setQuery(e.target.value)} />
        <label className="check">
          <input type="checkbox" checked={follow} onChange={(e) => setFollow(e.target.checked)} /> Follow
        </label>
        <span className="muted small">
          {query ? `${shown.length} of ${lines.length} lines` : `${lines.length} lines`}
        </span>
        <button type="button" className="small" onClick={onClose}>
          Close
        </button>
      </div>
      <ErrorBox error={error} title="Cannot read the logs" />
      <div className="log-view" ref={box} role="log" aria-live="off" data-testid="log-view">
        {shown.map((l, i) => (
          <div key={i} className={`log-line ${l.stream}`}>
            {many && <span className="muted">{l.container} </span>}
            {l.text}
          </div>
        ))}
        {!lines.length && !error && <p className="muted">No output yet.</p>}
      </div>
      {ended && <p className="muted small">Stream ended: {ended}</p>}
    </section>
  );
}
