/**
 * Newline-delimited JSON from a fetch body: yields one parsed value per line, across chunk
 * boundaries and multi-byte characters. A body that breaks off mid-line throws the
 * underlying error (the caller decides what it means).
 */
export async function* readNdjson(body: ReadableStream<Uint8Array>): AsyncGenerator<unknown> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let nl: number;
      while ((nl = buffer.indexOf('\n')) !== -1) {
        const line = buffer.slice(0, nl).trim();
        buffer = buffer.slice(nl + 1);
        if (line) yield parseLine(line);
      }
    }
    buffer += decoder.decode();
    if (buffer.trim()) yield parseLine(buffer.trim());
  } finally {
    await reader.cancel().catch(() => undefined);
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
