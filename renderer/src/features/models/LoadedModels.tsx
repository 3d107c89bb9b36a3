import { useAction, useCall } from '../../api/hooks';
import { ErrorBox } from '../../components/ErrorBox';
import { fmtSize } from '../../../../electron/shared/format';
import { useOllamaParams } from '../../stores/ollama-target';

function until(iso: string): string {
  const s = Math.round((Date.parse(iso) - Date.now()) / 1000);
  if (s > 365 * 86400) return 'stays loaded';
  if (s <= 0) return 'unloading';
  return s < 120 ? `unloads in ${s} s` : `unloads in ${Math.round(s / 60)} min`;
}

/** Models in memory (/api/ps): where they sit (VRAM or RAM), when they unload, and Unload. */
export function LoadedModels() {
  const target = useOllamaParams();
  const ps = useCall('ollama.ps', target, { refetchInterval: 5000 });
  const unload = useAction('ollama.unload', ['ollama.ps']);
  if (ps.error) return <ErrorBox error={ps.error} title="Could not list loaded models" />;
  if (!ps.data) return null;
  if (!ps.data.length) return <p className="muted">No model is loaded; Ollama loads one on the first request.</p>;
  return (
    <>
      <table aria-label="Loaded models">
        <thead>
          <tr>
            <th>Name</th>
            <th className="num">In memory</th>
            <th className="num">VRAM</th>
            <th className="num">RAM</th>
            <th className="num">Context</th>
            <th>Expiry</th>
            <th>
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {ps.data.map((m) => (
            <tr key={m.name}>
              <td>
                <code>{m.name}</code>
              </td>
              <td className="num">{fmtSize(m.sizeBytes)}</td>
              <td className="num">{fmtSize(m.vramBytes)}</td>
              <td className="num">{fmtSize(m.ramBytes)}</td>
              <td className="num">{m.contextLength?.toLocaleString() ?? '—'}</td>
              <td>{until(m.expiresAt)}</td>
              <td>
                <button type="button" className="small" disabled={unload.isPending} onClick={() => unload.mutate({ model: m.name, ...target })}>
                  Unload
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <ErrorBox error={unload.error} title="Could not unload" />
    </>
  );
}
