import { PassThrough, Readable } from 'node:stream';
import type Docker from 'dockerode';
import type { LogLine } from '../../shared/contract/docker';
import { toDeckError } from './errors';

const TS = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})) /;

/** `2024-05-01T10:00:00.123456789Z text` -> time + text (Docker adds the stamp with timestamps=true). */
export function splitTimestamp(line: string): { time: string; text: string } {
  const m = TS.exec(line);
  return m ? { time: m[1], text: line.slice(m[0].length) } : { time: '', text: line };
}

/** Splits a byte stream into lines, keeping a partial last line until the next chunk. */
function lineSplitter(onLine: (line: string) => void): { push(chunk: Buffer): void; end(): void } {
  let rest = '';
  return {
    push(chunk) {
      rest += chunk.toString('utf8');
      let i: number;
      while ((i = rest.indexOf('\n')) >= 0) {
        onLine(rest.slice(0, i).replace(/\r$/, ''));
        rest = rest.slice(i + 1);
      }
    },
    end() {
      if (rest) onLine(rest.replace(/\r$/, ''));
      rest = '';
    },
  };
}

/**
 * Demultiplexes a Docker log stream (8-byte frame headers per chunk; containers without a
 * TTY) into stdout and stderr lines, through docker-modem's demuxStream.
 */
export function demuxLines(
  docker: Docker,
  stream: NodeJS.ReadableStream,
  tty: boolean,
  container: string,
  onLine: (l: LogLine) => void,
): Promise<void> {
  const emit = (s: LogLine['stream']) => (raw: string) => onLine({ stream: s, container, ...splitTimestamp(raw) });
  const out = lineSplitter(emit('stdout'));
  const err = lineSplitter(emit('stderr'));
  return new Promise((resolve, reject) => {
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      out.end();
      err.end();
      resolve();
    };
    let sourceDone: () => void;
    if (tty) {
      stream.on('data', (c: Buffer) => out.push(c));
      sourceDone = finish;
    } else {
      const o = new PassThrough();
      const e = new PassThrough();
      o.on('data', (c: Buffer) => out.push(c));
      e.on('data', (c: Buffer) => err.push(c));
      // The pass-throughs may still hold the last frames when the source ends: drain them first.
      let open = 2;
      const drained = () => (--open === 0 ? finish() : undefined);
      o.on('end', drained);
      e.on('end', drained);
      docker.modem.demuxStream(stream, o, e);
      sourceDone = () => {
        if (!o.writableEnded) o.end();
        if (!e.writableEnded) e.end();
      };
    }
    stream.on('end', () => sourceDone());
    stream.on('close', () => sourceDone());
    stream.on('error', reject);
  });
}

async function isTty(docker: Docker, id: string): Promise<boolean> {
  const info = await docker.getContainer(id).inspect();
  return Boolean(info.Config?.Tty);
}

/** The last `tail` lines of one container, oldest first. */
export async function readLogs(docker: Docker, container: string, tail: number): Promise<LogLine[]> {
  try {
    const tty = await isTty(docker, container);
    const buf = (await docker.getContainer(container).logs({ stdout: true, stderr: true, timestamps: true, tail, follow: false })) as unknown as Buffer;
    const lines: LogLine[] = [];
    await demuxLines(docker, Readable.from([Buffer.isBuffer(buf) ? buf : Buffer.from(String(buf))]), tty, container, (l) => lines.push(l));
    return lines;
  } catch (e) {
    throw toDeckError(e, `read the logs of ${container}`);
  }
}

/** Case-insensitive substring filter, the "search" box of the logs panel. */
export function searchLines(lines: LogLine[], query: string | undefined): LogLine[] {
  const q = query?.trim().toLowerCase();
  return q ? lines.filter((l) => l.text.toLowerCase().includes(q)) : lines;
}

/** Merges per-container logs by timestamp (stable for equal or missing stamps). */
export function mergeByTime(groups: LogLine[][]): LogLine[] {
  return groups
    .flat()
    .map((l, i) => ({ l, i }))
    .sort((a, b) => (a.l.time && b.l.time && a.l.time !== b.l.time ? (a.l.time < b.l.time ? -1 : 1) : a.i - b.i))
    .map((x) => x.l);
}

/**
 * Collects lines and hands them over in frames (about every 50 ms), so a chatty server
 * becomes a few UI updates a second rather than one per line.
 */
export class LineBatcher {
  private pending: LogLine[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private flushTo: (lines: LogLine[]) => void,
    private intervalMs = 50,
    private maxLines = 1000,
  ) {}

  push(l: LogLine): void {
    this.pending.push(l);
    if (this.pending.length >= this.maxLines) this.flush();
    else if (!this.timer) this.timer = setTimeout(() => this.flush(), this.intervalMs);
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.pending.length) return;
    const out = this.pending;
    this.pending = [];
    this.flushTo(out);
  }
}

/**
 * Follows one container's logs until the signal aborts or the container stops. Resolves
 * when the stream ends; the caller decides what that means.
 */
export async function followLogs(
  docker: Docker,
  container: string,
  opts: { tail: number; signal: AbortSignal; onLine: (l: LogLine) => void },
): Promise<void> {
  let stream: NodeJS.ReadableStream;
  let tty: boolean;
  try {
    tty = await isTty(docker, container);
    stream = (await docker.getContainer(container).logs({
      stdout: true,
      stderr: true,
      timestamps: true,
      tail: opts.tail,
      follow: true,
      abortSignal: opts.signal,
    })) as unknown as NodeJS.ReadableStream;
  } catch (e) {
    throw toDeckError(e, `follow the logs of ${container}`, opts.signal);
  }
  const stop = () => (stream as unknown as { destroy?: () => void }).destroy?.();
  opts.signal.addEventListener('abort', stop, { once: true });
  try {
    await demuxLines(docker, stream, tty, container, opts.onLine);
  } catch (e) {
    if (!opts.signal.aborted) throw toDeckError(e, `follow the logs of ${container}`);
  } finally {
    opts.signal.removeEventListener('abort', stop);
  }
}
