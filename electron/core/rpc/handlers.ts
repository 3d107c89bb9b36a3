import type { MethodName, MethodParams, MethodResult } from '../../shared/contract';

export type Transport = 'ipc' | 'websocket' | 'cli';

export interface CallContext {
  transport: Transport;
  /** Aborted when the caller goes away (socket closed, window reloaded). */
  signal: AbortSignal;
}

export type Handler<M extends MethodName> = (
  params: MethodParams<M>,
  ctx: CallContext,
) => Promise<MethodResult<M>> | MethodResult<M>;

export type Handlers = { [M in MethodName]: Handler<M> };

/** The handlers of one domain, e.g. `DomainHandlers<'settings'>` covers every `settings.*` method. */
export type DomainHandlers<D extends string> = { [M in Extract<MethodName, `${D}.${string}`>]: Handler<M> };
