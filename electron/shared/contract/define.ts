import type { z } from 'zod';

/** A method of the RPC contract: input and output schemas plus a one-line description. */
export interface MethodDef<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  input: I;
  output: O;
  description: string;
  /** Long operations return `{ taskId }` at once; the task reports progress as events. */
  task?: boolean;
}

export interface EventDef<P extends z.ZodType = z.ZodType> {
  payload: P;
  description: string;
}

export const method = <I extends z.ZodType, O extends z.ZodType>(
  input: I,
  output: O,
  description: string,
  opts: { task?: boolean } = {},
): MethodDef<I, O> => ({ input, output, description, ...opts });

export const event = <P extends z.ZodType>(payload: P, description: string): EventDef<P> => ({
  payload,
  description,
});
