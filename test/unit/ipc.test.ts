import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { createCore } from '../../electron/core/app-core';
import { bindIpc } from '../../electron/main/ipc';
import { IPC } from '../../electron/shared/ipc-channels';
import { tempHome } from '../helpers/serve';

/** Just enough of Electron's ipcMain and WebContents for the binding: the transport edge is the only mock. */
function fakeElectron() {
  const handlers = new Map<string, (...args: unknown[]) => unknown>();
  const ipcMain = Object.assign(new EventEmitter(), {
    handle: (ch: string, fn: (...args: unknown[]) => unknown) => handlers.set(ch, fn),
    removeHandler: (ch: string) => handlers.delete(ch),
  });
  const sent: unknown[][] = [];
  const wc = Object.assign(new EventEmitter(), { id: 1, isDestroyed: () => false, send: (...a: unknown[]) => sent.push(a) });
  const event = (url = 'file:///app/dist/renderer/index.html') => ({ sender: wc, senderFrame: { url } });
  return { ipcMain, handlers, wc, sent, event };
}

describe('IPC binding', () => {
  it('registers one call handler that goes through the dispatcher', async () => {
    const core = await createCore({ home: tempHome() });
    const f = fakeElectron();
    bindIpc(core, f.ipcMain as never, (u) => u.startsWith('file:///app/'));
    expect([...f.handlers.keys()]).toEqual([IPC.call]);
    const env = await f.handlers.get(IPC.call)!(f.event(), 'app.info', {});
    expect(env).toMatchObject({ ok: true, result: { transport: 'ipc' } });
  });

  it('refuses calls from a frame that is not ours', async () => {
    const core = await createCore({ home: tempHome() });
    const f = fakeElectron();
    bindIpc(core, f.ipcMain as never, (u) => u.startsWith('file:///app/'));
    const env = await f.handlers.get(IPC.call)!(f.event('https://evil.example/'), 'app.info', {});
    expect(env).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
  });

  it('forwards subscribed events to the window and drops them when it is destroyed', async () => {
    const core = await createCore({ home: tempHome() });
    const f = fakeElectron();
    bindIpc(core, f.ipcMain as never, () => true);
    // Services listen too; count only what the window adds.
    const base = core.bus.listenerCount('settings.changed');
    f.ipcMain.emit(IPC.subscribe, f.event(), 'settings.changed');
    expect(core.bus.listenerCount('settings.changed')).toBe(base + 1);
    await core.settings.set({ theme: 'light' });
    expect(f.sent).toHaveLength(1);
    expect(f.sent[0][0]).toBe(IPC.event);
    expect(f.sent[0][1]).toBe('settings.changed');
    f.wc.emit('destroyed');
    expect(core.bus.listenerCount('settings.changed')).toBe(base);
  });

  it('keeps subscriptions across the app\'s hash navigation, drops them on a reload', async () => {
    const core = await createCore({ home: tempHome() });
    const f = fakeElectron();
    bindIpc(core, f.ipcMain as never, () => true);
    const base = core.bus.listenerCount('settings.changed');
    f.ipcMain.emit(IPC.subscribe, f.event(), 'settings.changed');
    // Switching pages sets location.hash: a same-document navigation.
    f.wc.emit('did-start-navigation', { isMainFrame: true, isSameDocument: true });
    expect(core.bus.listenerCount('settings.changed')).toBe(base + 1);
    f.wc.emit('did-start-navigation', { isMainFrame: true, isSameDocument: false });
    expect(core.bus.listenerCount('settings.changed')).toBe(base);
  });
});

describe('preload', () => {
  it('exposes only call and on, as window.deck', async () => {
    const exposed: Record<string, unknown> = {};
    const invoke = vi.fn(async () => ({ ok: true, result: 1 }));
    const send = vi.fn();
    vi.doMock('electron', () => ({
      contextBridge: { exposeInMainWorld: (key: string, api: unknown) => (exposed[key] = api) },
      ipcRenderer: { invoke, send, on: vi.fn() },
    }));
    await import('../../electron/preload/index');
    expect(Object.keys(exposed)).toEqual(['deck']);
    const deck = exposed.deck as { call: (m: string, p: unknown) => Promise<unknown>; on: (e: string, f: () => void) => () => void };
    expect(Object.keys(deck).sort()).toEqual(['call', 'on']);
    await deck.call('app.info', {});
    expect(invoke).toHaveBeenCalledWith(IPC.call, 'app.info', {});
    const off = deck.on('task.done', () => undefined);
    expect(send).toHaveBeenCalledWith(IPC.subscribe, 'task.done');
    off();
    expect(send).toHaveBeenCalledWith(IPC.unsubscribe, 'task.done');
    vi.doUnmock('electron');
  });
});
