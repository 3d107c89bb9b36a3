import type { ErrorInfo } from '../../shared/errors';
import { DeckError, isDeckError } from '../../shared/errors';
import { describeStreamError } from '../chat/protocols/http';
import type { ChatClient, ChatRequest } from '../chat/protocols/types';

export interface Measured {
  ttftMs: number | null;
  totalMs: number;
  promptTokens: number | null;
  completionTokens: number | null;
  decodeTps: number | null;
  tokenSource: 'server' | 'counted';
  error: ErrorInfo | null;
  /** The caller's signal ended it (cancel): not a failure of the backend. */
  aborted: boolean;
}

/**
 * Sends one streamed chat through the playground's protocol client and times what arrives:
 * the first token (content, reasoning or a tool-call fragment), the last one, and the
 * server's usage counters. All timing is taken here on the client, the same way for every
 * backend, so the figures compare.
 */
export async function measureRequest(o: {
  client: ChatClient;
  request: ChatRequest;
  signal: AbortSignal;
  timeoutMs: number;
  now: () => number;
  what: string;
}): Promise<Measured> {
  const timeout = AbortSignal.timeout(o.timeoutMs);
  const signal = AbortSignal.any([o.signal, timeout]);
  const t0 = o.now();
  let first: number | null = null;
  let last: number | null = null;
  let chunks = 0;
  let promptTokens: number | null = null;
  let serverTokens: number | null = null;
  let error: ErrorInfo | null = null;
  try {
    for await (const ev of o.client.chat({ ...o.request, stream: true }, signal)) {
      const t = o.now();
      if (ev.type === 'content' || ev.type === 'reasoning' || ev.type === 'tool_delta') {
        first ??= t;
        last = t;
        chunks++;
      } else if (ev.type === 'usage') {
        if (ev.promptTokens !== undefined) promptTokens = ev.promptTokens;
        if (ev.completionTokens !== undefined) serverTokens = ev.completionTokens;
      }
    }
  } catch (e) {
    if (o.signal.aborted) return { ...empty(o.now() - t0), aborted: true };
    error = timeout.aborted
      ? { code: 'timeout', message: `${o.what} gave no complete answer within ${Math.round(o.timeoutMs / 1000)} s.`, hint: 'Lower max tokens or concurrency, or raise the timeout.' }
      : toInfo(e, o.what);
  }
  const totalMs = o.now() - t0;
  if (error) return { ...empty(totalMs), ttftMs: first === null ? null : first - t0, error };
  const completion = serverTokens ?? (chunks || null);
  const decodeTps = completion !== null && completion > 1 && first !== null && last !== null && last > first ? (completion - 1) / ((last - first) / 1000) : null;
  return {
    ttftMs: first === null ? null : first - t0,
    totalMs,
    promptTokens,
    completionTokens: completion,
    decodeTps,
    tokenSource: serverTokens !== null ? 'server' : 'counted',
    error: null,
    aborted: false,
  };
}

function empty(totalMs: number): Measured {
  return { ttftMs: null, totalMs, promptTokens: null, completionTokens: null, decodeTps: null, tokenSource: 'counted', error: null, aborted: false };
}

/** A DeckError keeps its code and hint; a broken socket becomes a short server_error. */
export function toInfo(e: unknown, what: string): ErrorInfo {
  if (isDeckError(e)) return { code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}) };
  return new DeckError('server_error', `${what} broke off mid-answer (${describeStreamError(e)}).`, 'The server may have crashed or run out of memory; check its log.').toInfo();
}
