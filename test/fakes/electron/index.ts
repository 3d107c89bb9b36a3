import { EventEmitter } from 'node:events';
import type { ElectronApi } from '../../../electron/main/shell';

/**
 * A stand-in for the parts of the `electron` module the main process uses (its binary cannot
 * be downloaded here). It records what the shell asked for, in order, and lets a test play
 * the user and the OS: emit app events, answer dialogs, settle whenReady.
 */
export interface FakeElectronOptions {
  lock?: boolean;
  /** The answer to a link confirmation: 0 = open, 1 = cancel. */
  messageBoxResponse?: number;
  /** Makes the window's loadURL fail. */
  loadError?: Error;
  safeStorage?: Partial<ElectronApi['safeStorage']>;
  /** An installed app: app.asar under this resources folder. */
  packagedAt?: string;
}

type Handler = (...args: never[]) => unknown;

export class FakeWebContents extends EventEmitter {
  openHandler: ((d: { url: string }) => { action: string }) | null = null;
  setWindowOpenHandler(fn: (d: { url: string }) => { action: string }): void {
    this.openHandler = fn;
  }
  /** Emits a cancellable event as Electron does; returns true when the shell prevented it. */
  attempt(event: 'will-navigate' | 'will-redirect' | 'will-attach-webview', url = ''): boolean {
    let prevented = false;
    this.emit(event, { preventDefault: () => (prevented = true) }, url);
    return prevented;
  }
}

export function fakeElectron(o: FakeElectronOptions = {}) {
  const calls: string[] = [];
  const appEvents = new EventEmitter();
  const errorBoxes: Array<{ title: string; content: string }> = [];
  const messageBoxes: Array<{ message: string; detail?: string }> = [];
  const opened: string[] = [];
  const protocolHandlers = new Map<string, (req: Request) => Promise<Response>>();
  const permissions: { request?: Handler; check?: Handler } = {};
  let resolveReady!: () => void;
  const readyPromise = new Promise<void>((r) => (resolveReady = r));
  let exitCode: number | null = null;

  class BrowserWindow extends EventEmitter {
    static all: BrowserWindow[] = [];
    static getAllWindows = () => BrowserWindow.all;
    minimized = false;
    constructor(readonly options: { webPreferences: Record<string, unknown> }) {
      super();
      calls.push('new BrowserWindow');
      BrowserWindow.all.push(this);
    }
    async loadURL(url: string): Promise<void> {
      calls.push(`loadURL ${url}`);
      if (o.loadError) throw o.loadError;
    }
    isMinimized = () => this.minimized;
    restore = () => calls.push('restore');
    focus = () => calls.push('focus');
    show = () => calls.push('show');
  }

  const app = {
    isPackaged: o.packagedAt !== undefined,
    getAppPath: () => (o.packagedAt ? `${o.packagedAt}/app.asar` : process.cwd()),
    enableSandbox: () => calls.push('enableSandbox'),
    setPath: (name: string, p: string) => calls.push(`setPath ${name} ${p}`),
    requestSingleInstanceLock: () => {
      calls.push('requestSingleInstanceLock');
      return o.lock ?? true;
    },
    whenReady: () => {
      calls.push('whenReady');
      return readyPromise;
    },
    on: (event: string, fn: (...args: unknown[]) => void) => {
      appEvents.on(event, fn);
      return app;
    },
    // Like Electron: before-quit can be prevented; otherwise the app exits with 0.
    quit: () => {
      calls.push('quit');
      let prevented = false;
      appEvents.emit('before-quit', { preventDefault: () => (prevented = true) });
      if (!prevented) app.exit(0);
    },
    exit: (code = 0) => {
      calls.push(`exit ${code}`);
      exitCode = code;
    },
  };

  const electron = {
    app,
    BrowserWindow,
    nativeTheme: { shouldUseDarkColors: false },
    protocol: {
      registerSchemesAsPrivileged: (schemes: Array<{ scheme: string }>) => calls.push(`registerSchemesAsPrivileged ${schemes.map((s) => s.scheme).join(',')}`),
      handle: (scheme: string, fn: (req: Request) => Promise<Response>) => {
        calls.push(`protocol.handle ${scheme}`);
        protocolHandlers.set(scheme, fn);
      },
    },
    session: {
      defaultSession: {
        setPermissionRequestHandler: (fn: Handler) => (permissions.request = fn),
        setPermissionCheckHandler: (fn: Handler) => (permissions.check = fn),
      },
    },
    dialog: {
      showErrorBox: (title: string, content: string) => {
        calls.push('showErrorBox');
        errorBoxes.push({ title, content });
      },
      showMessageBox: async (...args: unknown[]) => {
        messageBoxes.push(args[args.length - 1] as { message: string; detail?: string });
        return { response: o.messageBoxResponse ?? 1, checkboxChecked: false };
      },
    },
    shell: {
      openExternal: async (url: string) => {
        opened.push(url);
      },
    },
    ipcMain: { handle: () => undefined, on: () => undefined, removeHandler: () => undefined, removeListener: () => undefined },
    safeStorage: {
      isEncryptionAvailable: () => true,
      getSelectedStorageBackend: () => 'gnome_libsecret' as const,
      encryptString: (s: string) => Buffer.from(`enc:${s}`),
      decryptString: (b: Buffer) => {
        const s = b.toString();
        if (!s.startsWith('enc:')) throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
        return s.slice(4);
      },
      ...o.safeStorage,
    },
  };

  return {
    electron: electron as unknown as ElectronApi,
    calls,
    errorBoxes,
    messageBoxes,
    opened,
    protocolHandlers,
    windows: () => BrowserWindow.all,
    exitCode: () => exitCode,
    /** Electron's ready event. */
    ready: () => resolveReady(),
    emit: (event: string, ...args: unknown[]) => appEvents.emit(event, ...args),
    /** A new WebContents, as Electron announces one (the shell attaches its guards). */
    webContents: () => {
      const wc = new FakeWebContents();
      appEvents.emit('web-contents-created', {}, wc);
      return wc;
    },
    /** What the session's handlers answer for a permission. */
    permission: async (permission: string, url: string) => {
      // Chromium's origin of a standard scheme, app://deck as well as https://host.
      const u = new URL(url);
      const check = (permissions.check as unknown as (wc: null, p: string, origin: string) => boolean)(null, permission, `${u.protocol}//${u.host}`);
      const request = await new Promise<boolean>((r) => (permissions.request as unknown as (wc: null, p: string, cb: (ok: boolean) => void, d: { requestingUrl: string }) => void)(null, permission, r, { requestingUrl: url }));
      return { check, request };
    },
  };
}
