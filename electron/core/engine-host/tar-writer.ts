import { createReadStream, promises as fs } from 'node:fs';
import { Readable } from 'node:stream';

/** One regular file of an archive: content from a file on disk or from memory. */
export interface TarEntry {
  /** Path inside the archive, with forward slashes. */
  name: string;
  source: { file: string } | { data: Buffer };
  mode?: number;
}

const BLOCK = 512;

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, '0') + '\0';
}

/** Splits a long path into the ustar prefix (<= 155) and name (<= 100) at a slash. */
export function splitName(name: string): { prefix: string; name: string } {
  if (Buffer.byteLength(name) <= 100) return { prefix: '', name };
  for (let i = name.indexOf('/'); i >= 0; i = name.indexOf('/', i + 1)) {
    const prefix = name.slice(0, i);
    const rest = name.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(rest) <= 100) return { prefix, name: rest };
  }
  throw new Error(`Path too long for a tar archive: ${name}`);
}

/** A POSIX ustar header for a regular file. */
export function tarHeader(name: string, size: number, mode = 0o644, mtime = 0): Buffer {
  const h = Buffer.alloc(BLOCK, 0);
  const parts = splitName(name);
  h.write(parts.name, 0, 100, 'utf8');
  h.write(octal(mode & 0o7777, 8), 100, 8, 'ascii');
  h.write(octal(0, 8), 108, 8, 'ascii');
  h.write(octal(0, 8), 116, 8, 'ascii');
  h.write(octal(size, 12), 124, 12, 'ascii');
  h.write(octal(mtime, 12), 136, 12, 'ascii');
  h.write('        ', 148, 8, 'ascii');
  h.write('0', 156, 1, 'ascii');
  h.write('ustar\0', 257, 6, 'ascii');
  h.write('00', 263, 2, 'ascii');
  h.write(parts.prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(octal(sum, 7) + ' ', 148, 8, 'ascii');
  return h;
}

const padding = (size: number) => Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK, 0);

/**
 * Streams a tar archive of the entries, reading files as it goes (the build context can hold
 * tens of MB of native libraries; nothing is buffered whole). Timestamps are zero so the same
 * files make the same archive.
 */
export function tarStream(entries: TarEntry[]): Readable {
  async function* gen(): AsyncGenerator<Buffer> {
    for (const e of entries) {
      if ('data' in e.source) {
        yield tarHeader(e.name, e.source.data.length, e.mode);
        yield e.source.data;
        yield padding(e.source.data.length);
        continue;
      }
      const st = await fs.stat(e.source.file);
      yield tarHeader(e.name, st.size, e.mode ?? st.mode);
      let n = 0;
      for await (const chunk of createReadStream(e.source.file)) {
        n += (chunk as Buffer).length;
        yield chunk as Buffer;
      }
      if (n !== st.size) throw new Error(`${e.source.file} changed while it was being archived`);
      yield padding(st.size);
    }
    yield Buffer.alloc(BLOCK * 2, 0);
  }
  return Readable.from(gen());
}

/** Size of the archive the entries make (for progress). */
export async function tarSize(entries: TarEntry[]): Promise<number> {
  let total = BLOCK * 2;
  for (const e of entries) {
    const size = 'data' in e.source ? e.source.data.length : (await fs.stat(e.source.file)).size;
    total += BLOCK + size + ((BLOCK - (size % BLOCK)) % BLOCK);
  }
  return total;
}
