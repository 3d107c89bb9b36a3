import type { Command } from 'commander';
import type { MethodInput, MethodName, MethodResult } from '../shared/contract';
import { createCore, type Core } from '../core/app-core';
import { logMigration, prepareHome } from '../core/home';
import { unwrap } from '../core/rpc/dispatcher';
import { fail } from './output';

/** CLI verbs go through the same dispatcher as the app, in-process. */
export interface CliContext {
  core: Core;
  call<M extends MethodName>(method: M, params: MethodInput<M>): Promise<MethodResult<M>>;
}

export async function openCore(cmd: Command): Promise<CliContext> {
  const verbose = Boolean(cmd.optsWithGlobals().verbose);
  const prepared = prepareHome();
  const core = await createCore({ home: prepared.home, logToConsole: verbose, logLevel: verbose ? 'debug' : 'info' });
  logMigration(core.log, prepared);
  const signal = new AbortController().signal;
  return {
    core,
    call: async (method, params) =>
      unwrap(await core.dispatcher.call(method, params, { transport: 'cli', signal })) as never,
  };
}

/**
 * Runs a verb with a core, closes it and exits with the code the verb returns (default 0);
 * every failure goes through fail().
 */
export function verb<A extends unknown[]>(fn: (ctx: CliContext, cmd: Command, ...args: A) => Promise<number | void>) {
  return async (...all: unknown[]) => {
    const cmd = all[all.length - 1] as Command;
    try {
      const ctx = await openCore(cmd);
      const code = await fn(ctx, cmd, ...(all.slice(0, -1) as A));
      await ctx.core.close();
      process.exit(code ?? 0);
    } catch (e) {
      fail(cmd, e);
    }
  };
}
