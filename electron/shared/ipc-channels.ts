/** Electron IPC channel names, shared by main and the preload (esbuild inlines them into the sandboxed preload bundle). */
export const IPC = { call: 'deck:call', subscribe: 'deck:subscribe', unsubscribe: 'deck:unsubscribe', event: 'deck:event' } as const;
