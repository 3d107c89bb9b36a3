import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { IPC } from '../shared/ipc-channels';

type Listener = (payload: unknown) => void;
const listeners = new Map<string, Set<Listener>>();

ipcRenderer.on(IPC.event, (_e: IpcRendererEvent, name: string, payload: unknown) => {
  for (const fn of listeners.get(name) ?? []) fn(payload);
});

/** The renderer's whole view of the main process: call a contract method, listen to an event. */
contextBridge.exposeInMainWorld('deck', {
  call: (method: string, params: unknown) => ipcRenderer.invoke(IPC.call, String(method), params),
  on: (event: string, listener: Listener) => {
    const name = String(event);
    let set = listeners.get(name);
    if (!set) {
      set = new Set();
      listeners.set(name, set);
      ipcRenderer.send(IPC.subscribe, name);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) {
        listeners.delete(name);
        ipcRenderer.send(IPC.unsubscribe, name);
      }
    };
  },
});
