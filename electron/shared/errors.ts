/** Error codes shared by every transport. The UI maps a code to an icon and shows message + hint. */
export const ERROR_CODES = [
  'invalid_input',
  'unknown_method',
  'not_found',
  'conflict',
  'cancelled',
  'timeout',
  'unauthorized',
  'docker_unavailable',
  'docker_error',
  'registry_error',
  'port_in_use',
  'insufficient_resources',
  'server_unreachable',
  'server_error',
  'model_load_failed',
  'settings_corrupt',
  'io_error',
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ErrorInfo {
  code: ErrorCode;
  message: string;
  hint?: string;
  details?: unknown;
}

/** The one error type services throw; the dispatcher turns it into an envelope. */
export class DeckError extends Error {
  readonly code: ErrorCode;
  readonly hint?: string;
  readonly details?: unknown;
  constructor(code: ErrorCode, message: string, hint?: string, details?: unknown) {
    super(message);
    this.name = 'DeckError';
    this.code = code;
    this.hint = hint;
    this.details = details;
  }
  toInfo(): ErrorInfo {
    const info: ErrorInfo = { code: this.code, message: this.message };
    if (this.hint) info.hint = this.hint;
    if (this.details !== undefined) info.details = this.details;
    return info;
  }
}

export function isDeckError(e: unknown): e is DeckError {
  return e instanceof DeckError;
}
