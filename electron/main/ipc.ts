import type { IpcMain, IpcMainEvent, IpcMainInvokeEvent, WebContents } from 'electron';
import { isEventName, type EventName } from '../shared/contract';
import type { Core } from '../core/app-core';
import { IPC } from '../shared/ipc-channels';

/** Only our own pages may talk to the core (never a navigated-away or injected frame). */
export type SenderCheck = (url: string) => boolean;

/**
 * The IPC transport: one invoke channel for every contract method, and event subscriptions
 * scoped to the window that made them (dropped when it is destroyed or reloads).
 */
export function bindIpc(core: Core, ipcMain: IpcMain, isTrusted: SenderCheck): () => void {
  const subs = new Map<number, Map<EventName, () => void>>();
  const aborts = new Map<number, AbortController>();

  const scope = (wc: WebContents) => {
    let map = subs.get(wc.id);
    if (!map) {
      map = new Map();
      subs.set(wc.id, map);
      const abort = new AbortController();
      aborts.set(wc.id, abort);
      // A reload or another document ends the page; the app's own hash routing does not.
      const onNavigate = (e: { isMainFrame: boolean; isSameDocument: boolean }) => {
        if (e.isMainFrame && !e.isSameDocument) drop();
      };
      const drop = () => {
        for (const off of map!.values()) off();
        subs.delete(wc.id);
        aborts.get(wc.id)?.abort();
        aborts.delete(wc.id);
        wc.off('did-start-navigation', onNavigate);
      };
      wc.once('destroyed', drop);
      wc.on('did-start-navigation', onNavigate);
    }
    return map;
  };

  ipcMain.handle(IPC.call, async (e: IpcMainInvokeEvent, method: unknown, params: unknown) => {
    if (!isTrusted(e.senderFrame?.url ?? '')) {
      return { ok: false, error: { code: 'unauthorized', message: 'Calls are only accepted from the SLM Deck window.' } };
    }
    scope(e.sender);
    return core.dispatcher.call(String(method), params, {
      transport: 'ipc',
      signal: aborts.get(e.sender.id)!.signal,
    });
  });

  const onSubscribe = (e: IpcMainEvent, name: unknown) => {
    if (!isTrusted(e.senderFrame?.url ?? '') || typeof name !== 'string' || !isEventName(name)) return;
    const map = scope(e.sender);
    if (map.has(name)) return;
    const wc = e.sender;
    map.set(
      name,
      core.bus.on(name, (payload) => {
        if (!wc.isDestroyed()) wc.send(IPC.event, name, payload);
      }),
    );
  };
  const onUnsubscribe = (e: IpcMainEvent, name: unknown) => {
    const map = subs.get(e.sender.id);
    if (!map || typeof name !== 'string' || !isEventName(name)) return;
    map.get(name)?.();
    map.delete(name);
  };
  ipcMain.on(IPC.subscribe, onSubscribe);
  ipcMain.on(IPC.unsubscribe, onUnsubscribe);

  return () => {
    ipcMain.removeHandler(IPC.call);
    ipcMain.removeListener(IPC.subscribe, onSubscribe);
    ipcMain.removeListener(IPC.unsubscribe, onUnsubscribe);
    for (const map of subs.values()) for (const off of map.values()) off();
    subs.clear();
  };
}
