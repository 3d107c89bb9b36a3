import path from 'node:path';
import type * as ElectronModule from 'electron';
import type { Core, CoreOptions } from '../core/app-core';
import type { EngineLauncher } from '../core/engine-host';
import { logMigration, prepareHome } from '../core/home';
import { APP_SCHEME, APP_SCHEME_PRIVILEGES, appProtocolHandler, isOwnPage, RENDERER_URL } from './app-protocol';
import { bindIpc } from './ipc';
import { openLink } from './links';
import { desktopSecretStore } from './safe-storage-secrets';
import { applyNavigationGuards, applyPermissionPolicy } from './security';

/** The parts of the `electron` module the shell uses (tests pass a fake). */
export type ElectronApi = Pick<typeof ElectronModule, 'app' | 'BrowserWindow' | 'dialog' | 'ipcMain' | 'nativeTheme' | 'protocol' | 'safeStorage' | 'session' | 'shell'>;

export interface ShellOptions {
  /** The bundle folder: main/, preload/, renderer/. */
  distDir: string;
  createCore: (o: CoreOptions) => Promise<Core>;
  engineLauncher: EngineLauncher;
  home?: () => ReturnType<typeof prepareHome>;
  /** How long quitting waits for the core (engine stop, log lines) before giving up. */
  closeTimeoutMs?: number;
}

export type ShellStart = 'started' | 'second-instance' | 'failed';

/**
 * The desktop app's lifecycle: one instance, one home with the CLI, the sandboxed window on
 * app://deck, and a quit that waits for the core to stop. `ready` settles when the start has
 * gone one way or the other.
 */
export function startShell(e: ElectronApi, o: ShellOptions): { ready: Promise<ShellStart> } {
  const { app } = e;
  app.enableSandbox();
  e.protocol.registerSchemesAsPrivileged([APP_SCHEME_PRIVILEGES]);
  // Before the single-instance lock, which lives in the user-data folder.
  const prepared = (o.home ?? prepareHome)();
  app.setPath('userData', prepared.home);
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return { ready: Promise.resolve('second-instance') };
  }

  let core: Core | undefined;
  let quit: 'running' | 'closing' | 'closed' = 'running';

  const closeCore = async () => {
    if (!core) return;
    const c = core;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), o.closeTimeoutMs ?? 15_000)));
    try {
      if ((await Promise.race([c.close().then(() => 'closed' as const), timeout])) === 'timeout') c.log.warn('quitting before the core finished closing');
    } catch (err) {
      c.log.error('closing the core failed', { error: String(err) });
    } finally {
      clearTimeout(timer);
    }
  };

  const firstWindow = () => e.BrowserWindow.getAllWindows()[0];
  const confirmLink = async ({ url, host }: { url: string; host: string }) => {
    const options = {
      type: 'question' as const,
      buttons: ['Open in browser', 'Cancel'],
      defaultId: 1,
      cancelId: 1,
      message: `Open a link to ${host}?`,
      detail: `${url}\n\nIt opens in your web browser.`,
    };
    const win = firstWindow();
    const { response } = await (win ? e.dialog.showMessageBox(win, options) : e.dialog.showMessageBox(options));
    return response === 0;
  };
  applyNavigationGuards(app, (url) => {
    void openLink(url, { openExternal: (u) => e.shell.openExternal(u), confirm: confirmLink }).catch((err: unknown) => core?.log.warn('could not open a link', { error: String(err) }));
  });

  const createWindow = async () => {
    const win = new e.BrowserWindow({
      width: 1280,
      height: 840,
      minWidth: 900,
      minHeight: 600,
      title: 'SLM Deck',
      show: false,
      backgroundColor: e.nativeTheme.shouldUseDarkColors ? '#15171c' : '#f6f7f9',
      webPreferences: {
        preload: path.join(o.distDir, 'preload', 'index.cjs'),
        sandbox: true,
        contextIsolation: true,
        nodeIntegration: false,
        webSecurity: true,
        spellcheck: false,
      },
    });
    win.once('ready-to-show', () => win.show());
    await win.loadURL(RENDERER_URL);
  };

  app.on('second-instance', () => {
    const win = firstWindow();
    if (win?.isMinimized()) win.restore();
    win?.focus();
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  // Quitting waits for the core: the engine is stopped (not killed with the app) and its last log lines written.
  app.on('before-quit', (event) => {
    if (quit === 'closed' || !core) return;
    event.preventDefault();
    if (quit === 'closing') return;
    quit = 'closing';
    void closeCore().then(() => {
      quit = 'closed';
      app.quit();
    });
  });

  const ready = app
    .whenReady()
    .then(async (): Promise<ShellStart> => {
      e.protocol.handle(APP_SCHEME, appProtocolHandler(path.join(o.distDir, 'renderer')));
      applyPermissionPolicy(e.session.defaultSession);
      core = await o.createCore({
        home: prepared.home,
        secrets: desktopSecretStore(prepared.home, e.safeStorage),
        logToConsole: !app.isPackaged,
        engineLauncher: o.engineLauncher,
        // Packaged, findAppRoot() has no checkout to find: the engine image build reads dist/ and node_modules/ from app.asar.
        appRoot: app.isPackaged ? app.getAppPath() : undefined,
      });
      logMigration(core.log, prepared);
      bindIpc(core, e.ipcMain, isOwnPage);
      const log = core.log;
      void core.engine.autoStart().catch((err: unknown) => log.warn('embedded engine did not start', { error: String(err) }));
      await createWindow();
      app.on('activate', () => {
        if (e.BrowserWindow.getAllWindows().length === 0) void createWindow();
      });
      return 'started';
    })
    // A failed start never leaves a windowless process holding the lock: say why, stop what started, exit.
    .catch(async (err: unknown): Promise<ShellStart> => {
      const message = err instanceof Error ? err.message : String(err);
      core?.log.error('the app could not start', { error: message });
      e.dialog.showErrorBox('SLM Deck could not start', `${message}\n\nLog: ${core?.logPath ?? path.join(prepared.home, 'logs', 'slm-deck.log')}`);
      await closeCore();
      quit = 'closed';
      app.exit(1);
      return 'failed';
    });
  return { ready };
}
