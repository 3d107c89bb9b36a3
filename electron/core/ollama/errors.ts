import { DeckError } from '../../shared/errors';

/** What a person can do when nothing answers at the Ollama URL. */
export function unreachableHint(url: string): string {
  return (
    `Start Ollama (the Ollama app, or \`ollama serve\`) so it listens on ${url}, or deploy the Ollama container ` +
    'from the Deploy page when Docker is available. The address is set in Settings → Ollama URL.'
  );
}

/** The system error code (ECONNREFUSED…) under fetch's "fetch failed", else the innermost message. */
function causeCode(e: unknown): string | undefined {
  let cur: unknown = e;
  let innermost: string | undefined;
  for (let depth = 0; cur && depth < 5; depth++) {
    const c = cur as { code?: unknown; errors?: unknown[]; cause?: unknown; message?: unknown };
    if (typeof c.code === 'string') return c.code;
    if (depth > 0 && typeof c.message === 'string' && c.message) innermost = c.message;
    if (Array.isArray(c.errors) && c.errors.length) cur = c.errors[0];
    else cur = c.cause;
  }
  return innermost;
}

/** A failure before any answer: refused, unknown host, timeout, or the caller cancelled. */
export function connectError(url: string, e: unknown, what: string, callerSignal?: AbortSignal): DeckError {
  if (callerSignal?.aborted) return new DeckError('cancelled', `${what}: cancelled.`);
  const name = (e as { name?: string })?.name;
  if (name === 'TimeoutError') {
    return new DeckError('timeout', `${what}: Ollama at ${url} did not answer in time.`, 'It may be busy loading a model; try again, or check the Ollama server log.');
  }
  const code = causeCode(e);
  const why =
    code === 'ECONNREFUSED'
      ? 'nothing is listening there'
      : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
        ? 'that host name does not resolve'
        : code
          ? `the connection failed (${code})`
          : 'the connection failed';
  return new DeckError('server_unreachable', `${what}: Ollama is not answering at ${url} (${why}).`, unreachableHint(url));
}

/** The connection broke while a stream was being read: Ollama stopped or crashed. */
export function midStreamError(url: string, e: unknown, what: string, callerSignal?: AbortSignal, resumable = false): DeckError {
  if (callerSignal?.aborted) return new DeckError('cancelled', `${what}: cancelled.`);
  const code = causeCode(e);
  return new DeckError(
    'server_unreachable',
    `${what}: Ollama at ${url} stopped answering in the middle of it${code ? ` (${code})` : ''}.`,
    resumable
      ? 'Start Ollama again and pull again: the part already downloaded is kept and the pull resumes from there.'
      : 'Start Ollama again and retry.',
  );
}

/** An `{"error": …}` answer, as an HTTP status or as a line mid-stream. */
export function ollamaError(url: string, status: number | null, message: string, what: string): DeckError {
  if (/pull model manifest: file does not exist|manifest unknown/i.test(message)) {
    return new DeckError(
      'not_found',
      `${what}: the Ollama library has no model by that name (${message}).`,
      'Check the name and tag on ollama.com/library, e.g. phi4-mini or phi4-mini:3.8b-q8_0.',
    );
  }
  if (status === 404) {
    return new DeckError('not_found', `${what}: ${message}.`, 'Check the name with `slm-deck models list`, or pull the model first.');
  }
  if (status === 400) {
    return new DeckError('invalid_input', `${what}: Ollama refused the request: ${message}.`, 'The message is Ollama\'s own; fix the named field and try again.');
  }
  return new DeckError(
    'server_error',
    `${what}: Ollama at ${url} reported an error: ${message}.`,
    /connection reset|max retries|timeout|EOF/i.test(message)
      ? 'The download from the Ollama library broke off; try again (finished parts are kept).'
      : 'See the Ollama server log for details.',
  );
}

/** Something answered, but not the way Ollama does. */
export function notOllamaError(url: string, status: number, path: string, what: string): DeckError {
  return new DeckError(
    'server_error',
    `${what}: ${url} answered HTTP ${status} for ${path}, which Ollama would not: is this an Ollama server?`,
    'Check Settings → Ollama URL; SLM Deck needs Ollama 0.5.5 or later.',
  );
}
