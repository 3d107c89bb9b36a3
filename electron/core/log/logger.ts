import fs from 'node:fs';
import path from 'node:path';

export type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const SECRET_KEY = /token|secret|password|authorization|api[-_]?key/i;
const MAX_BYTES = 5 * 1024 * 1024;
const KEEP_FILES = 3;

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(scope: string): Logger;
}

interface Sink {
  write(line: string, level: Level): void;
}

/** Appends JSON lines to a file (0600: logs name hosts, models and paths) and rotates it at 5 MB, keeping three old files. */
export class FileSink implements Sink {
  private size: number;
  constructor(readonly file: string) {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    this.size = fs.existsSync(file) ? fs.statSync(file).size : 0;
    // Files written by earlier versions were world-readable.
    if (this.size > 0) fs.chmodSync(file, 0o600);
  }
  write(line: string): void {
    if (this.size + line.length > MAX_BYTES) this.rotate();
    fs.appendFileSync(this.file, line + '\n', { mode: 0o600 });
    this.size += line.length + 1;
  }
  private rotate(): void {
    for (let i = KEEP_FILES - 1; i >= 1; i--) {
      const from = `${this.file}.${i}`;
      if (fs.existsSync(from)) fs.renameSync(from, `${this.file}.${i + 1}`);
    }
    if (fs.existsSync(this.file)) fs.renameSync(this.file, `${this.file}.1`);
    this.size = 0;
  }
}

export const consoleSink: Sink = {
  write: (line, level) => (level === 'error' || level === 'warn' ? process.stderr : process.stdout).write(line + '\n'),
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
