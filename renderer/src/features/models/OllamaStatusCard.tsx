import type { MethodResult } from '../../../../electron/shared/contract';
import { useBackends } from '../../api/backends';
import { useCall } from '../../api/hooks';
import { ErrorBox } from '../../components/ErrorBox';
import { useDeployDraft } from '../../stores/deploy-draft';
import { useNavigation } from '../../stores/navigation';

type Status = MethodResult<'ollama.status'>;

/**
 * Where Ollama is and whether it answers. When nothing answers and Docker is there, one click
 * prepares the Ollama container on the Deploy page (its defaults publish on 11434, the
 * default Ollama URL).
 */
export function OllamaStatusCard({ status, onRetry }: { status: Status; onRetry: () => void }) {
  const docker = useCall('docker.status', {}, { enabled: !status.reachable });
  const settings = useCall('settings.get', {});
  const backends = useBackends();
  const setDraft = useDeployDraft((s) => s.setDraft);
  const go = useNavigation((s) => s.go);
  if (status.reachable) {
    return (
      <div className="card status-line" role="status">
        <span className="pill ok">Ollama {status.version}</span> <span className="muted">answering at</span> <code>{status.url}</code>
      </div>
    );
  }
  const dockerUp = docker.data?.state === 'reachable';
  const deploy = () => {
    const config = backends.defaults('ollama', settings.data?.settings.bindHost ?? '127.0.0.1');
    if (config) setDraft(config, 'Models page: Ollama was not answering');
    go('deploy');
  };
  return (
    <div className="card">
      <ErrorBox error={status.error ? { ...status.error, code: 'server_unreachable' } : null} title="Ollama is not answering" />
      <div className="actions wrap">
        <button type="button" onClick={onRetry}>
          Check again
        </button>
        {dockerUp && (
          <button type="button" className="primary" onClick={deploy}>
            Deploy Ollama
          </button>
        )}
        <button type="button" onClick={() => go('settings')}>
          Change the Ollama URL
        </button>
        {docker.data && !dockerUp && <span className="muted">Docker is not available here ({docker.data.message}), so start Ollama yourself.</span>}
      </div>
    </div>
  );
}
