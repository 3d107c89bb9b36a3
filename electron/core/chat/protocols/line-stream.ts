/**
 * Splits a byte stream into text lines (LF or CRLF), decoding UTF-8 across chunk
 * boundaries. The last line is yielded even without a trailing newline.
 */
export async function* readLines(body: ReadableStream<Uint8Array>, signal?: AbortSignal): AsyncGenerator<string> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const onAbort = () => void reader.cancel().catch(() => undefined);
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.endsWith('\r', nl) ? buffer.slice(0, nl - 1) : buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        yield line;
      }
    }
    buffer += decoder.decode();
    if (buffer.length) yield buffer.endsWith('\r') ? buffer.slice(0, -1) : buffer;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    reader.releaseLock();
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
export async function* readSse(lines: AsyncIterable<string>): AsyncGenerator<SseEvent> {
  let event = '';
  let data: string[] = [];
  for await (const line of lines) {
    if (line === '') {
      if (data.length) yield { event: event || 'message', data: data.join('\n') };
      event = '';
      data = [];
      continue;
    }
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') data.push(value);
    else if (field === 'event') event = value;
  }
  // A server that closes without the final blank line still meant its last event.
  if (data.length) yield { event: event || 'message', data: data.join('\n') };
}
