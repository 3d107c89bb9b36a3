import { DeckError } from '../../../shared/errors';

/** Where a request went, for messages a person can act on. */
export interface Target {
  url: string;
  /** e.g. "Ollama at http://127.0.0.1:11434" */
  what: string;
}

/**
 * fetch with the failures turned into DeckErrors: unreachable servers, HTTP errors with the
 * server's own message (Ollama `{error}`, OpenAI `{error:{message}}`, vLLM `{message}`).
 */
export async function request(target: Target, init: RequestInit & { signal: AbortSignal }): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(target.url, init);
  } catch (e) {
    if (init.signal.aborted) throw init.signal.reason ?? e;
    throw unreachable(target, e);
  }
  if (!res.ok) {
    const text = await res.text().catch(() => '');
    const message = serverMessage(text) ?? htmlSummary(text) ?? (text.slice(0, 200) || res.statusText);
    if (res.status === 404) {
      throw new DeckError(
        'not_found',
        `${target.what} answered 404: ${message}`,
        /model/i.test(message)
          ? 'Pick a model the server has (the model list is refreshed from the server), or pull it first.'
          : 'Check the URL: OpenAI-compatible servers serve /v1/chat/completions, Ollama serves /api/chat.',
      );
    }
    throw new DeckError('server_error', `${target.what} answered ${res.status}: ${message}`, 'Check the parameters and the server log.');
  }
  return res;
}

export function unreachable(target: Target, e: unknown): DeckError {
  const code = causeCode(e);
  return new DeckError(
    'server_unreachable',
    `Cannot reach ${target.what}${code ? ` (${code})` : ''}.`,
    'Is the server running? Start the deployment on the Deploy page, or check the URL of this backend.',
  );
}

/** The error a broken stream ends with, kept short: "other side closed", "ECONNRESET". */
export function describeStreamError(e: unknown): string {
  const code = causeCode(e);
  if (code) return code;
  const cause = e instanceof Error && e.cause instanceof Error ? e.cause.message : '';
  return cause || (e instanceof Error ? e.message : String(e));
}

function causeCode(e: unknown): string | undefined {
  let cur: unknown = e;
  for (let i = 0; i < 4 && cur && typeof cur === 'object'; i++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return code;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * A proxy's or web server's HTML error page, summarised by its title: pasting the page
 * itself into a message or a table cell is unreadable.
 */
export function htmlSummary(text: string): string | undefined {
  if (!/^\s*<(!doctype html|html|head|body)\b/i.test(text)) return undefined;
  const pick = (tag: string) => new RegExp(`<${tag}[^>]*>([\\s\\S]*?)</${tag}>`, 'i').exec(text)?.[1];
  const title = (pick('title') ?? pick('h1'))?.replace(/<[^>]+>/g, '').replace(/\s+/g, ' ').trim();
  return title ? `an HTML error page ("${title.slice(0, 120)}")` : 'an HTML error page';
}

export function serverMessage(text: string): string | undefined {
  try {
    const j = JSON.parse(text) as { error?: unknown; message?: unknown; detail?: unknown };
    if (typeof j.error === 'string') return j.error;
    if (j.error && typeof j.error === 'object' && typeof (j.error as { message?: unknown }).message === 'string') {
      return (j.error as { message: string }).message;
    }
    if (typeof j.message === 'string') return j.message;
    if (typeof j.detail === 'string') return j.detail;
  } catch {
    // not JSON: the caller falls back to the raw text
  }
  return undefined;
}

export function joinUrl(base: string, path: string): string {
  return base.replace(/\/+$/, '') + path;
}
