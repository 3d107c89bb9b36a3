import { useState } from 'react';
import type { BenchPrompt } from '../../../../electron/shared/contract/bench';
import { call, type DeckClientError } from '../../api/client';
import { ErrorBox } from '../../components/ErrorBox';

/**
 * The prompt suite: the seed's prompts by default, each editable; add, remove, import a JSONL
 * file (read by the core's parser, so the CLI and the page accept the same files).
 */
export function SuiteEditor({ suite, source, onChange, onReset }: { suite: BenchPrompt[]; source: string; onChange: (s: BenchPrompt[], source?: string) => void; onReset: () => void }) {
  const [error, setError] = useState<DeckClientError | null>(null);
  const importFile = async (file: File | undefined) => {
    if (!file) return;
    setError(null);
    try {
      onChange(await call('bench.parseSuite', { text: await file.text() }), file.name);
    } catch (e) {
      setError(e as DeckClientError);
    }
  };
  const edit = (i: number, prompt: string) => onChange(suite.map((p, j) => (j === i ? { ...p, prompt } : p)));
  const add = () => {
    let n = suite.length + 1;
    while (suite.some((p) => p.id === `p${n}`)) n++;
    onChange([...suite, { id: `p${n}`, prompt: '' }]);
  };
  return (
    <details className="suite">
      <summary>
        Prompt suite: {suite.length} prompt{suite.length === 1 ? '' : 's'} ({source})
      </summary>
      <div className="actions suite-actions">
        <label className="button-like">
          Import JSONL…
          <input type="file" accept=".jsonl,.json,.txt,application/json" className="sr-only" aria-label="Import prompt suite (JSONL)" onChange={(e) => void importFile(e.target.files?.[0])} />
        </label>
        <button type="button" onClick={add}>
          Add prompt
        </button>
        <button type="button" onClick={onReset}>
          Reset to the deployment guide's prompts
        </button>
        <span className="muted small">JSONL: one {'{"prompt": "…", "id": "…"}'} per line.</span>
      </div>
      <ErrorBox error={error} title="Could not import the suite" />
      <ol className="suite-list">
        {suite.map((p, i) => (
          <li key={p.id}>
            <div className="suite-head">
              <strong>{p.label ?? p.id}</strong>
              <button type="button" className="small" aria-label={`Remove prompt ${i + 1}`} onClick={() => onChange(suite.filter((_, j) => j !== i))} disabled={suite.length <= 1}>
                Remove
              </button>
            </div>
            <textarea aria-label={`Prompt ${i + 1}`} rows={2} value={p.prompt} aria-invalid={!p.prompt.trim()} onChange={(e) => edit(i, e.target.value)} />
          </li>
        ))}
      </ol>
    </details>
  );
}
