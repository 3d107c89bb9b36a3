import { create } from 'zustand';
import type { ConnectionState } from '../api/transport';

interface ConnectionStore {
  state: ConnectionState;
  transport: 'ipc' | 'websocket';
  set(state: ConnectionState, transport: 'ipc' | 'websocket'): void;
}

export const useConnection = create<ConnectionStore>((set) => ({
  state: 'connecting',
  transport: 'websocket',
  set: (state, transport) => set({ state, transport }),
}));
