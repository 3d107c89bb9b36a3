import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readLines, readSse } from '../../electron/core/http/line-stream';
import { ThinkSplitter } from '../../electron/core/chat/think-splitter';

function streamOf(chunks: (string | Uint8Array)[]): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  return new ReadableStream({
    start(c) {
      for (const ch of chunks) c.enqueue(typeof ch === 'string' ? enc.encode(ch) : ch);
      c.close();
    },
  });
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/** Cuts a string into pieces at the given (sorted, deduplicated) offsets. */
function cut(s: string, at: number[]): string[] {
  const points = [...new Set(at.map((a) => a % (s.length + 1)))].sort((a, b) => a - b);
  const out: string[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(s.slice(prev, p));
    prev = p;
  }
  out.push(s.slice(prev));
  return out;
}

describe('line and SSE reader', () => {
  it('splits LF and CRLF lines and keeps a last line without newline', async () => {
    expect(await collect(readLines(streamOf(['a\r\nb', '\nc'])))).toEqual(['a', 'b', 'c']);
  });

  it('decodes a UTF-8 character split across chunks', async () => {
    const bytes = new TextEncoder().encode('héllo ✓\n');
    const parts = [bytes.slice(0, 2), bytes.slice(2, 9), bytes.slice(9)];
    expect(await collect(readLines(streamOf(parts)))).toEqual(['héllo ✓']);
  });

  it('parses SSE events whatever the chunk boundaries', async () => {
    const wire =
      ': keep-alive\n\ndata: {"a":1}\n\nevent: error\ndata: line1\ndata: line2\n\ndata:{"b":2}\r\n\r\ndata: [DONE]\n\n';
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat(), { maxLength: 12 }), async (at) => {
        const events = await collect(readSse(streamOf(cut(wire, at))));
        expect(events).toEqual([
          { event: 'message', data: '{"a":1}' },
          { event: 'error', data: 'line1\nline2' },
          { event: 'message', data: '{"b":2}' },
          { event: 'message', data: '[DONE]' },
        ]);
      }),
      { numRuns: 60 },
    );
  });
});

describe('think splitter', () => {
  it('separates reasoning from the answer across any chunking', () => {
    const text = 'Hi <think>step 1, step 2</think>The answer is 4. <thi';
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 10 }), (at) => {
        const s = new ThinkSplitter();
        let content = '';
        let reasoning = '';
        for (const piece of [...cut(text, at)]) {
          const r = s.push(piece);
          content += r.content;
          reasoning += r.reasoning;
        }
        const r = s.flush();
        content += r.content;
        reasoning += r.reasoning;
        expect(reasoning).toBe('step 1, step 2');
        // A dangling "<thi" at the end was never a tag: it is text.
        expect(content).toBe('Hi The answer is 4. <thi');
      }),
      { numRuns: 200 },
    );
  });

  it('leaves text without tags alone, including a lone "<"', () => {
    const s = new ThinkSplitter();
    expect(s.push('a < b and <b>bold</b>')).toEqual({ content: 'a < b and <b>bold</b>', reasoning: '' });
  });

  it('keeps an unclosed think block as reasoning (stopped mid-thought)', () => {
    const s = new ThinkSplitter();
    const a = s.push('<think>still thinking');
    const b = s.flush();
    expect(a.reasoning + b.reasoning).toBe('still thinking');
    expect(a.content + b.content).toBe('');
  });
});
