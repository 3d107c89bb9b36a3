/**
 * Stream parsing for model servers (NDJSON and SSE), synchronous at its core: a network read often carries
 * many events, and handling them in one pass keeps the per-token cost to a few microseconds.
 */

/** Decoded text of a byte stream, UTF-8 safe across chunk boundaries; cancels on abort. */
export async function* readText(body: ReadableStream<Uint8Array>, signal?: AbortSignal): AsyncGenerator<string> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const onAbort = () => void reader.cancel().catch(() => undefined);
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const text = decoder.decode(value, { stream: true });
      if (text) yield text;
    }
    const rest = decoder.decode();
    if (rest) yield rest;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    // A consumer that stops early must not leave the connection open.
    await reader.cancel().catch(() => undefined);
  }
}

/**
 * Splits text into lines (LF or CRLF); `end()` returns a last line without newline. Byte
 * chunks (a Node stream's Buffers, e.g. Docker's NDJSON) are decoded as UTF-8 across chunk
 * boundaries, so a character split between two reads stays whole.
 */
export class LineSplitter {
  private buffer = '';
  private decoder: InstanceType<typeof TextDecoder> | null = null;

  push(chunk: string | Uint8Array): string[] {
    this.buffer += typeof chunk === 'string' ? chunk : (this.decoder ??= new TextDecoder()).decode(chunk, { stream: true });
    const out: string[] = [];
    let start = 0;
    let nl: number;
    while ((nl = this.buffer.indexOf('\n', start)) >= 0) {
      out.push(this.buffer.charCodeAt(nl - 1) === 13 && nl > start ? this.buffer.slice(start, nl - 1) : this.buffer.slice(start, nl));
      start = nl + 1;
    }
    this.buffer = this.buffer.slice(start);
    return out;
  }

  end(): string[] {
    if (this.decoder) this.buffer += this.decoder.decode();
    const rest = this.buffer.endsWith('\r') ? this.buffer.slice(0, -1) : this.buffer;
    this.buffer = '';
    return rest ? [rest] : [];
  }
}

export interface SseEvent {
  event: string;
  data: string;
}

/**
 * Server-sent events per the WHATWG spec, reduced to what chat servers use: `event:` and
 * (multi-line) `data:` fields, dispatched on a blank line; comments and ids ignored.
 */
export class SseParser {
  private event = '';
  private data: string[] = [];

  /** Feeds one line; returns an event when the line completes one. */
  push(line: string): SseEvent | null {
    if (line === '') {
      const ev = this.data.length ? { event: this.event || 'message', data: this.data.join('\n') } : null;
      this.event = '';
      this.data = [];
      return ev;
    }
    if (line.charCodeAt(0) === 58 /* : */) return null;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.event = value;
    return null;
  }

  /** A server that closes without the final blank line still meant its last event. */
  end(): SseEvent | null {
    return this.push('');
  }
}

/** Lines of a byte stream (NDJSON). */
export async function* readLines(body: ReadableStream<Uint8Array>, signal?: AbortSignal): AsyncGenerator<string> {
  const lines = new LineSplitter();
  for await (const text of readText(body, signal)) yield* lines.push(text);
  yield* lines.end();
}

/** Events of an SSE byte stream. */
export async function* readSse(body: ReadableStream<Uint8Array>, signal?: AbortSignal): AsyncGenerator<SseEvent> {
  const lines = new LineSplitter();
  const sse = new SseParser();
  for await (const text of readText(body, signal)) {
    for (const line of lines.push(text)) {
      const ev = sse.push(line);
      if (ev) yield ev;
    }
  }
  for (const line of lines.end()) {
    const ev = sse.push(line);
    if (ev) yield ev;
  }
  const last = sse.end();
  if (last) yield last;
}
