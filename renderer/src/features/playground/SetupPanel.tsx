import { useEffect, useState } from 'react';
import type { ChatParams, ToolName } from '../../../../electron/shared/contract/chat';
import { useAction, useCall } from '../../api/hooks';
import { ErrorBox } from '../../components/ErrorBox';


export interface Setup {
  backendId: string;
  model?: string;
  system: string;
  params: ChatParams;
  tools: ToolName[];
}

/** The embedded engine's backend id (its source registers it while the engine runs). */
const EMBEDDED = 'embedded';

const NUMERIC: { key: keyof ChatParams; label: string; step: string; hint: string }[] = [
  { key: 'temperature', label: 'Temperature', step: '0.1', hint: '0–2' },
  { key: 'top_p', label: 'Top p', step: '0.05', hint: '0–1' },
  { key: 'top_k', label: 'Top k', step: '1', hint: 'integer' },
  { key: 'max_tokens', label: 'Max tokens', step: '1', hint: '≥ 1' },
  { key: 'seed', label: 'Seed', step: '1', hint: 'integer' },
  { key: 'num_ctx', label: 'Context', step: '256', hint: 'tokens' },
];

/** Ollama's `think`: the model's default, on, off, or an effort level. */
const THINK_OPTIONS: { value: string; label: string; think: ChatParams['think'] }[] = [
  { value: '', label: 'default', think: undefined },
  { value: 'true', label: 'on', think: true },
  { value: 'false', label: 'off', think: false },
  { value: 'low', label: 'low', think: 'low' },
  { value: 'medium', label: 'medium', think: 'medium' },
  { value: 'high', label: 'high', think: 'high' },
];
const THINK_VALUE = (t: ChatParams['think']) => (t === undefined ? '' : String(t));

/**
 * Only Ollama takes the context per request (num_ctx); an OpenAI-compatible server fixes it
 * when it starts (vLLM --max-model-len, the engine's model), so the field says so there.
 */
function contextHint(kind: string | undefined, compare: boolean): { hint: string; disabled?: boolean; title?: string } {
  if (compare) return { hint: 'Ollama panes', title: 'Sent to the Ollama panes only; other servers fix the context when they start.' };
  if (kind === 'ollama') return { hint: 'default', title: "Ollama's num_ctx for this conversation." };
  return { hint: 'set by server', disabled: true, title: 'This server fixes its context length when it starts (for a deployment: Context length on the Deploy page).' };
}

/** Backend, model, system prompt, parameters and tools of the open conversation (or of the next one). */
/** In the compare view the backends are picked per pane; this panel then sets what they share. */
export function SetupPanel({ value, onChange, compare = false }: { value: Setup; onChange: (patch: Partial<Setup>) => void; compare?: boolean }) {
  const backends = useCall('chat.backends', {});
  const health = useCall('chat.backendHealth', {}, { staleTime: 10_000 });
  const tools = useCall('chat.tools', {});
  const models = useCall('chat.models', { backendId: value.backendId }, { enabled: Boolean(value.backendId), staleTime: 10_000 });
  const [system, setSystem] = useState(value.system);
  const [adding, setAdding] = useState(false);
  const backend = backends.data?.find((b) => b.id === value.backendId);
  const down = backend ? health.data?.find((h) => h.id === backend.id && !h.answering) : undefined;
  const remove = useAction('chat.removeBackend', ['chat.backends']);
  const startEngine = useAction('engine.start', ['chat.backends']);

  useEffect(() => setSystem(value.system), [value.system]);

  return (
    <aside className="pg-setup" aria-label="Chat settings">
      {compare ? (
        <p className="muted small">Shared by every pane: system prompt, parameters and tools.</p>
      ) : (
        <>
          <label className="field">
            <span>Backend</span>
            <select aria-label="Backend" value={value.backendId} onChange={(e) => onChange({ backendId: e.target.value, model: undefined })}>
              {!backend && <option value={value.backendId}>{value.backendId ? `${value.backendId} (not available)` : 'Choose…'}</option>}
              {backends.data?.map((b) => {
                const h = health.data?.find((x) => x.id === b.id);
                return (
                  <option key={b.id} value={b.id} data-answering={h ? String(h.answering) : undefined}>
                    {h && !h.answering ? `${b.label} — not answering` : b.label}
                  </option>
                );
              })}
            </select>
            {down && (
              <small className="pill warn" data-testid="backend-down">
                Not answering: {down.problem}
              </small>
            )}
            {backend && (
              <small className="muted">
                {backend.kind === 'ollama' ? 'Ollama' : 'OpenAI-compatible'} · {backend.baseUrl}{' '}
                {backend.removable && (
                  <button type="button" className="link-button" onClick={() => remove.mutate({ id: backend.id })}>
                    remove
                  </button>
                )}
              </small>
            )}
          </label>
          {adding ? (
            <AddBackend
              onDone={(id) => {
                setAdding(false);
                if (id) onChange({ backendId: id, model: undefined });
              }}
            />
          ) : (
            <button type="button" className="small" onClick={() => setAdding(true)}>
              + Add OpenAI-compatible URL
            </button>
          )}

          <label className="field">
            <span>Model</span>
            <select aria-label="Model" value={value.model ?? ''} onChange={(e) => onChange({ model: e.target.value || undefined })}>
              <option value="">{models.data?.length ? `Server default (${models.data[0].id})` : 'Server default'}</option>
              {value.model && !models.data?.some((m) => m.id === value.model) && <option value={value.model}>{value.model}</option>}
              {models.data?.map((m) => (
                <option key={m.id} value={m.id}>
                  {m.id}
                  {m.detail ? ` · ${m.detail}` : ''}
                </option>
              ))}
            </select>
            {models.error && (
              <small className="field-error" role="status">
                {models.error.info.message} {models.error.info.hint}
              </small>
            )}
          </label>
          {models.error && !backends.data?.some((b) => b.id === EMBEDDED) && (
            <button
              type="button"
              className="small"
              disabled={startEngine.isPending}
              onClick={() => startEngine.mutate({}, { onSuccess: () => onChange({ backendId: EMBEDDED, model: undefined }) })}
            >
              {startEngine.isPending ? 'Starting the embedded engine…' : 'Use the embedded engine instead (no Docker needed)'}
            </button>
          )}
          <ErrorBox error={startEngine.error} title="Could not start the embedded engine" />

        </>
      )}
      <label className="field">
        <span>System prompt</span>
        <textarea
          rows={3}
          value={system}
          placeholder="You are a helpful assistant."
          onChange={(e) => setSystem(e.target.value)}
          onBlur={() => system !== value.system && onChange({ system })}
        />
      </label>

      <fieldset className="params">
        <legend>Parameters</legend>
        {NUMERIC.map((p) => (
          <NumberField
            key={p.key}
            label={p.label}
            hint={p.hint}
            {...(p.key === 'num_ctx' ? contextHint(backend?.kind, compare) : {})}
            step={p.step}
            value={value.params[p.key] as number | undefined}
            onCommit={(n) => {
              const params = { ...value.params };
              if (n === undefined) delete params[p.key];
              else (params as Record<string, number>)[p.key] = n;
              onChange({ params });
            }}
          />
        ))}
        {backend?.kind === 'ollama' && (
          <label className="field compact" title="Ollama's think: on or off, or a level for models that take one (gpt-oss).">
            <span>Think</span>
            <select
              aria-label="Think (reasoning models)"
              value={THINK_VALUE(value.params.think)}
              onChange={(e) => {
                const params = { ...value.params };
                const think = THINK_OPTIONS.find((o) => o.value === e.target.value)?.think;
                if (think === undefined) delete params.think;
                else params.think = think;
                onChange({ params });
              }}
            >
              {THINK_OPTIONS.map((o) => (
                <option key={o.value} value={o.value}>
                  {o.label}
                </option>
              ))}
            </select>
          </label>
        )}
      </fieldset>

      <fieldset className="tools">
        <legend>Tools</legend>
        {tools.data?.map((t) => (
          <label key={t.name} className="check" title={t.description}>
            <input
              type="checkbox"
              checked={value.tools.includes(t.name)}
              onChange={(e) =>
                onChange({ tools: e.target.checked ? [...value.tools, t.name] : value.tools.filter((n) => n !== t.name) })
              }
            />
            <code>{t.name}</code>
          </label>
        ))}
        <small className="muted">Run locally; each call and result shows in the transcript.</small>
      </fieldset>
    </aside>
  );
}

function NumberField({
  label,
  hint,
  step,
  value,
  onCommit,
  disabled,
  title,
}: {
  label: string;
  hint: string;
  disabled?: boolean;
  title?: string;
  step: string;
  value: number | undefined;
  onCommit: (n: number | undefined) => void;
}) {
  const [text, setText] = useState(value === undefined ? '' : String(value));
  useEffect(() => setText(value === undefined ? '' : String(value)), [value]);
  const commit = () => {
    const n = text.trim() === '' ? undefined : Number(text);
    if (n !== undefined && !Number.isFinite(n)) return setText(value === undefined ? '' : String(value));
    if (n !== value) onCommit(n);
  };
  return (
    <label className="field compact" title={title}>
      <span>{label}</span>
      <input
        type="number"
        disabled={disabled}
        step={step}
        value={text}
        placeholder={hint}
        onChange={(e) => setText(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => e.key === 'Enter' && commit()}
      />
    </label>
  );
}

function AddBackend({ onDone }: { onDone: (id?: string) => void }) {
  const add = useAction('chat.addBackend', ['chat.backends']);
  const [form, setForm] = useState({ label: '', baseUrl: 'http://127.0.0.1:8000/v1', kind: 'openai' as 'openai' | 'ollama' });
  return (
    <form
      className="card form add-backend"
      aria-label="Add backend"
      onSubmit={(e) => {
        e.preventDefault();
        add.mutate(form, { onSuccess: (b) => onDone(b.id) });
      }}
    >
      <label className="field">
        <span>Name</span>
        <input value={form.label} required onChange={(e) => setForm({ ...form, label: e.target.value })} placeholder="My vLLM box" />
      </label>
      <label className="field">
        <span>URL</span>
        <input value={form.baseUrl} required onChange={(e) => setForm({ ...form, baseUrl: e.target.value })} />
      </label>
      <label className="field">
        <span>Protocol</span>
        <select value={form.kind} onChange={(e) => setForm({ ...form, kind: e.target.value as 'openai' | 'ollama' })}>
          <option value="openai">OpenAI-compatible (vLLM, ONNX engine, …)</option>
          <option value="ollama">Ollama</option>
        </select>
      </label>
      <div className="actions">
        <button type="submit" className="primary" disabled={add.isPending}>
          Add backend
        </button>
        <button type="button" onClick={() => onDone()}>
          Cancel
        </button>
      </div>
      <ErrorBox error={add.error} title="Could not add the backend" />
    </form>
  );
}
