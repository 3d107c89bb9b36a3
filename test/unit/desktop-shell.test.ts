import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { Core, CoreOptions } from '../../electron/core/app-core';
import type { EngineLauncher } from '../../electron/core/engine-host';
import { CONTENT_SECURITY_POLICY } from '../../electron/core/rpc/static-headers';
import { RENDERER_URL } from '../../electron/main/app-protocol';
import { startShell } from '../../electron/main/shell';
import { fakeElectron, type FakeElectronOptions } from '../fakes/electron';
import { tempHome } from '../helpers/serve';

const launcher: EngineLauncher = { kind: 'child-process', launch: () => Promise.reject(new Error('no engine in this test')) };

/** A core whose close() the test finishes by hand, recording the order of events. */
function fakeCore(calls: string[], logPath: string) {
  let finishClose!: () => void;
  const lines: Array<{ level: string; msg: string }> = [];
  const log = {
    debug: () => undefined,
    info: (msg: string) => lines.push({ level: 'info', msg }),
    warn: (msg: string) => lines.push({ level: 'warn', msg }),
    error: (msg: string) => lines.push({ level: 'error', msg }),
    child: () => log,
  };
  const closing = new Promise<void>((r) => (finishClose = r));
  const core = {
    log,
    logPath,
    engine: { autoStart: async () => 'skipped' as const },
    close: vi.fn(async () => {
      calls.push('core.close');
      await closing;
      calls.push('core.closed');
    }),
  };
  return { core: core as unknown as Core, close: core.close, finishClose, lines };
}

function start(o: FakeElectronOptions & { createCore?: (opts: CoreOptions) => Promise<Core>; closeTimeoutMs?: number } = {}) {
  const fake = fakeElectron(o);
  const home = tempHome();
  const core = fakeCore(fake.calls, path.join(home, 'logs', 'slm-deck.log'));
  const createCore = vi.fn(o.createCore ?? (async () => core.core));
  const shell = startShell(fake.electron, {
    distDir: path.join(home, 'dist'),
    createCore,
    engineLauncher: launcher,
    home: () => ({ home, migration: null, migrationError: null }),
    closeTimeoutMs: o.closeTimeoutMs,
  });
  return { fake, home, core, createCore, shell };
}

describe('desktop shell: start-up', () => {
  it('sandboxes every renderer, registers app:// and moves the user-data folder to the shared home before taking the lock', async () => {
    const { fake, home, shell } = start();
    fake.ready();
    expect(await shell.ready).toBe('started');
    expect(fake.calls.slice(0, 5)).toEqual(['enableSandbox', 'registerSchemesAsPrivileged app', `setPath userData ${home}`, 'requestSingleInstanceLock', 'whenReady']);
    expect(fake.calls).toContain(`loadURL ${RENDERER_URL}`);
    expect(fake.windows()[0].options.webPreferences).toMatchObject({ sandbox: true, contextIsolation: true, nodeIntegration: false });
  });

  it('hands the core the installed app folder, so the engine image build finds dist/ and node_modules/ there', async () => {
    const installed = start({ packagedAt: '/opt/SLM Deck/resources' });
    installed.fake.ready();
    await installed.shell.ready;
    expect(installed.createCore).toHaveBeenCalledWith(expect.objectContaining({ appRoot: '/opt/SLM Deck/resources/app.asar', logToConsole: false }));
    const checkout = start();
    checkout.fake.ready();
    await checkout.shell.ready;
    expect(checkout.createCore).toHaveBeenCalledWith(expect.objectContaining({ appRoot: undefined, logToConsole: true }));
  });

  it('a second instance without the lock quits at once and never runs the ready path', async () => {
    const { fake, createCore, shell } = start({ lock: false });
    fake.ready();
    expect(await shell.ready).toBe('second-instance');
    expect(fake.calls).toEqual(['enableSandbox', 'registerSchemesAsPrivileged app', expect.stringMatching(/^setPath userData /), 'requestSingleInstanceLock', 'quit', 'exit 0']);
    expect(createCore).not.toHaveBeenCalled();
    expect(fake.windows()).toEqual([]);
  });

  it('the first instance brings its window forward when a second one starts', async () => {
    const { fake, shell } = start();
    fake.ready();
    await shell.ready;
    fake.windows()[0].minimized = true;
    fake.emit('second-instance');
    expect(fake.calls.slice(-2)).toEqual(['restore', 'focus']);
  });

  it('a core that cannot start shows an error and exits (no windowless process holding the lock)', async () => {
    const { fake, home, shell } = start({ createCore: () => Promise.reject(new Error('settings folder is read-only')) });
    fake.ready();
    expect(await shell.ready).toBe('failed');
    expect(fake.errorBoxes).toEqual([{ title: 'SLM Deck could not start', content: expect.stringContaining('settings folder is read-only') }]);
    expect(fake.errorBoxes[0].content).toContain(path.join(home, 'logs', 'slm-deck.log'));
    expect(fake.exitCode()).toBe(1);
    expect(fake.windows()).toEqual([]);
  });

  it('a window that cannot load stops the core before exiting', async () => {
    const { fake, core, shell } = start({ loadError: new Error('ERR_FILE_NOT_FOUND') });
    fake.ready();
    await vi.waitFor(() => expect(core.close).toHaveBeenCalled());
    expect(fake.exitCode()).toBeNull();
    core.finishClose();
    expect(await shell.ready).toBe('failed');
    expect(fake.calls.slice(-4)).toEqual(['showErrorBox', 'core.close', 'core.closed', 'exit 1']);
    expect(fake.errorBoxes[0].content).toContain('ERR_FILE_NOT_FOUND');
  });
});

describe('desktop shell: quitting', () => {
  it('waits for the core to close (engine stopped, log written) before the app exits', async () => {
    const { fake, core, shell } = start();
    fake.ready();
    await shell.ready;
    fake.electron.app.quit();
    await vi.waitFor(() => expect(core.close).toHaveBeenCalledTimes(1));
    expect(fake.exitCode()).toBeNull();
    fake.electron.app.quit(); // a second Quit while closing changes nothing
    expect(core.close).toHaveBeenCalledTimes(1);
    core.finishClose();
    await vi.waitFor(() => expect(fake.exitCode()).toBe(0));
    expect(fake.calls.slice(fake.calls.indexOf('core.close'))).toEqual(['core.close', 'quit', 'core.closed', 'quit', 'exit 0']);
  });

  it('a core that never finishes closing does not keep the app from quitting', async () => {
    const { fake, core, shell } = start({ closeTimeoutMs: 20 });
    fake.ready();
    await shell.ready;
    fake.electron.app.quit();
    await vi.waitFor(() => expect(fake.exitCode()).toBe(0));
    expect(core.lines).toContainEqual({ level: 'warn', msg: 'quitting before the core finished closing' });
  });
});

describe('desktop shell: permissions, navigation and links', () => {
  it('grants the clipboard write the copy buttons need, to the app only, and refuses everything else', async () => {
    const { fake, shell } = start();
    fake.ready();
    await shell.ready;
    expect(await fake.permission('clipboard-sanitized-write', 'app://deck/index.html#/deploy')).toEqual({ check: true, request: true });
    expect(await fake.permission('clipboard-sanitized-write', 'https://evil.example/')).toEqual({ check: false, request: false });
    for (const p of ['clipboard-read', 'media', 'notifications', 'geolocation', 'openExternal', 'fullscreen']) {
      expect(await fake.permission(p, 'app://deck/index.html')).toEqual({ check: false, request: false });
    }
  });

  it('keeps the window on the app, refuses webviews, and hands other pages to the link policy', async () => {
    const { fake, shell } = start({ messageBoxResponse: 0 });
    fake.ready();
    await shell.ready;
    const wc = fake.webContents();
    expect(wc.attempt('will-navigate', 'app://deck/index.html#/monitor')).toBe(false);
    expect(wc.attempt('will-navigate', 'https://example.com/page')).toBe(true);
    expect(wc.attempt('will-navigate', 'file:///etc/passwd')).toBe(true);
    expect(wc.attempt('will-redirect', 'https://example.com/')).toBe(true);
    expect(wc.attempt('will-attach-webview')).toBe(true);
    await vi.waitFor(() => expect(fake.opened).toEqual(['https://example.com/page']));
    expect(fake.messageBoxes).toEqual([expect.objectContaining({ message: 'Open a link to example.com?' })]);
  });

  it('opens trusted documentation at once and asks about any other link, showing its host', async () => {
    const { fake, shell } = start({ messageBoxResponse: 1 });
    fake.ready();
    await shell.ready;
    const wc = fake.webContents();
    expect(wc.openHandler?.({ url: 'https://huggingface.co/microsoft/Phi-4-mini-instruct' })).toEqual({ action: 'deny' });
    expect(wc.openHandler?.({ url: 'https://huggingface.co@evil.example/login' })).toEqual({ action: 'deny' });
    expect(wc.openHandler?.({ url: 'javascript:alert(1)' })).toEqual({ action: 'deny' });
    await vi.waitFor(() => expect(fake.messageBoxes).toHaveLength(1));
    expect(fake.messageBoxes[0]).toMatchObject({ message: 'Open a link to evil.example?', detail: expect.stringContaining('https://huggingface.co@evil.example/login') });
    // The user cancelled: only the trusted link reached the browser.
    expect(fake.opened).toEqual(['https://huggingface.co/microsoft/Phi-4-mini-instruct']);
  });
});

describe('desktop shell: app:// protocol', () => {
  async function handler() {
    const { fake, home, shell } = start();
    const renderer = path.join(home, 'dist', 'renderer');
    mkdirSync(path.join(renderer, 'assets'), { recursive: true });
    writeFileSync(path.join(renderer, 'index.html'), '<!doctype html><title>SLM Deck</title>');
    writeFileSync(path.join(renderer, 'assets', 'app.js'), 'console.log(1)');
    writeFileSync(path.join(home, 'dist', 'secret.txt'), 'outside the renderer');
    fake.ready();
    await shell.ready;
    const fn = fake.protocolHandlers.get('app')!;
    return (url: string, method = 'GET') => fn(new Request(url, { method }));
  }

  it('serves the renderer with the CSP as a response header', async () => {
    const get = await handler();
    const page = await get('app://deck/index.html');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await page.text()).toContain('<title>SLM Deck</title>');
    const root = await get('app://deck/');
    expect(await root.text()).toContain('<title>SLM Deck</title>');
    const js = await get('app://deck/assets/app.js');
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
  });

  it('never serves a file outside the renderer folder, another host or a write', async () => {
    const get = await handler();
    for (const url of ['app://deck/%2e%2e/secret.txt', 'app://deck/assets/..%2f..%2fsecret.txt', 'app://deck/..%5csecret.txt']) {
      const res = await get(url);
      expect([403, 404]).toContain(res.status);
      expect(await res.text()).not.toContain('outside the renderer');
    }
    // URL parsing folds an encoded "%2e%2e" segment; an encoded slash survives until the handler decodes it.
    expect((await get('app://deck/..%2fsecret.txt')).status).toBe(403);
    expect((await get('app://other/index.html')).status).toBe(404);
    expect((await get('app://deck/missing.js')).status).toBe(404);
    expect((await get('app://deck/index.html', 'POST')).status).toBe(405);
    expect((await get('app://deck/%E0%A4%A')).status).toBe(400);
  });
});
