import { BACKEND_LABELS } from '../../shared/contract/deploy-config';
import type { ChatBackend } from '../../shared/contract/chat';
import type { BackendSource } from '../chat/backend-registry';
import type { DockerService } from './docker-service';

/** Running deployments as chat backends (`docker:<name>`); none while Docker is away. */
export function dockerChatSource(svc: DockerService): BackendSource {
  return {
    name: 'docker',
    list: async (): Promise<ChatBackend[]> => {
      const s = await svc.connection.status();
      if (s.state !== 'reachable') return [];
      const list = await svc.list();
      return list
        .filter((d) => d.endpoint && (d.state === 'running' || d.state === 'starting' || d.state === 'partial'))
        .map((d) => {
          const ep = d.endpoint!;
          return {
            id: `docker:${d.name}`,
            kind: ep.api,
            baseUrl: ep.api === 'openai' ? `${ep.url}/v1` : ep.url,
            model: ep.model,
            label: `${d.name} · ${BACKEND_LABELS[d.backend]}`,
            source: 'docker',
            // vLLM's phi4_mini_json parser extracts nothing while streaming.
            ...(d.backend === 'vllm-gpu' || d.backend === 'vllm-cpu' ? { streamToolCalls: false } : {}),
            removable: false,
          };
        });
    },
  };
}
