import { z } from 'zod';
import { isMethodName, methods, type Envelope } from '../../shared/contract';
import { DeckError, isDeckError, type ErrorInfo } from '../../shared/errors';
import type { Logger } from '../log/logger';
import type { CallContext, Handlers } from './handlers';

/**
 * The single entry point of every transport: checks the method exists, validates input
 * with the contract's schema, runs the handler and wraps the outcome in an envelope.
 */
export class Dispatcher {
  constructor(
    private handlers: Handlers,
    private log: Logger,
  ) {}

  async call(method: string, params: unknown, ctx: CallContext): Promise<Envelope<unknown>> {
    if (!isMethodName(method)) {
      return fail({
        code: 'unknown_method',
        message: `Unknown method "${method}".`,
        hint: 'Run `slm-deck --help` or call app.methods for the list of methods.',
      });
    }
    const def = methods[method];
    const parsed = def.input.safeParse(params ?? {});
    if (!parsed.success) {
      return fail({
        code: 'invalid_input',
        message: `Invalid input for ${method}: ${describeIssues(parsed.error)}`,
        hint: 'Check the highlighted fields and try again.',
        details: parsed.error.issues.map((i) => ({ path: i.path.map(String), message: i.message })),
      });
    }
    try {
      const handler = this.handlers[method] as (p: unknown, c: CallContext) => unknown;
      const result = await handler(parsed.data, ctx);
      return { ok: true, result };
    } catch (e) {
      if (isDeckError(e)) return fail(e.toInfo());
      this.log.error('handler failed', { method, error: e instanceof Error ? e.stack ?? e.message : String(e) });
      return fail({
        code: 'internal',
        message: `${method} failed: ${e instanceof Error ? e.message : String(e)}`,
        hint: 'This is a bug in SLM Deck; the log file has the details.',
      });
    }
  }
}

function fail(error: ErrorInfo): Envelope<never> {
  return { ok: false, error };
}

export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ');
}

/** Unwraps an envelope for in-process callers (CLI, tests). */
export function unwrap<T>(env: Envelope<T>): T {
  if (env.ok) return env.result;
  throw new DeckError(env.error.code, env.error.message, env.error.hint, env.error.details);
}
