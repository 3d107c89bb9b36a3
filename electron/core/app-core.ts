import path from 'node:path';
import { ensurePrivateFolder } from './fs/private-folder';
import { methods } from '../shared/contract';
import { backendInfos } from './backends';
import type { BackendRegistry } from './chat/backend-registry';
import type { ChatService } from './chat/chat-service';
import { createChat } from './chat/create-chat';
import { createBench } from './bench/create-bench';
import { createDockerDomain, verdictFromPlan, type DockerDomain } from './docker';
import { EventBus } from './events/event-bus';
import { createHardware } from './hardware/create-hardware';
import { createMetrics, type MetricsDomain } from './metrics/create-metrics';
import { createOllama } from './ollama';
import { createEngineHost, type EngineHost, type EngineLauncher } from './engine-host';
import { consoleSink, createLogger, FileSink, type Level, type Logger } from './log/logger';
import { Dispatcher } from './rpc/dispatcher';
import type { DomainHandlers, Handlers } from './rpc/handlers';
import { settingsHandlers } from './settings/handlers';
import { FileSecretStore, type SecretStore } from './settings/secret-store';
import { SettingsService } from './settings/settings-service';
import { tasksHandlers } from './tasks/handlers';
import { TaskRegistry } from './tasks/task-registry';
import { APP_VERSION } from './version';

export interface CoreOptions {
  home: string;
  /** Desktop app: Electron safeStorage. Serve/CLI: a 0600 file under the home folder. */
  secrets?: SecretStore;
  logToConsole?: boolean;
  logLevel?: Level;
  /** How the embedded engine process is started; default a Node child process (the desktop app uses utilityProcess). */
  engineLauncher?: EngineLauncher;
  /** The folder holding dist/ and node_modules/ (engine image builds); default found from the running script. The packaged app passes its own. */
  appRoot?: string;
}

/** The composition root: builds every service once and the dispatcher over them. */
export interface Core {
  home: string;
  bus: EventBus;
  tasks: TaskRegistry;
  settings: SettingsService;
  chat: ChatService;
  /** Where chat backends come from: register a BackendSource here (deployments, embedded engine). */
  chatBackends: BackendRegistry;
  /** Docker: `docker.connection.status()` for the engine's state, `docker.service` for deployments. */
  docker: DockerDomain;
  /** Live samples: host, GPUs, containers, engines (found through chat backends, deployments and settings). */
  metrics: MetricsDomain;
  /** The embedded engine (`engine.supervisor`, `engine.start()`), the model store and the engine image build. */
  engine: EngineHost;
  dispatcher: Dispatcher;
  log: Logger;
  logPath: string;
  close(): Promise<void>;
}

export async function createCore(opts: CoreOptions): Promise<Core> {
  await ensurePrivateFolder(opts.home);
  const logPath = path.join(opts.home, 'logs', 'slm-deck.log');
  const log = createLogger(
    [new FileSink(logPath), ...(opts.logToConsole ? [consoleSink] : [])],
    opts.logLevel ?? 'info',
  );
  const bus = new EventBus();
  const tasks = new TaskRegistry(bus);
  const settings = new SettingsService(
    opts.home,
    opts.secrets ?? new FileSecretStore(path.join(opts.home, 'secrets')),
    bus,
    log.child('settings'),
  );
  await settings.load();
  const chat = createChat({ home: opts.home, bus, log, settings });
  // The engine host is made below; deploys only ask for its assets later.
  const docker = createDockerDomain({
    home: opts.home,
    bus,
    tasks,
    settings,
    log,
    appVersion: APP_VERSION,
    chatBackends: chat.backends,
    verdict: verdictFromPlan((i) => hardware.plan(i)),
    engineAssets: () => engine.assets,
  });
  const metrics = await createMetrics({ home: opts.home, bus, log, dockerClient: () => docker.connection.client(), ollamaUrl: () => settings.get().ollamaUrl, chatBackends: () => chat.backends.list() });
  const hardware = createHardware({ home: opts.home, settings, log, dockerStatus: (o) => docker.connection.status(o) });
  const ollama = createOllama({ home: opts.home, settings, tasks, bus, log, hardwareProfile: () => hardware.service.profile(), chatBackends: () => chat.backends.list() });
  const bench = createBench({ home: opts.home, bus, tasks, log, appVersion: APP_VERSION, resolveBackend: (id) => chat.backends.resolve(id), apiKey: (b) => chat.backends.apiKey(b), hardware: () => hardware.service.profile(), deployments: () => docker.service.list(), metrics: metrics.service });
  const engine = createEngineHost({ home: opts.home, bus, tasks, settings, log, logPath, appVersion: APP_VERSION, chatBackends: chat.backends, docker: docker.connection, launcher: opts.engineLauncher, appRoot: opts.appRoot });

  const app: DomainHandlers<'app'> = {
    'app.info': (_p, ctx) => ({
      name: 'SLM Deck',
      version: APP_VERSION,
      transport: ctx.transport,
      home: opts.home,
      logPath,
      platform: process.platform,
      arch: process.arch,
      node: process.versions.node,
    }),
    'app.methods': () =>
      Object.entries(methods).map(([name, def]) => ({
        name,
        description: def.description,
        task: Boolean((def as { task?: boolean }).task),
      })),
  };

  const handlers: Handlers = {
    ...app,
    'backends.list': () => backendInfos(),
    ...settingsHandlers(settings),
    ...tasksHandlers(tasks),
    ...chat.handlers,
    ...docker.handlers,
    ...metrics.handlers,
    ...hardware.handlers,
    ...ollama.handlers,
    ...bench.handlers,
    ...engine.handlers,
  };

  const dispatcher = new Dispatcher(handlers, log.child('rpc'));
  log.info('core started', { home: opts.home, version: APP_VERSION });
  return {
    home: opts.home,
    bus,
    tasks,
    settings,
    chat: chat.service,
    chatBackends: chat.backends,
    docker,
    metrics,
    engine,
    dispatcher,
    log,
    logPath,
    close: async () => {
      for (const t of tasks.list()) if (t.state === 'running') tasks.cancel(t.id);
      await chat.service.close();
      metrics.close();
      docker.close();
      await engine.close();
    },
  };
}
