import { existsSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type Docker from 'dockerode';
import { DEMO_MODEL_ID, type EmbeddedStatus, type LocalModel } from '../../shared/contract/engine';
import { DeckError } from '../../shared/errors';
import type { BackendRegistry } from '../chat/backend-registry';
import type { DockerConnection } from '../docker/connection';
import type { EngineAssets } from '../docker/engine-assets';
import { httpStatus, toDeckError } from '../docker/errors';
import { mirrorImage } from '../docker/mirror';
import { engineImage } from '../docker/specs/onnx-engine';
import type { EventBus } from '../events/event-bus';
import { readJsonOrRecover, writeFileAtomic } from '../fs/atomic';
import { bundledCatalog } from '../hardware/catalog';
import type { Logger } from '../log/logger';
import { findResource } from '../ollama/resources';
import type { DomainHandlers } from '../rpc/handlers';
import type { SettingsService } from '../settings/settings-service';
import type { TaskRegistry } from '../tasks/task-registry';
import { embeddedChatSource } from './chat-source';
import { autoStartEmbedded } from './auto-start';
import { buildEngineImage, DEFAULT_ENGINE_BASE } from './image-build';
import { childProcessLauncher, type EngineLauncher } from './launcher';
import { folderBytes, ModelStore, type ModelStoreOptions } from './model-store';
import { EngineSupervisor, type RestartPolicy } from './supervisor';

export { childProcessLauncher, type EngineLauncher, type LaunchedEngine, type LaunchOptions } from './launcher';
export type { EngineSupervisor } from './supervisor';
export type { ModelStore } from './model-store';

export interface EngineHostOptions {
  home: string;
  bus: EventBus;
  tasks: TaskRegistry;
  settings: SettingsService;
  log: Logger;
  logPath?: string;
  appVersion: string;
  chatBackends: BackendRegistry;
  docker: DockerConnection;
  /** Default: a Node child process (serve mode, CLI). The desktop app passes a utilityProcess launcher. */
  launcher?: EngineLauncher;
  /** Tag of the onnx-engine image; default the app version (as the Docker domain expects). */
  engineVersion?: string;
  /** Folder holding dist/engine/main.js and node_modules/ (image builds); default found from the running script. */
  appRoot?: string;
  restart?: RestartPolicy;
  /** Tests: free-space probe and hub endpoint for the store. */
  store?: Pick<ModelStoreOptions, 'freeBytes' | 'endpoint'>;
}

export interface EngineHost {
  supervisor: EngineSupervisor;
  store: ModelStore;
  handlers: DomainHandlers<'engine'> & DomainHandlers<'modelStore'>;
  /** Starts the embedded engine with `model` (default: the last one started, else the demo model). */
  start(model?: string, port?: number): Promise<EmbeddedStatus>;
  /** Starts the engine when neither Docker nor Ollama is there (the app's out-of-the-box default). */
  autoStart(): Promise<'started' | 'skipped'>;
  /** What an onnx-engine deployment needs, fetched or built when missing (the Docker domain's one-click deploy). */
  assets: EngineAssets;
  close(): Promise<void>;
}

const PrefsSchema = z.object({ lastModel: z.string().optional() });

/** The folder holding dist/engine/main.js: SLM_DECK_APP_ROOT, else found walking up from the script and the working directory. */
export function findAppRoot(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.SLM_DECK_APP_ROOT) return env.SLM_DECK_APP_ROOT;
  for (const start of [process.argv[1] ? path.dirname(process.argv[1]) : null, process.cwd()]) {
    if (!start) continue;
    let dir = path.resolve(start);
    for (let i = 0; i < 8; i++) {
      if (existsSync(path.join(dir, 'dist', 'engine', 'main.js')) && existsSync(path.join(dir, 'node_modules'))) return dir;
      const up = path.dirname(dir);
      if (up === dir) break;
      dir = up;
    }
  }
  return null;
}

/**
 * The embedded engine (supervised process), the model store and the engine image build,
 * wired into the core: RPC handlers, the `embedded` chat backend, events.
 */
export function createEngineHost(o: EngineHostOptions): EngineHost {
  const log = o.log.child('engine');
  const prefsFile = path.join(o.home, 'engine', 'embedded.json');
  const store = new ModelStore({
    home: o.home,
    log: log.child('store'),
    hfToken: () => o.settings.hfToken(),
    catalog: bundledCatalog,
    demoDir: () => findResource(path.join('models', DEMO_MODEL_ID)),
    onChanged: (model) => o.bus.emit('modelStore.changed', { model }),
    ...o.store,
  });
  let live = false;
  const supervisor = new EngineSupervisor({
    launcher: o.launcher ?? childProcessLauncher(),
    log,
    logPath: o.logPath,
    restart: o.restart,
    onStatus: (s) => {
      o.bus.emit('engine.status', s);
      const nowLive = s.url !== null;
      if (nowLive !== live) {
        live = nowLive;
        o.chatBackends.changed();
      }
    },
  });
  const offChat = o.chatBackends.register(embeddedChatSource(supervisor));
  const image = engineImage(o.engineVersion ?? o.appVersion);
  const defaultBase = () => mirrorImage(DEFAULT_ENGINE_BASE, o.settings.get().registryMirror);

  const lastModel = async (): Promise<string | undefined> => {
    const read = await readJsonOrRecover(prefsFile).catch(() => ({ kind: 'missing' as const }));
    if (read.kind !== 'ok') return undefined;
    const p = PrefsSchema.safeParse(read.value);
    return p.success ? p.data.lastModel : undefined;
  };

  const start = async (model?: string, port?: number): Promise<EmbeddedStatus> => {
    let id = model;
    if (!id) {
      const last = await lastModel();
      id = last && (last === DEMO_MODEL_ID || (await store.list()).some((m) => m.id === last && m.state === 'ready')) ? last : DEMO_MODEL_ID;
    }
    const resolved = await store.resolve(id);
    await writeFileAtomic(prefsFile, JSON.stringify({ lastModel: id }) + '\n');
    return supervisor.start(resolved, port);
  };

  const engineModels = async (): Promise<LocalModel[]> => {
    const list: LocalModel[] = [];
    try {
      const demo = store.demoModel();
      const size = await folderBytes(demo.dir);
      list.push({ id: demo.id, label: demo.label, demo: true, state: 'ready', path: demo.dir, sizeBytes: size, totalBytes: size, source: 'bundled', downloadedAt: null });
    } catch {
      // A broken installation without the demo model still lists downloads.
    }
    return [...list, ...(await store.list())];
  };

  /** The image's inspect data; null when it is not built. */
  const builtImage = async (docker: Docker) => {
    try {
      return await docker.getImage(image).inspect();
    } catch (e) {
      if (httpStatus(e) === 404) return null;
      throw toDeckError(e, `inspect ${image}`);
    }
  };

  /** What the image is built from; an installation without them gets a clear error. */
  const buildFiles = () => {
    const appRoot = o.appRoot ?? findAppRoot();
    const dockerfile = findResource(path.join('engine', 'Dockerfile'));
    if (!appRoot || !dockerfile) {
      throw new DeckError('not_found', 'The engine build files (dist/engine/main.js, node_modules, resources/engine/Dockerfile) were not found.', 'Run SLM Deck from its folder after `npm run build`, or set SLM_DECK_APP_ROOT and SLM_DECK_RESOURCES.');
    }
    return { appRoot, dockerfile };
  };

  const handlers: EngineHost['handlers'] = {
    'engine.status': () => supervisor.status(),
    'engine.start': (p) => start(p.model, p.port),
    'engine.stop': () => supervisor.stop(),
    'engine.models': () => engineModels(),
    'engine.imageStatus': async () => {
      const s = await o.docker.status();
      const base = { image, defaultBaseImage: defaultBase(), dockerReachable: s.state === 'reachable', built: false, id: null, createdAt: null, sizeBytes: null };
      if (s.state !== 'reachable') return base;
      const info = await builtImage((await o.docker.client()).docker);
      return info ? { ...base, built: true, id: info.Id, createdAt: info.Created, sizeBytes: info.Size } : base;
    },
    'engine.buildImage': async (p) => {
      const { docker, status } = await o.docker.client();
      const { appRoot, dockerfile } = buildFiles();
      if (status.remote) log.info('building the engine image on a remote daemon', { endpoint: status.endpoint });
      const baseImage = p.baseImage ?? defaultBase();
      return o.tasks.start('engine.buildImage', `Build ${image}`, (task) =>
        buildEngineImage({ docker, arch: status.arch, image, baseImage, appRoot, dockerfile, appVersion: o.appVersion, log }, task),
      );
    },
    'modelStore.list': () => store.list(),
    'modelStore.available': async () => {
      const have = await store.list();
      return store.sources().map((s) => {
        const m = have.find((x) => x.id === s.id);
        return {
          id: s.id,
          label: s.label,
          repo: s.repo,
          folder: s.folder,
          device: s.device,
          approxBytes: s.approxBytes,
          installed: m?.state === 'ready',
          partialBytes: m && m.state !== 'ready' ? m.sizeBytes : 0,
        };
      });
    },
    'modelStore.download': (p) => {
      const src = store.sources().find((s) => s.id === p.model);
      return o.tasks.start('modelStore.download', `Download ${src?.label ?? p.model}`, (task) => store.download(p.model, task));
    },
    'modelStore.delete': async (p) => {
      const s = supervisor.status();
      if (s.model?.id === p.model && s.state !== 'stopped' && s.state !== 'failed') {
        throw new DeckError('conflict', `The embedded engine is running ${s.model.label}.`, 'Stop the embedded engine first.');
      }
      return store.delete(p.model);
    },
  };

  const assets: EngineAssets = {
    modelFolder: async (id, task) => {
      const have = await store.resolve(id).catch(() => null);
      if (have) return { dir: have.dir, demo: Boolean(have.demo), downloaded: false };
      if (!store.sources().some((s) => s.id === id)) return null;
      await store.download(id, task);
      return { dir: (await store.resolve(id)).dir, demo: false, downloaded: true };
    },
    ensureImage: async (task) => {
      const { docker, status } = await o.docker.client();
      if (await builtImage(docker)) return false;
      const { appRoot, dockerfile } = buildFiles();
      await buildEngineImage({ docker, arch: status.arch, image, baseImage: defaultBase(), appRoot, dockerfile, appVersion: o.appVersion, log }, task);
      return true;
    },
  };

  return {
    supervisor,
    store,
    handlers,
    start,
    assets,
    autoStart: () => autoStartEmbedded({ docker: o.docker, ollamaUrl: () => o.settings.get().ollamaUrl, start: () => start(), log }),
    close: async () => {
      offChat();
      await supervisor.stop();
    },
  };
}
