import { QueryClient } from '@tanstack/react-query';
import type { EventName, EventPayload, MethodInput, MethodName, MethodResult } from '../../../electron/shared/contract';
import type { ErrorInfo } from '../../../electron/shared/errors';
import { useConnection } from '../stores/connection';
import { takeToken, WsBridge, type DeckBridge } from './transport';

/** A failed call as the UI sees it: code, message and a hint to show. */
export class DeckClientError extends Error {
  constructor(readonly info: ErrorInfo) {
    super(info.message);
  }
}

export const queryClient = new QueryClient({
  defaultOptions: { queries: { retry: false, refetchOnWindowFocus: false, staleTime: 2_000 } },
});

function createBridge(): DeckBridge {
  if (window.deck) {
    useConnection.getState().set('open', 'ipc');
    return window.deck;
  }
  return new WsBridge(
    takeToken(),
    (s) => useConnection.getState().set(s, 'websocket'),
    () => void queryClient.invalidateQueries(),
  );
}

const bridge = createBridge();

export async function call<M extends MethodName>(method: M, params: MethodInput<M>): Promise<MethodResult<M>> {
  const env = await bridge.call(method, params);
  if (!env.ok) throw new DeckClientError(env.error);
  return env.result as MethodResult<M>;
}

export function subscribe<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
  return bridge.on(event, listener as (p: unknown) => void);
}
