import { useEffect, useState } from 'react';
import type { BenchStart } from '../../../../electron/shared/contract/bench';
import type { ChatBackend } from '../../../../electron/shared/contract/chat';
import { call, type DeckClientError } from '../../api/client';
import { useCall, useInvalidateOn } from '../../api/hooks';
import { ErrorBox } from '../../components/ErrorBox';
import { parseLevels, useBenchDraft } from './bench-draft';
import { distinctServers } from './distinct-servers';
import { SuiteEditor } from './SuiteEditor';

/** One backend: tick to include it, its model, and whether it answers right now. */
function BackendChoice({ backend, disabled }: { backend: ChatBackend; disabled: boolean }) {
  const models = useCall('chat.models', { backendId: backend.id }, { retry: false, staleTime: 10_000 });
  const selected = useBenchDraft((s) => s.selected);
  const touched = useBenchDraft((s) => s.touched);
  const on = backend.id in selected;
  // Backends that answer are ticked until the user decides otherwise: two clicks to a result.
  useEffect(() => {
    if (models.data?.length && !touched) useBenchDraft.setState((s) => (backend.id in s.selected ? s : { selected: { ...s.selected, [backend.id]: '' } }));
  }, [models.data, touched, backend.id]);
  const toggle = (checked: boolean) =>
    useBenchDraft.setState((s) => {
      const next = { ...s.selected };
      if (checked) next[backend.id] = '';
      else delete next[backend.id];
      return { selected: next, touched: true };
    });
  return (
    <li className="bench-backend" data-backend={backend.id}>
      <label className="check">
        <input type="checkbox" checked={on} disabled={disabled} onChange={(e) => toggle(e.target.checked)} />
        {backend.label}
      </label>
      {models.isPending ? (
        <span className="muted small">checking…</span>
      ) : models.error ? (
        <span className="pill bad" title={models.error.info.hint}>
          not answering
        </span>
      ) : (
        <span className="pill ok">answering</span>
      )}
      {on && models.data && models.data.length > 1 && (
        <select
          aria-label={`Model for ${backend.label}`}
          value={selected[backend.id]}
          disabled={disabled}
          onChange={(e) => useBenchDraft.setState((s) => ({ selected: { ...s.selected, [backend.id]: e.target.value } }))}
        >
          <option value="">Default model</option>
          {models.data.map((m) => (
            <option key={m.id} value={m.id}>
              {m.id}
            </option>
          ))}
        </select>
      )}
    </li>
  );
}

function NumberField({ label, value, onChange, disabled, step, min }: { label: string; value: string; onChange: (v: string) => void; disabled: boolean; step?: string; min?: string }) {
  return (
    <label className="field">
      <span>{label}</span>
      <input type="number" value={value} step={step ?? '1'} min={min ?? '0'} disabled={disabled} onChange={(e) => onChange(e.target.value)} />
    </label>
  );
}

/** Backends, suite and settings of the next run; Run starts it as a task. */
export function SetupForm({ running }: { running: boolean }) {
  const d = useBenchDraft();
  const listed = useCall('chat.backends', {});
  useInvalidateOn('chat.backendsChanged', ['chat.backends', 'chat.models']);
  const servers = listed.data && distinctServers(listed.data);
  const seed = useCall('bench.defaultSuite', {}, { staleTime: Infinity });
  const suite = d.suite ?? seed.data ?? [];
  const [error, setError] = useState<DeckClientError | null>(null);
  const [busy, setBusy] = useState(false);
  const levels = parseLevels(d.concurrency);
  const ids = (servers ?? []).map((b) => b.id).filter((id) => id in d.selected);
  const num = (v: string) => (v.trim() === '' ? undefined : Number(v));

  const start = async () => {
    setError(null);
    setBusy(true);
    try {
      const input: BenchStart = {
        backends: ids.map((backendId) => ({ backendId, ...(d.selected[backendId] ? { model: d.selected[backendId] } : {}) })),
        ...(d.suite ? { prompts: d.suite } : {}),
        ...(d.name.trim() ? { name: d.name.trim() } : {}),
        ...(levels ? { concurrency: levels } : {}),
        runs: num(d.runs),
        maxTokens: num(d.maxTokens),
        temperature: num(d.temperature),
        seed: num(d.seed),
        warmup: num(d.warmup),
      };
      const { taskId } = await call('bench.start', input);
      d.patch({ taskId });
    } catch (e) {
      setError(e as DeckClientError);
    } finally {
      setBusy(false);
    }
  };

  const disabled = running || busy;
  return (
    <section className="card bench-setup" aria-labelledby="bench-setup-title">
      <h2 id="bench-setup-title">New run</h2>
      <ErrorBox error={listed.error} title="Cannot list the backends" />
      {servers && !servers.length && <p className="muted">No backend yet: deploy one on the Deploy page, or add an OpenAI-compatible URL in the Playground.</p>}
      <fieldset className="bench-backends">
        <legend>Backends</legend>
        <ul>
          {(servers ?? []).map((b) => (
            <BackendChoice key={b.id} backend={b} disabled={disabled} />
          ))}
        </ul>
      </fieldset>
      <SuiteEditor
        suite={suite}
        source={d.suiteSource}
        onChange={(s, source) => d.patch({ suite: s, suiteSource: source ?? `${d.suiteSource.replace(/ \(edited\)$/, '')} (edited)` })}
        onReset={() => d.patch({ suite: null, suiteSource: "the deployment guide's test prompts" })}
      />
      <div className="bench-grid">
        <NumberField label="Runs per prompt" value={d.runs} min="1" disabled={disabled} onChange={(runs) => d.patch({ runs })} />
        <label className="field">
          <span>Concurrency levels</span>
          <input value={d.concurrency} disabled={disabled} aria-invalid={!levels} aria-describedby="bench-levels-help" onChange={(e) => d.patch({ concurrency: e.target.value })} />
          <small id="bench-levels-help" className={levels ? 'muted' : 'field-error'}>
            {levels ? 'Requests in flight per backend, e.g. 1, 4' : 'Whole numbers separated by commas, e.g. 1, 4'}
          </small>
        </label>
        <NumberField label="Max tokens" value={d.maxTokens} min="1" disabled={disabled} onChange={(maxTokens) => d.patch({ maxTokens })} />
        <NumberField label="Temperature" value={d.temperature} step="0.1" disabled={disabled} onChange={(temperature) => d.patch({ temperature })} />
        <NumberField label="Seed" value={d.seed} disabled={disabled} onChange={(seed) => d.patch({ seed })} />
        <NumberField label="Warm-up requests" value={d.warmup} disabled={disabled} onChange={(warmup) => d.patch({ warmup })} />
        <label className="field">
          <span>Name (optional)</span>
          <input value={d.name} disabled={disabled} maxLength={120} onChange={(e) => d.patch({ name: e.target.value })} />
        </label>
      </div>
      <ErrorBox error={error} title="The benchmark did not start" />
      <div className="actions">
        <button type="button" className="primary" disabled={disabled || !ids.length || !levels || !suite.length} onClick={() => void start()}>
          Run benchmark
        </button>
        <span className="muted small">
          {ids.length} backend{ids.length === 1 ? '' : 's'} · {suite.length} prompts × {d.runs || '?'} run{d.runs === '1' ? '' : 's'} · concurrency {levels?.join(', ') ?? '?'}. Warm-up is not measured;
          backends take turns so drift of the machine does not favour one.
        </span>
      </div>
    </section>
  );
}
