import { download } from '../../components/download';
import { useState } from 'react';
import { ALL_SCOPES, formatMetric, type MetricGroup, type SourceStatus } from '../../../../electron/shared/contract/metrics';
import { call, type DeckClientError } from '../../api/client';
import { ErrorBox } from '../../components/ErrorBox';
import { seriesOf, useMetricsFeed, windowStart, type FeedSeries, type FeedState } from './feed';
import { TimeChart } from './TimeChart';

const INTERVALS = [250, 500, 1000, 2000, 5000, 10_000];

const WINDOWS = [
  { label: '1 min', ms: 60_000 },
  { label: '5 min', ms: 5 * 60_000 },
  { label: '15 min', ms: 15 * 60_000 },
];

interface ChartSpec {
  title: string;
  groups: MetricGroup[];
  unit: FeedSeries['def']['unit'];
  /** Fixed top of the axis, or taken from the series' own maximum (memory total, VRAM total). */
  yMax: number | 'fromDefs' | null;
  /** Shown instead of the chart when it has no series. */
  empty?: (sources: SourceStatus[]) => string;
}

const sourceMessage = (sources: SourceStatus[], scope: SourceStatus['scope'], fallback: string) => {
  const list = sources.filter((s) => s.scope === scope && s.state !== 'idle');
  const failing = list.find((s) => s.state === 'failing');
  if (failing) return `${failing.message}${failing.hint ? ` ${failing.hint}` : ''}`;
  return list.map((s) => s.message).filter(Boolean).join(' ') || fallback;
};

const CHARTS: ChartSpec[] = [
  { title: 'CPU', groups: ['cpu'], unit: 'percent', yMax: 100 },
  { title: 'Memory', groups: ['memory', 'swap'], unit: 'bytes', yMax: 'fromDefs' },
  {
    title: 'GPU utilisation',
    groups: ['gpu-util'],
    unit: 'percent',
    yMax: 100,
    empty: (s) => sourceMessage(s, 'gpu', 'No GPU detected.'),
  },
  { title: 'VRAM', groups: ['vram'], unit: 'bytes', yMax: 'fromDefs', empty: (s) => sourceMessage(s, 'gpu', 'No GPU detected.') },
  {
    title: 'Container CPU',
    groups: ['container-cpu'],
    unit: 'percent',
    yMax: 100,
    empty: (s) => sourceMessage(s, 'containers', 'No SLM Deck container is running: deploy one from the Deploy page.'),
  },
  {
    title: 'Container memory',
    groups: ['container-memory'],
    unit: 'bytes',
    yMax: null,
    empty: (s) => sourceMessage(s, 'containers', 'No SLM Deck container is running: deploy one from the Deploy page.'),
  },
  {
    title: 'Tokens per second',
    groups: ['tokens'],
    unit: 'tokensPerSecond',
    yMax: null,
    empty: (s) => sourceMessage(s, 'engines', 'No engine is answering: deploy a model, then chat in the Playground.'),
  },
  { title: 'Requests', groups: ['requests'], unit: 'count', yMax: null },
  { title: 'KV cache', groups: ['kv-cache'], unit: 'percent', yMax: 100 },
  { title: 'Engine memory', groups: ['engine-memory'], unit: 'bytes', yMax: null },
  { title: 'CPU per core', groups: ['cores'], unit: 'percent', yMax: 100 },
];

const TABLE_SKIP: MetricGroup[] = ['cores'];

/** A frozen copy, so Pause holds the charts and the table while sampling goes on. */
function freeze(s: FeedState): FeedState {
  const series = new Map([...s.series].map(([id, x]) => [id, { def: x.def, values: [...x.values] }]));
  return { ...s, at: [...s.at], series };
}

function stats(values: (number | null)[], from: number) {
  let min = Infinity;
  let max = -Infinity;
  let last: number | null = null;
  for (let i = from; i < values.length; i++) {
    const v = values[i];
    if (v === null) continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  for (let i = values.length - 1; i >= from; i--) {
    if (values[i] !== null) {
      last = i === values.length - 1 ? values[i] : null;
      break;
    }
  }
  return { last, min: Number.isFinite(min) ? min : null, max: Number.isFinite(max) ? max : null };
}


export function MonitorPage() {
  const live = useMetricsFeed(ALL_SCOPES);
  const [windowMs, setWindowMs] = useState(60_000);
  const [frozen, setFrozen] = useState<FeedState | null>(null);
  const [actionError, setActionError] = useState<DeckClientError | null>(null);
  const [exporting, setExporting] = useState(false);
  const [configuring, setConfiguring] = useState(false);
  const state = frozen ?? live;
  const paused = frozen !== null;

  const charts = CHARTS.map((c) => {
    const series = seriesOf(state, c.groups);
    const fromDefs = series.reduce((m, s) => Math.max(m, s.def.max ?? 0), 0);
    return { ...c, series, top: c.yMax === 'fromDefs' ? fromDefs || null : c.yMax };
  });

  const onExport = async () => {
    setActionError(null);
    setExporting(true);
    try {
      const r = await call('metrics.exportCsv', { windowSeconds: Math.round(windowMs / 1000) });
      download(r.filename, 'text/csv;charset=utf-8', r.csv);
    } catch (e) {
      setActionError(e as DeckClientError);
    } finally {
      setExporting(false);
    }
  };

  // A new interval starts a new buffer on the server; the feed reloads it when the next batch carries the new epoch.
  const onInterval = async (intervalMs: number) => {
    setActionError(null);
    setConfiguring(true);
    try {
      await call('metrics.configure', { intervalMs });
    } catch (e) {
      setActionError(e as DeckClientError);
    } finally {
      setConfiguring(false);
    }
  };

  const from = windowStart(state.at, windowMs);
  const rows = [...state.series.values()].filter((s) => !TABLE_SKIP.includes(s.def.group));

  return (
    <section className="page monitor" aria-labelledby="monitor-title">
      <h1 id="monitor-title">Monitor</h1>
      <div className="monitor-toolbar" role="toolbar" aria-label="Monitor controls">
        <div className="segmented" role="radiogroup" aria-label="Time window">
          {WINDOWS.map((w) => (
            <button
              key={w.ms}
              type="button"
              role="radio"
              aria-checked={windowMs === w.ms}
              className={windowMs === w.ms ? 'selected' : undefined}
              onClick={() => setWindowMs(w.ms)}
            >
              {w.label}
            </button>
          ))}
        </div>
        <button type="button" aria-pressed={paused} onClick={() => setFrozen(paused ? null : freeze(live))}>
          {paused ? 'Resume' : 'Pause'}
        </button>
        <button type="button" onClick={() => void onExport()} disabled={exporting}>
          {exporting ? 'Exporting…' : 'Export CSV'}
        </button>
        <label className="inline-field">
          <span>Sample every</span>
          <select
            value={state.intervalMs}
            disabled={configuring}
            onChange={(e) => void onInterval(Number(e.target.value))}
            aria-describedby="monitor-rate"
          >
            {(INTERVALS.includes(state.intervalMs) ? INTERVALS : [...INTERVALS, state.intervalMs].sort((a, b) => a - b)).map((ms) => (
              <option key={ms} value={ms}>
                {ms < 1000 ? `${ms} ms` : `${ms / 1000} s`}
              </option>
            ))}
          </select>
        </label>
        <span className="muted" id="monitor-rate" data-testid="monitor-rate">
          {paused ? 'Paused · ' : ''}
          {Math.round((state.capacity * state.intervalMs) / 60_000)} min kept · {state.at.length} rows
        </span>
      </div>
      <ErrorBox error={actionError} title="That did not work" />
      <ul className="monitor-sources" aria-label="Sources">
        <li className="muted small">Data sources (hover one for details):</li>
        {state.sources
          .filter((s) => s.state !== 'idle')
          .map((s) => (
            <li key={s.name} title={s.hint ?? s.message} data-state={s.state}>
              <span className={`pill ${s.state === 'ok' ? 'ok' : s.state === 'failing' ? 'bad' : 'muted'}`}>{s.name}</span>
              {/* Nothing there (no GPU, no Ollama) is not news: a word here, the explanation in the tooltip and the empty chart. */}
              {s.state === 'absent' ? <span className="muted small"> not found here</span> : <span className="muted small"> {s.message}</span>}
              {s.state === 'failing' && s.hint && <span className="small"> {s.hint}</span>}
            </li>
          ))}
      </ul>
      {state.at.length === 0 ? (
        <p aria-busy className="muted">
          Waiting for the first samples…
        </p>
      ) : (
        <div className="chart-grid">
          {charts.map((c) =>
            c.series.length ? (
              <TimeChart
                key={c.title}
                title={c.title}
                unit={c.unit}
                at={state.at}
                series={c.series}
                windowMs={windowMs}
                paused={paused}
                yMax={c.top}
                version={state.version}
              />
            ) : c.empty ? (
              <div key={c.title} className="chart card chart-empty" data-chart={c.title}>
                <div className="chart-title">{c.title}</div>
                <p className="muted">{c.empty(state.sources)}</p>
              </div>
            ) : null,
          )}
        </div>
      )}
      <table className="card monitor-table" aria-label="Current values">
        <thead>
          <tr>
            <th scope="col">Series</th>
            <th scope="col">Now</th>
            <th scope="col">Min</th>
            <th scope="col">Max</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((s) => {
            const st = stats(s.values, from);
            return (
              <tr key={s.def.id} data-series={s.def.id}>
                <th scope="row">{s.def.label}</th>
                <td>{formatMetric(st.last, s.def.unit)}</td>
                <td>{formatMetric(st.min, s.def.unit)}</td>
                <td>{formatMetric(st.max, s.def.unit)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}
