import type Docker from 'dockerode';
import type { ChatBackend } from '../../shared/contract/chat';
import { BUFFER_SECONDS } from '../../shared/contract/metrics';
import type { EventBus } from '../events/event-bus';
import type { Logger } from '../log/logger';
import { ChatStreamSource } from './chat-stream-source';
import { ContainerSource, dockerFeed } from './container-source';
import { EngineSource } from './engine-source';
import { chatBackendEngines, deploymentEngines, settingsOllama } from './engine-targets';
import { GpuSource } from './gpu-source';
import { HostSource } from './host-source';
import { metricsHandlers } from './handlers';
import { MetricsService } from './metrics-service';

export interface MetricsDomain {
  service: MetricsService;
  handlers: ReturnType<typeof metricsHandlers>;
  close(): void;
}

/** Wires the sampler to the real sources: /proc (or os), nvidia-smi / amdgpu, Docker stats, engine endpoints. */
export async function createMetrics(o: {
  home: string;
  bus: EventBus;
  log: Logger;
  /** The Docker domain's client (throws docker_unavailable while the daemon is down). */
  dockerClient: () => Promise<{ docker: Docker }>;
  ollamaUrl: () => string;
  /** The chat backend registry: the embedded engine, deployments and custom servers all show up there. */
  chatBackends?: () => Promise<ChatBackend[]>;
}): Promise<MetricsDomain> {
  const engines = new EngineSource(fetch, (fn) => {
    const offDocker = o.bus.on('docker.changed', fn);
    const offChat = o.bus.on('chat.backendsChanged', fn);
    return () => {
      offDocker();
      offChat();
    };
  });
  engines.addProvider(settingsOllama(o.ollamaUrl));
  if (o.chatBackends) engines.addProvider(chatBackendEngines(o.chatBackends));
  // Last, so a deployment's own name labels its server even when chat knows it too.
  engines.addProvider(deploymentEngines(o.dockerClient));
  const service = await MetricsService.create({
    bus: o.bus,
    log: o.log.child('metrics'),
    home: o.home,
    host: new HostSource(),
    gpu: new GpuSource(),
    containers: new ContainerSource(dockerFeed(o.dockerClient), { changes: (fn) => o.bus.on('docker.changed', fn) }),
    engines,
    chat: new ChatStreamSource(o.bus),
    lingerMs: BUFFER_SECONDS * 1000,
  });
  return {
    service,
    handlers: metricsHandlers(service),
    close: () => service.close(),
  };
}
