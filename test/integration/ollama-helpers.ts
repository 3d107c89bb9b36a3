import type { Core } from '../../electron/core/app-core';
import { createCore } from '../../electron/core/app-core';
import { unwrap } from '../../electron/core/rpc/dispatcher';
import type { TaskSnapshot } from '../../electron/shared/contract/app';
import type { EventName, EventPayload, MethodInput, MethodName, MethodResult } from '../../electron/shared/contract';
import type { Envelope } from '../../electron/shared/contract';
import { afterEach } from 'vitest';
import { startOllamaFake } from '../fakes/ollama';
import { tempHome } from '../helpers/serve';

/** A core (real dispatcher, tasks, settings) whose settings point at the given Ollama URL. */
export async function coreFor(ollamaUrl: string, home = tempHome('slm-deck-ollama-')) {
  const core = await createCore({ home });
  await core.settings.set({ ollamaUrl });
  const ctx = { transport: 'cli' as const, signal: new AbortController().signal };
  const raw = (method: string, params: unknown): Promise<Envelope<unknown>> => core.dispatcher.call(method, params, ctx);
  const call = async <M extends MethodName>(method: M, params: MethodInput<M>): Promise<MethodResult<M>> =>
    unwrap(await core.dispatcher.call(method, params, ctx)) as MethodResult<M>;
  const events = <E extends EventName>(name: E) => {
    const seen: Array<EventPayload<E>> = [];
    core.bus.on(name, (p) => seen.push(p));
    return seen;
  };
  const wait = (taskId: string): Promise<TaskSnapshot> => core.tasks.wait(taskId);
  return { core, home, call, raw, events, wait };
}

export type TestCore = Awaited<ReturnType<typeof coreFor>>;

/** Every progress snapshot of one task, in order. */
export function progressOf(core: Core, taskId: () => string | undefined): TaskSnapshot[] {
  const seen: TaskSnapshot[] = [];
  core.bus.on('task.progress', (s) => {
    if (s.id === taskId()) seen.push(s);
  });
  return seen;
}

export type FakeOptions = Parameters<typeof startOllamaFake>[0];

/** Per-test Ollama fake plus a core pointed at it; both, and whatever `later` is given, close after each test. */
export function ollamaFixture(defaults: FakeOptions = {}) {
  const closers: Array<() => unknown> = [];
  afterEach(async () => {
    for (const f of closers.splice(0).reverse()) await f();
  });
  return {
    later: (...fns: Array<() => unknown>) => void closers.push(...fns),
    async setup(opts: FakeOptions = defaults) {
      const fake = await startOllamaFake(opts);
      const t = await coreFor(fake.url);
      closers.push(() => fake.close(), () => t.core.close());
      return { fake, t };
    },
  };
}
