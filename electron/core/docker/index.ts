import { existsSync } from 'node:fs';
import path from 'node:path';
import type { EventBus } from '../events/event-bus';
import type { Logger } from '../log/logger';
import type { SettingsService } from '../settings/settings-service';
import type { BackendRegistry } from '../chat/backend-registry';
import { bundledCatalog } from '../hardware/catalog';
import type { TaskRegistry } from '../tasks/task-registry';
import { catalogModelResolver } from './catalog-resolver';
import { dockerChatSource } from './chat-source';
import { DockerConnection } from './connection';
import { DaemonEvents } from './daemon-events';
import { DockerService, type VerdictFn } from './docker-service';
import type { EngineAssets } from './engine-assets';
import { syncTokenFolder } from './secret-mounts';
import { dockerHandlers } from './handlers';
import type { ModelResolver } from './model-ref';

export { DockerConnection, type DockerStatus } from './connection';
export { DockerService } from './docker-service';
export { containerStats } from './stats';
export { mirrorImage } from './mirror';
export { verdictFromPlan } from './plan-verdict';

export interface DockerDomain {
  connection: DockerConnection;
  service: DockerService;
  handlers: ReturnType<typeof dockerHandlers>;
  close(): void;
}

/**
 * Wires the Docker domain into the core: one connection (status + background re-check),
 * the deployment service, the daemon event relay, and the RPC handlers. Nothing talks to
 * Docker until a method is called or someone subscribes to docker.* events.
 */
export function createDockerDomain(o: {
  home: string;
  bus: EventBus;
  tasks: TaskRegistry;
  settings: SettingsService;
  log: Logger;
  appVersion: string;
  /** Tag of the locally built slm-deck/onnx-engine image; default the app version. */
  engineVersion?: string;
  resolveModel?: ModelResolver;
  verdict?: VerdictFn;
  /** Running deployments are offered to the chat playground through this registry. */
  chatBackends?: BackendRegistry;
  /** The engine host's model store and image build (onnx-engine one-click deploy). */
  engineAssets?: () => EngineAssets | null;
}): DockerDomain {
  const log = o.log.child('docker');
  const hfTokenDir = path.join(o.home, 'container-secrets', 'hf');
  const connection = new DockerConnection({ endpointSetting: () => o.settings.get().dockerEndpoint, log, bus: o.bus });
  const service = new DockerService({
    conn: connection,
    bus: o.bus,
    log,
    mirror: () => o.settings.get().registryMirror,
    hfToken: () => o.settings.hfToken(),
    hfTokenDir,
    engineKeysDir: path.join(o.home, 'container-secrets', 'engine'),
    appVersion: o.appVersion,
    engineVersion: o.engineVersion ?? o.appVersion,
    modelsDir: path.join(o.home, 'models'),
    resolveModel: o.resolveModel ?? catalogModelResolver(bundledCatalog),
    verdict: o.verdict,
    onChanged: () => o.chatBackends?.changed(),
    engineAssets: o.engineAssets,
  });
  const offChat = o.chatBackends?.register(dockerChatSource(service));
  const events = new DaemonEvents(connection, o.bus, log.child('events'));
  // A changed endpoint setting applies at once, and listeners hear the new status.
  let endpoint = o.settings.get().dockerEndpoint;
  const offSettings = o.bus.on('settings.changed', (s) => {
    // Deployments mount the token folder: a cleared or new token reaches them too, not only later ones.
    if (existsSync(path.join(hfTokenDir, 'token'))) {
      void o.settings.hfToken().then((t) => syncTokenFolder(hfTokenDir, t)).catch((e: unknown) => log.warn('updating the mounted token failed', { error: String(e) }));
    }
    if (s.settings.dockerEndpoint === endpoint) return;
    endpoint = s.settings.dockerEndpoint;
    void connection.status({ refresh: true });
  });
  connection.startBackground();
  events.start();
  return {
    connection,
    service,
    handlers: dockerHandlers(service, o.tasks),
    close: () => {
      offSettings();
      offChat?.();
      events.close();
      service.close();
      connection.close();
    },
  };
}
