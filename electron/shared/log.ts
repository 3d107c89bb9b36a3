/**
 * The one logger: JSON lines with a scope, secrets masked, written to sinks. Pure TypeScript,
 * so both the core and the engine process use it without importing each other; the file sink
 * (Node's fs) lives in core/log/logger.ts.
 */

export type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const SECRET_KEY = /token|secret|password|authorization|api[-_]?key/i;

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(scope: string): Logger;
}

export interface Sink {
  write(line: string, level: Level): void;
}

/** Warnings and errors to stderr, the rest to stdout. */
export const consoleSink: Sink = {
  write: (line, level) => (level === 'error' || level === 'warn' ? console.error(line) : console.log(line)),
};

/** Secrets never reach a log: any field whose name looks like a credential is masked. */
export function redact(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) {
    if (SECRET_KEY.test(k)) out[k] = '[redacted]';
    else if (v && typeof v === 'object' && !Array.isArray(v)) out[k] = redact(v as Record<string, unknown>);
    else out[k] = v;
  }
  return out;
}

export function createLogger(sinks: Sink[], minLevel: Level = 'info', scope = 'app'): Logger {
  const log = (level: Level, msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[level] < ORDER[minLevel]) return;
    const line = JSON.stringify({ t: new Date().toISOString(), level, scope, msg, ...(fields ? redact(fields) : {}) });
    for (const s of sinks) s.write(line, level);
  };
  return {
    debug: (m, f) => log('debug', m, f),
    info: (m, f) => log('info', m, f),
    warn: (m, f) => log('warn', m, f),
    error: (m, f) => log('error', m, f),
    child: (s) => createLogger(sinks, minLevel, `${scope}.${s}`),
  };
}

export const silentLogger: Logger = createLogger([], 'error');
