import type { z } from 'zod';
import type { ErrorInfo } from './errors';
import { appEvents, appMethods } from './contract/app';
import { backendsMethods } from './contract/backends';
import { benchEvents, benchMethods } from './contract/bench';
import { chatEvents, chatMethods } from './contract/chat';
import { dockerEvents, dockerMethods } from './contract/docker';
import { engineEvents, engineMethods } from './contract/engine';
import { hardwareMethods } from './contract/hardware';
import { metricsEvents, metricsMethods } from './contract/metrics';
import { ollamaEvents, ollamaMethods } from './contract/ollama';

/**
 * The one contract: every RPC method and event, declared once with zod schemas. The
 * dispatcher, the IPC and WebSocket transports, the CLI and the renderer client all derive
 * from these maps. Each domain keeps its schemas in contract/<domain>.ts.
 */
export const methods = {
  ...appMethods,
  ...metricsMethods,
  ...chatMethods,
  ...dockerMethods,
  ...hardwareMethods,
  ...ollamaMethods,
  ...benchMethods,
  ...engineMethods,
  ...backendsMethods,
};

export const events = {
  ...appEvents,
  ...metricsEvents,
  ...chatEvents,
  ...dockerEvents,
  ...ollamaEvents,
  ...benchEvents,
  ...engineEvents,
};

export type Methods = typeof methods;
export type MethodName = keyof Methods;
export type MethodInput<M extends MethodName> = z.input<Methods[M]['input']>;
export type MethodParams<M extends MethodName> = z.output<Methods[M]['input']>;
export type MethodResult<M extends MethodName> = z.output<Methods[M]['output']>;

export type Events = typeof events;
export type EventName = keyof Events;
export type EventPayload<E extends EventName> = z.output<Events[E]['payload']>;

export type Envelope<T> = { ok: true; result: T } | { ok: false; error: ErrorInfo };

export function isMethodName(name: string): name is MethodName {
  return Object.prototype.hasOwnProperty.call(methods, name);
}
export function isEventName(name: string): name is EventName {
  return Object.prototype.hasOwnProperty.call(events, name);
}

/** Wire messages of the WebSocket transport. */
export type ClientMessage =
  | { type: 'call'; id: number; method: string; params: unknown }
  | { type: 'subscribe'; event: string }
  | { type: 'unsubscribe'; event: string };
export type ServerMessage =
  | { type: 'result'; id: number; envelope: Envelope<unknown> }
  | { type: 'event'; event: string; payload: unknown }
  | { type: 'error'; error: ErrorInfo };
