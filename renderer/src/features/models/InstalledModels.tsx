import { Fragment, useState } from 'react';
import { useAction, useCall } from '../../api/hooks';
import { ErrorBox } from '../../components/ErrorBox';
import { fmtSize } from '../../../../electron/shared/format';
import { ModelDetailsPanel } from './ModelDetailsPanel';
import { tryInPlayground } from './try-in-playground';
import { useOllamaParams } from '../../stores/ollama-target';

/** The installed models table: show, copy, delete (confirmed), try in the Playground. */
export function InstalledModels() {
  const target = useOllamaParams();
  const list = useCall('ollama.list', target);
  const del = useAction('ollama.delete', ['ollama.list', 'ollama.ps', 'ollama.suggestions']);
  const copy = useAction('ollama.copy', ['ollama.list']);
  const [open, setOpen] = useState<string | null>(null);
  const [confirm, setConfirm] = useState<string | null>(null);
  const [copying, setCopying] = useState<{ source: string; destination: string } | null>(null);

  if (list.error) return <ErrorBox error={list.error} title="Could not list the models" />;
  if (!list.data) return <p aria-busy>Listing models…</p>;
  if (!list.data.length) return <p className="muted">No models installed yet: pull one below.</p>;
  return (
    <>
      <table className="models-table" aria-label="Installed models">
        <thead>
          <tr>
            <th>Name</th>
            <th className="num">Size</th>
            <th>Family</th>
            <th>Parameters</th>
            <th>Quantisation</th>
            <th>Modified</th>
            <th>
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {list.data.map((m) => (
            <Fragment key={m.name}>
              <tr data-model={m.name}>
                <td>
                  <code>{m.name}</code> {m.variant && <span className="pill ok">variant</span>}
                </td>
                <td className="num">{fmtSize(m.sizeBytes)}</td>
                <td>{m.family}</td>
                <td>{m.parameterSize}</td>
                <td>{m.quantization}</td>
                <td>
                  <time dateTime={m.modifiedAt}>{new Date(m.modifiedAt).toLocaleString()}</time>
                </td>
                <td className="row-actions">
                  <button type="button" className="small" aria-expanded={open === m.name} onClick={() => setOpen(open === m.name ? null : m.name)}>
                    {open === m.name ? 'Hide' : 'Show'}
                  </button>
                  <button type="button" className="small" onClick={() => tryInPlayground(m.name)}>
                    Try in Playground
                  </button>
                  <button type="button" className="small" onClick={() => setCopying({ source: m.name, destination: `${m.name.split(':')[0]}-copy` })}>
                    Copy
                  </button>
                  <button type="button" className="small danger" onClick={() => setConfirm(m.name)}>
                    Delete
                  </button>
                </td>
              </tr>
              {confirm === m.name && (
                <tr>
                  <td colSpan={7}>
                    <div className="confirm" role="alertdialog" aria-label={`Delete ${m.name}?`}>
                      <span>
                        Delete <code>{m.name}</code> ({fmtSize(m.sizeBytes)})? Layers other models share are kept.
                      </span>
                      <button type="button" className="danger" disabled={del.isPending} onClick={() => del.mutate({ model: m.name, ...target }, { onSuccess: () => setConfirm(null) })}>
                        Delete {m.name}
                      </button>
                      <button type="button" onClick={() => setConfirm(null)}>
                        Keep it
                      </button>
                    </div>
                  </td>
                </tr>
              )}
              {copying?.source === m.name && (
                <tr>
                  <td colSpan={7}>
                    <form
                      className="inline-form"
                      onSubmit={(e) => {
                        e.preventDefault();
                        copy.mutate({ ...copying, ...target }, { onSuccess: () => setCopying(null) });
                      }}
                    >
                      <label className="field">
                        <span>Copy {m.name} as</span>
                        <input value={copying.destination} onChange={(e) => setCopying({ ...copying, destination: e.target.value })} />
                      </label>
                      <button type="submit" className="primary" disabled={copy.isPending}>
                        Copy
                      </button>
                      <button type="button" onClick={() => setCopying(null)}>
                        Cancel
                      </button>
                    </form>
                    <ErrorBox error={copy.error} title="Could not copy" />
                  </td>
                </tr>
              )}
              {open === m.name && (
                <tr className="details-row">
                  <td colSpan={7}>
                    <ModelDetailsPanel model={m.name} />
                  </td>
                </tr>
              )}
            </Fragment>
          ))}
        </tbody>
      </table>
      <ErrorBox error={del.error} title="Could not delete" />
    </>
  );
}
