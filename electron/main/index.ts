import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { app, BrowserWindow, ipcMain, nativeTheme, safeStorage, session, shell } from 'electron';
import { createCore, type Core } from '../core/app-core';
import { logMigration, prepareHome } from '../core/home';
import { FileSecretStore } from '../core/settings/secret-store';
import { utilityProcessLauncher } from './engine-launcher';
import { bindIpc } from './ipc';
import { SafeStorageSecretStore } from './safe-storage-secrets';
import { applySecurityGuards, denyAllPermissions, isSafeExternalUrl } from './security';

// dist/main/index.cjs -> dist/renderer/index.html
const rendererDir = path.join(__dirname, '..', 'renderer');
const rendererUrl = pathToFileURL(path.join(rendererDir, 'index.html')).href;
const isOwnPage = (url: string) => url.startsWith(pathToFileURL(rendererDir).href);

let core: Core | undefined;

async function createWindow(): Promise<void> {
  const win = new BrowserWindow({
    width: 1280,
    height: 840,
    minWidth: 900,
    minHeight: 600,
    title: 'SLM Deck',
    show: false,
    backgroundColor: nativeTheme.shouldUseDarkColors ? '#15171c' : '#f6f7f9',
    webPreferences: {
      preload: path.join(__dirname, '..', 'preload', 'index.cjs'),
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
  win.once('ready-to-show', () => win.show());
  await win.loadURL(rendererUrl);
}

// One home with the CLI (Electron's default on Linux would be ~/.config/SLM Deck); set before
// the single-instance lock, which lives in the user-data folder.
const prepared = prepareHome();
app.setPath('userData', prepared.home);

if (!app.requestSingleInstanceLock()) app.quit();

applySecurityGuards(app, isOwnPage, (url) => {
  if (isSafeExternalUrl(url)) void shell.openExternal(url);
});

app.whenReady().then(async () => {
  denyAllPermissions(session.defaultSession);
  const home = prepared.home;
  const secrets = safeStorage.isEncryptionAvailable()
    ? new SafeStorageSecretStore(path.join(home, 'secrets'), safeStorage)
    : new FileSecretStore(path.join(home, 'secrets'));
  core = await createCore({ home, secrets, logToConsole: !app.isPackaged, engineLauncher: utilityProcessLauncher(path.join(__dirname, '..', 'engine', 'main.js')) });
  logMigration(core.log, prepared);
  bindIpc(core, ipcMain, isOwnPage);
  void core.engine.autoStart().catch((e: unknown) => core?.log.warn('embedded engine did not start', { error: String(e) }));
  await createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) void createWindow();
  });
});

app.on('second-instance', () => BrowserWindow.getAllWindows()[0]?.focus());
app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
app.on('before-quit', () => {
  void core?.close();
});
