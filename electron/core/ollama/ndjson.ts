import { readLines } from '../http/line-stream';

/**
 * Newline-delimited JSON from a fetch body: yields one parsed value per line, across chunk
 * boundaries and multi-byte characters. A body that breaks off mid-line throws the
 * underlying error (the caller decides what it means).
 */
export async function* readNdjson(body: ReadableStream<Uint8Array>): AsyncGenerator<unknown> {
  for await (const line of readLines(body)) {
    const trimmed = line.trim();
    if (trimmed) yield parseLine(trimmed);
  }
}

export class MalformedLineError extends Error {
  constructor(readonly line: string) {
    super(`not a JSON line: ${line.slice(0, 120)}`);
  }
}

function parseLine(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    throw new MalformedLineError(line);
  }
}
