import type { EventBus } from '../events/event-bus';
import type { Logger } from '../log/logger';
import type { SettingsService } from '../settings/settings-service';
import { BackendRegistry } from './backend-registry';
import { ChatService } from './chat-service';
import { ConversationStore } from './conversation-store';
import { CustomBackends } from './custom-backends';
import { chatHandlers } from './handlers';
import { SettingsOllamaSource } from './settings-ollama-source';

/** Builds the chat domain with its own two backend sources; other owners register theirs on `backends`. */
export function createChat(o: { home: string; bus: EventBus; log: Logger; settings: SettingsService }) {
  const log = o.log.child('chat');
  const backends = new BackendRegistry(o.bus, log);
  const custom = new CustomBackends(o.home, log, () => backends.changed());
  backends.register(custom);
  backends.register(new SettingsOllamaSource(o.settings, o.bus, () => backends.changed()));
  const store = new ConversationStore(o.home, log);
  const service = new ChatService({ bus: o.bus, log, store, backends });
  return { service, backends, custom, store, handlers: chatHandlers(service, backends, custom) };
}
