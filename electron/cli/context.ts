import type { Command } from 'commander';
import type { MethodInput, MethodName, MethodResult } from '../shared/contract';
import { createCore, type Core } from '../core/app-core';
import { resolveHome } from '../core/home';
import { unwrap } from '../core/rpc/dispatcher';

/** CLI verbs go through the same dispatcher as the app, in-process. */
export interface CliContext {
  core: Core;
  call<M extends MethodName>(method: M, params: MethodInput<M>): Promise<MethodResult<M>>;
}

export async function openCore(cmd: Command): Promise<CliContext> {
  const verbose = Boolean(cmd.optsWithGlobals().verbose);
  const core = await createCore({ home: resolveHome(), logToConsole: verbose, logLevel: verbose ? 'debug' : 'info' });
  const signal = new AbortController().signal;
  return {
    core,
    call: async (method, params) =>
      unwrap(await core.dispatcher.call(method, params, { transport: 'cli', signal })) as never,
  };
}
