import { useCall } from '../../api/hooks';
import { ErrorBox } from '../../components/ErrorBox';
import { useOllamaParams } from '../../stores/ollama-target';

const showValue = (v: string | number | boolean | string[]) => (Array.isArray(v) ? v.map((s) => JSON.stringify(s)).join(', ') : String(v));

/** What `ollama show` says about one model. */
export function ModelDetailsPanel({ model }: { model: string }) {
  const target = useOllamaParams();
  const q = useCall('ollama.show', { model, ...target });
  if (q.error) return <ErrorBox error={q.error} title={`Could not read ${model}`} />;
  if (!q.data) return <p aria-busy>Reading {model}…</p>;
  const m = q.data;
  const params = Object.entries(m.parameters);
  return (
    <div className="model-details" aria-label={`Details of ${model}`}>
      <dl className="kv">
        <dt>Family</dt>
        <dd>
          {m.family || '—'} {m.architecture && m.architecture !== m.family ? `(${m.architecture})` : ''}
        </dd>
        <dt>Parameters</dt>
        <dd>{m.parameterSize || '—'}</dd>
        <dt>Quantisation</dt>
        <dd>{m.quantization || '—'}</dd>
        <dt>Context length</dt>
        <dd>{m.contextLength ? `${m.contextLength.toLocaleString()} tokens (model maximum)` : 'unknown'}</dd>
        <dt>Capabilities</dt>
        <dd>
          {m.capabilities.map((c) => (
            <span key={c} className="pill ok">
              {c}
            </span>
          ))}
        </dd>
      </dl>
      <h3>Parameters set in the model</h3>
      {params.length ? (
        <table className="compact">
          <tbody>
            {params.map(([k, v]) => (
              <tr key={k}>
                <th scope="row">{k}</th>
                <td>
                  <code>{showValue(v)}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p className="muted">None: Ollama's defaults apply.</p>
      )}
      {m.system && (
        <details open>
          <summary>System prompt</summary>
          <pre className="code">{m.system}</pre>
        </details>
      )}
      {m.template && (
        <details>
          <summary>Prompt template</summary>
          <pre className="code">{m.template}</pre>
        </details>
      )}
      {m.messages.length > 0 && (
        <details>
          <summary>{m.messages.length} example messages</summary>
          <ul>
            {m.messages.map((msg, i) => (
              <li key={i}>
                <strong>{msg.role}:</strong> {msg.content}
              </li>
            ))}
          </ul>
        </details>
      )}
      {m.license && (
        <details>
          <summary>License</summary>
          <pre className="code">{m.license}</pre>
        </details>
      )}
    </div>
  );
}
