import { useCall, useInvalidateOn } from '../../api/hooks';
import { ErrorBox } from '../../components/ErrorBox';
import { targetParams, useOllamaTarget } from '../../stores/ollama-target';
import { InstalledModels } from './InstalledModels';
import { LoadedModels } from './LoadedModels';
import { OllamaStatusCard } from './OllamaStatusCard';
import { PullBox } from './PullBox';
import { VariantsSection } from './VariantsSection';

/** Ollama models (installed, loaded, pulls) and Modelfile variants. */
export function ModelsPage() {
  const url = useOllamaTarget((s) => s.url);
  const setUrl = useOllamaTarget((s) => s.set);
  const servers = useCall('ollama.servers', {});
  useInvalidateOn('chat.backendsChanged', ['ollama.servers']);
  const status = useCall('ollama.status', targetParams(url));
  useInvalidateOn('ollama.changed', ['ollama.list', 'ollama.ps', 'ollama.suggestions', 'ollama.show']);
  useInvalidateOn('variants.changed', ['variants.list', 'variants.get']);
  useInvalidateOn('settings.changed', ['ollama.status', 'ollama.list', 'ollama.ps', 'ollama.suggestions']);
  const up = status.data?.reachable === true;
  return (
    <section className="page models" aria-labelledby="models-title">
      <h1 id="models-title">Models</h1>
      {(servers.data?.length ?? 0) > 1 && (
        <label className="inline-field">
          <span>Ollama</span>
          <select aria-label="Ollama server" value={url ?? ''} onChange={(e) => setUrl(e.target.value || undefined)}>
            {servers.data?.map((s) => (
              <option key={s.url} value={s.source === 'settings' ? '' : s.url}>
                {s.label}
              </option>
            ))}
          </select>
        </label>
      )}
      {status.error && <ErrorBox error={status.error} />}
      {status.data && <OllamaStatusCard status={status.data} onRetry={() => void status.refetch()} />}
      {up && (
        <>
          <section className="card" aria-labelledby="installed-title">
            <h2 id="installed-title">Installed</h2>
            <InstalledModels />
          </section>
          <section className="card" aria-labelledby="loaded-title">
            <h2 id="loaded-title">Loaded in memory</h2>
            <LoadedModels />
          </section>
          <section className="card" aria-labelledby="pull-title">
            <h2 id="pull-title">Pull</h2>
            <PullBox />
          </section>
        </>
      )}
      <section aria-labelledby="variants-title">
        <h2 id="variants-title">Modelfile variants</h2>
        <p className="muted">
          A variant is a Modelfile kept with its versions under the SLM Deck folder, so it can be compared, exported and created again on
          another machine.
        </p>
        <VariantsSection />
      </section>
    </section>
  );
}
