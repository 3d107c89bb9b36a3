import fs from 'node:fs';
import path from 'node:path';
import type { Sink } from '../../shared/log';

export { consoleSink, createLogger, redact, silentLogger, type Level, type Logger, type Sink } from '../../shared/log';

const MAX_BYTES = 5 * 1024 * 1024;
const KEEP_FILES = 3;

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

