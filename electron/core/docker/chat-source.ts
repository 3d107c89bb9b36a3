import { DEMO_MODEL_ID, DEMO_MODEL_LABEL } from '../../shared/contract/engine';
import type { ChatBackend } from '../../shared/contract/chat';
import { backendDefinition } from '../backends';
import type { BackendSource } from '../chat/backend-registry';
import type { Deployment } from '../../shared/contract/docker';
import type { DockerService } from './docker-service';

/** A deployment as a chat backend, while its server can answer. */
function asBackend(d: Deployment): ChatBackend | null {
  if (!d.endpoint || !(d.state === 'running' || d.state === 'starting' || d.state === 'partial')) return null;
  const ep = d.endpoint;
  const def = backendDefinition(d.backend);
  return {
    id: `docker:${d.name}`,
    kind: ep.api,
    baseUrl: ep.api === 'openai' ? `${ep.url}/v1` : ep.url,
    model: ep.model,
    // The demo model is a toy: say so wherever the deployment is offered.
    label: `${d.name} · ${def.info.label}${ep.model === DEMO_MODEL_ID ? ` · ${DEMO_MODEL_LABEL}` : ''}`,
    source: 'docker',
    ...(def.chat.streamToolCalls ? {} : { streamToolCalls: false }),
    removable: false,
  };
}

/** Running deployments as chat backends (`docker:<name>`), newest first; none while Docker is away. */
export function dockerChatSource(svc: DockerService): BackendSource {
  const reachable = async () => (await svc.connection.status()).state === 'reachable';
  return {
    name: 'docker',
    list: async (): Promise<ChatBackend[]> => {
      if (!(await reachable())) return [];
      // Newest first: the deployment just made is the one a new chat should pick.
      const list = [...(await svc.list())].sort((a, b) => b.createdAt - a.createdAt);
      return list.map(asBackend).filter((b): b is ChatBackend => b !== null);
    },
    // One deployment's containers, not every deployment's.
    find: async (id) => {
      if (!id.startsWith('docker:') || !(await reachable())) return null;
      const d = await svc.get(id.slice('docker:'.length)).catch(() => null);
      return d && asBackend(d);
    },
    apiKey: async (id) => {
      if (!id.startsWith('docker:')) return undefined;
      return (await svc.apiKey(await svc.get(id.slice('docker:'.length)))) ?? undefined;
    },
  };
}
