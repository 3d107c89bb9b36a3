import { useState } from 'react';
import { PARAMS, COMMON_PARAMS, type Diagnostic, type VariantForm } from '../../../../electron/shared/modelfile';
import { fieldDiagnostics, type ModelfileState } from './use-modelfile';

const LABELS: Record<string, string> = {
  temperature: 'Temperature',
  top_p: 'Top P',
  top_k: 'Top K',
  min_p: 'Min P',
  num_ctx: 'Context window (num_ctx)',
  num_predict: 'Max tokens (num_predict)',
  repeat_penalty: 'Repeat penalty',
  repeat_last_n: 'Repeat window (repeat_last_n)',
  seed: 'Seed',
};

function FieldProblems({ diags }: { diags: Diagnostic[] }) {
  if (!diags.length) return null;
  return (
    <>
      {diags.map((d, i) => (
        <small key={i} className={d.severity === 'error' ? 'field-error' : 'field-warning'}>
          Line {d.line}: {d.message}
          {d.hint ? ` ${d.hint}` : ''}
        </small>
      ))}
    </>
  );
}

/** The common settings of a variant as a form; every edit rewrites the Modelfile text. */
export function VariantFormFields({ mf, onText, installed }: { mf: ModelfileState; onText: (t: string) => void; installed: string[] }) {
  const [writeError, setWriteError] = useState<string | null>(null);
  const [newStop, setNewStop] = useState('');
  const form = mf.form;
  const update = (next: VariantForm) => {
    const r = mf.withForm(next);
    if ('error' in r) setWriteError(r.error);
    else {
      setWriteError(null);
      onText(r.text);
    }
  };
  if (mf.formLocked) {
    return (
      <div className="warning-box" role="status">
        The Modelfile has syntax mistakes, so the form cannot tell which lines are its own. Fix them in the Modelfile tab (each is listed
        with its line and column), then come back.
      </div>
    );
  }
  const fromDiags = fieldDiagnostics(mf.diagnostics, { field: 'from' });
  return (
    <fieldset className="variant-form">
      <legend className="sr-only">Variant settings</legend>
      <label className="field">
        <span>Base model (FROM)</span>
        <input list="installed-models" value={form.from} aria-invalid={fromDiags.some((d) => d.severity === 'error')} onChange={(e) => update({ ...form, from: e.target.value })} />
        <datalist id="installed-models">
          {installed.map((n) => (
            <option key={n} value={n} />
          ))}
        </datalist>
        <FieldProblems diags={fromDiags} />
      </label>
      <label className="field">
        <span>System prompt</span>
        <textarea rows={5} value={form.system} onChange={(e) => update({ ...form, system: e.target.value })} />
        {writeError && <small className="field-error">{writeError}</small>}
      </label>
      <div className="param-grid">
        {COMMON_PARAMS.map((k) => {
          const diags = fieldDiagnostics(mf.diagnostics, { param: k });
          const spec = PARAMS[k];
          return (
            <label key={k} className="field">
              <span>{LABELS[k] ?? k}</span>
              <input
                name={k}
                inputMode="decimal"
                value={form.params[k] ?? ''}
                placeholder={spec.ollamaDefault !== undefined ? `base model's (default ${spec.ollamaDefault})` : "base model's"}
                aria-invalid={diags.some((d) => d.severity === 'error')}
                onChange={(e) => update({ ...form, params: { ...form.params, [k]: e.target.value } })}
              />
              {diags.length ? <FieldProblems diags={diags} /> : <small className="muted">{spec.summary}</small>}
            </label>
          );
        })}
      </div>
      <div className="field">
        <span>Stop sequences</span>
        <ul className="stop-list">
          {form.stop.map((s, i) => (
            <li key={i}>
              <input
                aria-label={`Stop sequence ${i + 1}`}
                value={s}
                onChange={(e) => update({ ...form, stop: form.stop.map((x, j) => (j === i ? e.target.value : x)) })}
              />
              <button type="button" className="small" onClick={() => update({ ...form, stop: form.stop.filter((_, j) => j !== i) })}>
                Remove
              </button>
            </li>
          ))}
          <li>
            <input aria-label="New stop sequence" placeholder="e.g. <|end|>" value={newStop} onChange={(e) => setNewStop(e.target.value)} />
            <button
              type="button"
              className="small"
              disabled={!newStop}
              onClick={() => {
                update({ ...form, stop: [...form.stop, newStop] });
                setNewStop('');
              }}
            >
              Add
            </button>
          </li>
        </ul>
        <small className="muted">Without any, the base model's stop sequences apply.</small>
      </div>
    </fieldset>
  );
}
