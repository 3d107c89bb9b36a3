import { useState, type ChangeEvent } from 'react';
import { useAction, useCall } from '../../api/hooks';
import { ErrorBox } from '../../components/ErrorBox';
import { VariantEditor } from './VariantEditor';

/** Saved variants on the left (with import), the editor on the right. */
export function VariantsSection() {
  const list = useCall('variants.list', {});
  const imp = useAction('variants.import', ['variants.list']);
  const [selected, setSelected] = useState<string | null>(null);
  const [importName, setImportName] = useState('');

  const onFile = async (e: ChangeEvent<HTMLInputElement>) => {
    const file = e.target.files?.[0];
    e.target.value = '';
    if (!file) return;
    const bundle = await file.text();
    imp.mutate({ bundle, ...(importName ? { name: importName } : {}) }, { onSuccess: (v) => setSelected(v.name) });
  };

  return (
    <div className="variants-layout">
      <aside className="variant-list" aria-label="Saved variants">
        <button type="button" className={selected === null ? 'primary' : ''} onClick={() => setSelected(null)}>
          New variant
        </button>
        {list.error && <ErrorBox error={list.error} />}
        <ul>
          {list.data?.map((v) => (
            <li key={v.name}>
              <button type="button" className="variant-item" aria-current={selected === v.name} onClick={() => setSelected(v.name)}>
                <strong>{v.name}</strong>
                <span className="muted small">
                  v{v.latestVersion} · from {v.from ?? '?'}
                  {v.created ? '' : ' · not in Ollama'}
                </span>
              </button>
            </li>
          ))}
          {list.data?.length === 0 && <li className="muted small">No saved variants yet.</li>}
        </ul>
        <details className="import">
          <summary>Import</summary>
          <label className="field">
            <span>Name (needed for a plain Modelfile)</span>
            <input value={importName} onChange={(e) => setImportName(e.target.value)} placeholder="optional for bundles" />
          </label>
          <label className="field">
            <span>Bundle (.json) or Modelfile</span>
            <input type="file" accept=".json,.Modelfile,text/plain,application/json" onChange={(e) => void onFile(e)} />
          </label>
          <ErrorBox error={imp.error} title="Could not import" />
        </details>
      </aside>
      <VariantEditor selected={selected} onSelect={setSelected} />
    </div>
  );
}
