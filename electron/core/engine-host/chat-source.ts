import type { ChatBackend } from '../../shared/contract/chat';
import type { BackendSource } from '../chat/backend-registry';
import type { EngineSupervisor } from './supervisor';

export const EMBEDDED_BACKEND_ID = 'embedded';

/** The embedded engine as a chat backend (`embedded`) while it runs or restarts after a crash. */
export function embeddedChatSource(supervisor: EngineSupervisor): BackendSource {
  return {
    name: 'embedded',
    list: (): ChatBackend[] => {
      const s = supervisor.status();
      if (!s.url || !s.model) return [];
      return [
        {
          id: EMBEDDED_BACKEND_ID,
          kind: 'openai',
          baseUrl: `${s.url}/v1`,
          model: s.model.id,
          label: `Embedded · ${s.model.label}`,
          source: 'embedded',
          removable: false,
        },
      ];
    },
  };
}
