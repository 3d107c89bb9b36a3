import { DeckError, isDeckError } from '../../shared/errors';

const CONNECTION_CODES = new Set(['ENOENT', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'EACCES', 'EPERM', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'ENETUNREACH']);

/** The errno-style code of a failed request, if it failed before Docker answered. */
export function connectionErrorCode(e: unknown): string | null {
  if (!e || typeof e !== 'object') return null;
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string' && CONNECTION_CODES.has(code)) return code;
  const name = (e as { name?: unknown }).name;
  if (name === 'TimeoutError') return 'ETIMEDOUT';
  const msg = (e as { message?: unknown }).message;
  if (typeof msg === 'string' && /socket hang up/i.test(msg)) return 'ECONNRESET';
  return null;
}

export function httpStatus(e: unknown): number | null {
  const s = e && typeof e === 'object' ? (e as { statusCode?: unknown }).statusCode : undefined;
  return typeof s === 'number' ? s : null;
}

/** The daemon's own message ("No such container: x") rather than dockerode's "(HTTP code 404) ..." wrapper. */
export function daemonMessage(e: unknown): string {
  if (e && typeof e === 'object') {
    const json = (e as { json?: unknown }).json;
    if (json && typeof json === 'object' && typeof (json as { message?: unknown }).message === 'string') {
      return (json as { message: string }).message.trim();
    }
    if (typeof json === 'string' && json.trim()) return json.trim();
    const reason = (e as { reason?: unknown }).reason;
    const msg = (e as { message?: unknown }).message;
    // dockerode: "(HTTP code 404) unexpected - <daemon message>"
    if (typeof msg === 'string') return msg.replace(/^\(HTTP code \d+\)\s*([^-]*?\s-\s)?/, '').trim() || String(reason ?? '');
  }
  return String(e);
}

export function isAbort(e: unknown, signal?: AbortSignal): boolean {
  if (signal?.aborted) return true;
  return !!e && typeof e === 'object' && (e as { name?: unknown }).name === 'AbortError';
}

/**
 * Turns whatever dockerode threw into a DeckError a person can act on. `what` says what
 * we were doing ("start slm-deck-ollama").
 */
export function toDeckError(e: unknown, what: string, signal?: AbortSignal): DeckError {
  if (isDeckError(e)) return e;
  if (isAbort(e, signal)) {
    const reason = signal?.reason;
    return isDeckError(reason) ? reason : new DeckError('cancelled', `Cancelled: ${what}.`);
  }
  const conn = connectionErrorCode(e);
  if (conn) {
    return new DeckError(
      'docker_unavailable',
      `Lost the connection to Docker while trying to ${what} (${conn}).`,
      'Check that Docker is running (the Deploy page shows its status); SLM Deck reconnects by itself when it is back.',
    );
  }
  const status = httpStatus(e);
  const msg = daemonMessage(e);
  if (status === 404) return new DeckError('not_found', `Could not ${what}: ${msg}`, 'Refresh the list; it may have been removed outside SLM Deck.');
  if (status === 409) return new DeckError('conflict', `Could not ${what}: ${msg}`, 'Something with that name or in that state already exists; refresh and try again.');
  if (status === 304) return new DeckError('conflict', `Could not ${what}: it is already in that state.`);
  return new DeckError('docker_error', `Could not ${what}: ${msg}`, 'The Docker daemon refused the request; its message above says why.');
}
