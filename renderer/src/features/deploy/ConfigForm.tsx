import { useState, type FormEvent, type ReactNode } from 'react';
import type { BackendInfo, BackendOption } from '../../../../electron/shared/contract/backends';
import type { PortCheck } from '../../../../electron/shared/contract/docker';
import type { DeckClientError } from '../../api/client';
import { call } from '../../api/client';
import { useCall } from '../../api/hooks';
import { ErrorBox } from '../../components/ErrorBox';
import { DEMO_MODEL_ID, DEMO_MODEL_LABEL } from '../../../../electron/shared/contract/engine';
import type { FormState } from './form-model';

type Issue = { path: string[]; message: string };

export interface ConfigFormProps {
  form: FormState;
  /** The chosen backend's definition: which fields it takes. */
  info: BackendInfo;
  onChange: (f: FormState) => void;
  onDeploy: () => void;
  onPreview: () => void;
  onCompose: () => void;
  onKube: () => void;
  busy: boolean;
  error: DeckClientError | null;
}

/** Catalog forms that run on the chosen backend, for the model picker. */
function useModelOptions(backend: string, mountsModelFolder: boolean): Array<{ ref: string; label: string; unavailable?: string }> {
  const catalog = useCall('hardware.catalog', {}, { retry: false, staleTime: Infinity });
  const forms = (catalog.data?.models ?? []).flatMap((m) =>
    m.forms
      .filter((f) => (f.backends as string[]).includes(backend))
      .map((f) => ({ ref: `${m.id}/${f.id}`, label: `${m.name}: ${f.label}`, unavailable: f.unavailableReason })),
  );
  // A backend that mounts a model folder (the ONNX engine) also runs the bundled demo model, offered as what it is: a toy.
  return mountsModelFolder && forms.length ? [...forms, { ref: DEMO_MODEL_ID, label: `${DEMO_MODEL_LABEL} — a toy, always the same answer` }] : forms;
}

export function ConfigForm({ form, info, onChange, onDeploy, onPreview, onCompose, onKube, busy, error }: ConfigFormProps) {
  const set = <K extends keyof FormState>(k: K, v: FormState[K]) => onChange({ ...form, [k]: v });
  const [port, setPort] = useState<PortCheck | null>(null);
  const models = useModelOptions(form.backend, info.options.includes('modelPath'));
  const issues = (error?.info.code === 'invalid_input' ? (error.info.details as Issue[] | undefined) : undefined) ?? [];
  const issueFor = (key: string) => issues.find((i) => i.path[0] === key || (key === 'gpuMemoryUtilization' && i.path[1] === key))?.message;
  const portField = (error?.info.code === 'port_in_use' ? (error.info.details as { field?: string } | undefined)?.field : undefined) ?? null;
  const has = (o: BackendOption) => info.options.includes(o);

  const checkPort = async () => {
    const p = Number(form.hostPort);
    if (!Number.isInteger(p) || p < 1 || p > 65535) return setPort(null);
    try {
      setPort(await call('docker.checkPort', { port: p, host: form.bindHost || undefined }));
    } catch {
      setPort(null);
    }
  };

  // Inputs carry id `deploy-<key>`; the help line is their description, not part of their name.
  const field = (key: keyof FormState & string, label: string, input: ReactNode, help?: string) => {
    const err = issueFor(key);
    return (
      <div className="field">
        <label htmlFor={`deploy-${key}`}>{label}</label>
        {input}
        {err ? (
          <small className="field-error" id={`deploy-${key}-help`}>
            {err}
          </small>
        ) : help ? (
          <small className="muted" id={`deploy-${key}-help`}>
            {help}
          </small>
        ) : null}
      </div>
    );
  };
  const ids = (key: string) => ({ id: `deploy-${key}`, 'aria-describedby': `deploy-${key}-help` });
  const text = (key: keyof FormState & string, extra: { placeholder?: string; inputMode?: 'numeric' | 'decimal' } = {}) => (
    <input
      {...ids(key)}
      name={key}
      value={String(form[key])}
      aria-invalid={Boolean(issueFor(key)) || (portField === key)}
      onChange={(e) => set(key, e.target.value as never)}
      {...extra}
    />
  );

  const submit = (e: FormEvent) => {
    e.preventDefault();
    onDeploy();
  };

  return (
    <form className="card form deploy-form" onSubmit={submit} aria-label="Deployment settings">
      <div className="grid-2">
        {field('name', 'Name', text('name', { placeholder: form.backend }), `Containers are called slm-deck-${form.name || form.backend}.`)}
        {field(
          'model',
          'Model',
          models.length ? (
            <select {...ids('model')} name="model" value={form.model} onChange={(e) => set('model', e.target.value)}>
              {!models.some((m) => m.ref === form.model) && <option value={form.model}>{form.model}</option>}
              {models.map((m) => (
                <option key={m.ref} value={m.ref} disabled={Boolean(m.unavailable)} title={m.unavailable}>
                  {m.label}
                  {m.unavailable ? ' (needs a checkpoint)' : ''}
                </option>
              ))}
            </select>
          ) : (
            text('model')
          ),
          has('modelPath') ? 'Downloaded into the model store first when missing; the engine image is built when missing.' : undefined,
        )}
        {field(
          'hostPort',
          'Host port',
          <input
            {...ids('hostPort')}
            name="hostPort"
            inputMode="numeric"
            value={form.hostPort}
            aria-invalid={Boolean(issueFor('hostPort')) || portField === 'hostPort' || port?.free === false}
            onChange={(e) => {
              setPort(null);
              set('hostPort', e.target.value);
            }}
            onBlur={checkPort}
          />,
        )}
        {field('bindHost', 'Publish on address', text('bindHost'), '127.0.0.1 keeps the server private to this machine.')}
      </div>
      {port && !port.free && (
        <div className="warning-box" role="status" data-testid="port-check">
          {port.message}{' '}
          {port.suggestion && (
            <button
              type="button"
              className="small"
              onClick={() => {
                set('hostPort', String(port.suggestion));
                setPort(null);
              }}
            >
              Use {port.suggestion}
            </button>
          )}
        </div>
      )}
      <div className="grid-3">
        {field('contextLength', 'Context length (tokens)', text('contextLength', { inputMode: 'numeric' }))}
        {field('parallel', 'Parallel requests', text('parallel', { inputMode: 'numeric' }))}
        {field('gpus', 'GPUs', text('gpus', { placeholder: info.gpu === 'required' ? 'all' : 'none (CPU)' }), 'Device ids, comma separated; "all" for every GPU.')}
        {field('memoryLimitGb', 'Memory limit (GB)', text('memoryLimitGb', { inputMode: 'decimal', placeholder: 'no limit' }))}
        {field('cpus', 'CPU limit', text('cpus', { inputMode: 'decimal', placeholder: 'no limit' }))}
        {has('gpuMemoryUtilization') &&
          field('gpuMemoryUtilization', 'GPU memory share', text('gpuMemoryUtilization', { inputMode: 'decimal' }), 'vLLM reserves this fraction of VRAM.')}
      </div>
      {has('toolCalling') && (
        <label className="check">
          <input type="checkbox" checked={form.toolCalling} onChange={(e) => set('toolCalling', e.target.checked)} /> Tool calling
          (<code>--enable-auto-tool-choice --tool-call-parser phi4_mini_json</code>)
        </label>
      )}
      {has('openWebUi') && (
        <div className="grid-2">
          <label className="check">
            <input type="checkbox" checked={form.openWebUi} onChange={(e) => set('openWebUi', e.target.checked)} /> Also start Open WebUI
          </label>
          {form.openWebUi && field('webUiPort', 'Open WebUI port', text('webUiPort', { inputMode: 'numeric' }))}
        </div>
      )}
      {has('kvCacheType') &&
        field(
          'kvCacheType',
          'KV cache type',
          <select {...ids('kvCacheType')} name="kvCacheType" value={form.kvCacheType} onChange={(e) => set('kvCacheType', e.target.value as FormState['kvCacheType'])}>
            <option value="f16">f16 (default)</option>
            <option value="q8_0">q8_0 (half the memory)</option>
          </select>,
          '--cache-type-k / --cache-type-v',
        )}
      {has('modelPath') &&
        field('modelPath', 'Model folder (optional)', text('modelPath', { placeholder: 'the app’s model store' }), 'Mounted read-only at /model; leave empty to use the model store (or the demo model).')}
      <details>
        <summary>Environment</summary>
        {field(
          'env',
          'Extra environment (KEY=VALUE per line)',
          <textarea {...ids('env')} name="env" rows={3} value={form.env} onChange={(e) => set('env', e.target.value)} />,
        )}
      </details>
      <label className="check">
        <input type="checkbox" checked={form.replace} onChange={(e) => set('replace', e.target.checked)} /> Replace a deployment with
        the same name
      </label>
      <div className="actions">
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Deploying…' : 'Deploy'}
        </button>
        <button type="button" onClick={onPreview}>
          Preview create options
        </button>
        <button type="button" onClick={onCompose}>
          Export compose
        </button>
        <button type="button" onClick={onKube}>
          Kubernetes YAML
        </button>
      </div>
      {error && !(error.info.code === 'invalid_input' && issues.length) && <ErrorBox error={error} title="Cannot deploy" />}
      {error && error.info.code === 'invalid_input' && issues.length > 0 && (
        <p className="field-error" role="alert">
          {error.info.message}
        </p>
      )}
    </form>
  );
}
