import path from 'node:path';
import { methods } from '../shared/contract';
import { EventBus } from './events/event-bus';
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
}

/** The composition root: builds every service once and the dispatcher over them. */
export interface Core {
  home: string;
  bus: EventBus;
  tasks: TaskRegistry;
  settings: SettingsService;
  dispatcher: Dispatcher;
  log: Logger;
  logPath: string;
  close(): Promise<void>;
}

export async function createCore(opts: CoreOptions): Promise<Core> {
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
    ...settingsHandlers(settings),
    ...tasksHandlers(tasks),
  };

  const dispatcher = new Dispatcher(handlers, log.child('rpc'));
  log.info('core started', { home: opts.home, version: APP_VERSION });
  return {
    home: opts.home,
    bus,
    tasks,
    settings,
    dispatcher,
    log,
    logPath,
    close: async () => {
      for (const t of tasks.list()) if (t.state === 'running') tasks.cancel(t.id);
    },
  };
}
