import type { ChatBackend } from '../../shared/contract/chat';
import type { Catalog, HardwareProfile } from '../../shared/contract/hardware';
import type { EventBus } from '../events/event-bus';
import type { Logger } from '../log/logger';
import type { SettingsService } from '../settings/settings-service';
import type { TaskRegistry } from '../tasks/task-registry';
import { bundledCatalog } from '../hardware/catalog';
import { ollamaHandlers } from './handlers';
import { OllamaService } from './ollama-service';
import { ollamaServers } from './servers';
import { VariantService } from './variant-service';
import { VariantStore } from './variant-store';

export { OllamaClient } from './client';
export { OllamaService } from './ollama-service';
export { VariantService } from './variant-service';

export interface OllamaDomainOptions {
  home: string;
  settings: SettingsService;
  tasks: TaskRegistry;
  bus: EventBus;
  log: Logger;
  hardwareProfile?: () => Promise<HardwareProfile>;
  catalog?: Catalog;
  fetch?: typeof fetch;
  templatesDir?: string | null;
  /** The chat backends (settings URL, deployments, added URLs): where the Ollama servers are found. */
  chatBackends?: () => Promise<ChatBackend[]>;
}

/** Builds the Ollama models and Modelfile variants domain for the composition root. */
export function createOllama(opts: OllamaDomainOptions) {
  const log = opts.log.child('ollama');
  const store = new VariantStore(opts.home, log);
  const service = new OllamaService({
    settings: opts.settings,
    tasks: opts.tasks,
    bus: opts.bus,
    log,
    catalog: opts.catalog ?? bundledCatalog(),
    hardwareProfile: opts.hardwareProfile,
    fetch: opts.fetch,
    variantNames: async () => new Set((await store.list()).map((v) => v.name)),
  });
  const variants = new VariantService({ store, ollama: service, tasks: opts.tasks, bus: opts.bus, log, templatesDir: opts.templatesDir });
  const servers = async () => ollamaServers((await opts.chatBackends?.()) ?? [], opts.settings.get().ollamaUrl);
  return { service, variants, store, handlers: ollamaHandlers(service, variants, servers) };
}
