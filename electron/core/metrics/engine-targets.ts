import type Docker from 'dockerode';
import type { ChatBackend } from '../../shared/contract/chat';
import { EndpointSchema } from '../../shared/contract/docker';
import { BackendSchema } from '../../shared/contract/deploy-config';
import type { EngineTarget } from '../../shared/contract/metrics';
import { backendDefinition } from '../backends';
import { LABEL, MANAGED_FILTER } from '../docker/labels';
import type { EngineTargetProvider } from './engine-source';
import { parseJsonOrUndefined } from '../../shared/json';

/** Running deployments' servers, read from their labels with one list call (no inspect per container). */
export function deploymentEngines(client: () => Promise<{ docker: Docker }>): EngineTargetProvider {
  return async () => {
    const { docker } = await client();
    const list = await docker.listContainers({
      filters: { label: [MANAGED_FILTER, `${LABEL.role}=server`], status: ['running'] },
      abortSignal: AbortSignal.timeout(3000),
    });
    const out: EngineTarget[] = [];
    for (const c of list) {
      const endpoint = EndpointSchema.safeParse(parseJsonOrUndefined(c.Labels?.[LABEL.endpoint]));
      const backend = BackendSchema.safeParse(c.Labels?.[LABEL.backend]);
      if (!endpoint.success || !backend.success) continue;
      const deployment = c.Labels?.[LABEL.deployment];
      out.push({ kind: backendDefinition(backend.data).metricsKind, url: endpoint.data.url, ...(deployment ? { label: deployment } : {}) });
    }
    return out;
  };
}

/** The Ollama URL setting: a native install or a remote server counts too. */
export function settingsOllama(url: () => string): EngineTargetProvider {
  return () => [{ kind: 'ollama', url: url(), label: 'Ollama' }];
}

/**
 * Every chat backend (embedded engine, deployments, custom OpenAI URLs): OpenAI-style servers
 * are scraped at their root's /metrics (vLLM and our engine have one; others simply never
 * answer and get no series), Ollama through /api/ps.
 */
export function chatBackendEngines(list: () => Promise<ChatBackend[]>): EngineTargetProvider {
  return async () =>
    (await list()).map((b) => ({
      kind: b.kind === 'ollama' ? 'ollama' : b.id === 'embedded' || b.source === 'embedded' ? 'onnx' : 'vllm',
      url: b.baseUrl.replace(/\/v1\/?$/, ''),
      label: b.label,
    }));
}
