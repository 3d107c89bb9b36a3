import type { ChatBackend, ChatProtocol } from '../../shared/contract/chat';
import type { Deployment } from '../../shared/contract/docker';
import type { HardwareProfile } from '../../shared/contract/hardware';
import type { EventBus } from '../events/event-bus';
import type { Logger } from '../log/logger';
import { OllamaClient } from '../chat/protocols/ollama-client';
import { OpenAiClient } from '../chat/protocols/openai-client';
import type { ChatClient } from '../chat/protocols/types';
import type { TaskRegistry } from '../tasks/task-registry';
import { BenchService } from './bench-service';
import { BenchStore } from './bench-store';
import { loadFacts } from './facts';
import { benchHandlers } from './handlers';
import { metricsMemoryProbe, type MemoryProbe, type MetricsLike } from './memory-probe';

/** Builds the benchmark domain over the chat backends, the playground's protocol clients and the monitor. */
export function createBench(o: {
  home: string;
  bus: EventBus;
  tasks: TaskRegistry;
  log: Logger;
  appVersion: string;
  resolveBackend: (id: string) => Promise<ChatBackend>;
  apiKey?: (backend: ChatBackend) => Promise<string | undefined>;
  hardware: () => Promise<HardwareProfile>;
  deployments: () => Promise<Deployment[]>;
  metrics?: MetricsLike;
  memory?: MemoryProbe;
  clients?: Record<ChatProtocol, ChatClient>;
}) {
  const log = o.log.child('bench');
  const store = new BenchStore(o.home, log);
  const facts = loadFacts();
  const memory = o.memory ?? (o.metrics ? metricsMemoryProbe(o.metrics) : { begin: () => ({ mark: async () => undefined, peak: () => null, end: () => undefined }) });
  const service = new BenchService({
    store,
    tasks: o.tasks,
    bus: o.bus,
    log,
    deps: {
      resolveBackend: o.resolveBackend,
      apiKey: o.apiKey,
      clients: o.clients ?? { openai: new OpenAiClient(), ollama: new OllamaClient() },
      deployments: o.deployments,
      hardware: o.hardware,
      memory,
      appVersion: o.appVersion,
      log,
    },
  });
  return { service, store, handlers: benchHandlers(service, store, facts) };
}
