import type { DomainHandlers } from '../rpc/handlers';
import type { BackendRegistry } from './backend-registry';
import type { ChatService } from './chat-service';
import type { CustomBackends } from './custom-backends';
import { exportFilename, toJson, toMarkdown } from './export';
import { loadPresets } from './presets';
import { allTools } from './tools/demo-tools';

export function chatHandlers(chat: ChatService, backends: BackendRegistry, custom: CustomBackends): DomainHandlers<'chat'> {
  const presets = loadPresets();
  return {
    'chat.backends': () => backends.list(),
    'chat.backendHealth': () => chat.health(),
    'chat.pickBackend': ({ last, exclude }) => chat.pickBackend(last, exclude),
    'chat.addBackend': (p) => custom.add(p),
    'chat.removeBackend': async ({ id }) => ({ removed: await custom.remove(id) }),
    'chat.models': ({ backendId }, ctx) => chat.models(backendId, ctx.signal),
    'chat.presets': () => presets,
    'chat.tools': () => allTools(),
    'chat.list': ({ query }) => chat.list(query),
    'chat.get': ({ id }) => chat.get(id),
    'chat.create': (p) => chat.create(p),
    'chat.update': (p) => chat.update(p),
    'chat.delete': async ({ id }) => ({ deleted: await chat.delete(id) }),
    'chat.export': async ({ id, format }) => {
      const c = await chat.get(id);
      return format === 'json'
        ? { filename: exportFilename(c, 'json'), mime: 'application/json', content: toJson(c) }
        : { filename: exportFilename(c, 'md'), mime: 'text/markdown', content: toMarkdown(c) };
    },
    'chat.send': ({ conversationId, content }) => chat.send(conversationId, content),
    'chat.stop': async ({ conversationId }) => ({ stopped: await chat.stop(conversationId) }),
    'chat.compare': (p) => chat.compare(p),
  };
}
