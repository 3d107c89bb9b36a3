import { Readable } from 'node:stream';
import Docker from 'dockerode';
import { describe, expect, it, vi } from 'vitest';
import { demuxLines, LineBatcher, mergeByTime, searchLines, splitTimestamp } from '../../electron/core/docker/logs';
import type { LogLine } from '../../electron/shared/contract/docker';

/** One frame of Docker's multiplexed stream: [stream, 0, 0, 0, size (BE uint32)] + payload. */
function frame(stream: 1 | 2, text: string): Buffer {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header.writeUInt8(stream, 0);
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

const line = (text: string, time = '', stream: LogLine['stream'] = 'stdout'): LogLine => ({ stream, time, text, container: 'c' });

describe('logs', () => {
  it('splits Docker timestamps from the text', () => {
    expect(splitTimestamp('2026-05-01T10:00:00.123456789Z INFO started')).toEqual({ time: '2026-05-01T10:00:00.123456789Z', text: 'INFO started' });
    expect(splitTimestamp('no stamp here')).toEqual({ time: '', text: 'no stamp here' });
  });

  it('demultiplexes stdout and stderr through docker-modem, joining lines split across frames and chunks', async () => {
    const bytes = Buffer.concat([
      frame(1, '2026-05-01T10:00:00Z hello '),
      frame(1, 'world\n2026-05-01T10:00:01Z second\n'),
      frame(2, '2026-05-01T10:00:02Z oops\n'),
      frame(1, '2026-05-01T10:00:03Z no newline at the end'),
    ]);
    // Split the bytes at awkward places, as a socket would.
    const chunks = [bytes.subarray(0, 5), bytes.subarray(5, 40), bytes.subarray(40, 41), bytes.subarray(41)];
    const out: LogLine[] = [];
    await demuxLines(new Docker({ socketPath: '/nonexistent' }), Readable.from(chunks), false, 'slm-deck-x', (l) => out.push(l));
    expect(out).toEqual([
      { stream: 'stdout', time: '2026-05-01T10:00:00Z', text: 'hello world', container: 'slm-deck-x' },
      { stream: 'stdout', time: '2026-05-01T10:00:01Z', text: 'second', container: 'slm-deck-x' },
      { stream: 'stderr', time: '2026-05-01T10:00:02Z', text: 'oops', container: 'slm-deck-x' },
      { stream: 'stdout', time: '2026-05-01T10:00:03Z', text: 'no newline at the end', container: 'slm-deck-x' },
    ]);
  });

  it('reads a TTY container’s raw stream as stdout', async () => {
    const out: LogLine[] = [];
    await demuxLines(new Docker({ socketPath: '/nonexistent' }), Readable.from([Buffer.from('a\r\nb\n')]), true, 't', (l) => out.push(l));
    expect(out.map((l) => [l.stream, l.text])).toEqual([['stdout', 'a'], ['stdout', 'b']]);
  });

  it('searches case-insensitively and merges containers by time', () => {
    const lines = [line('Loading model'), line('ERROR: out of memory'), line('ready')];
    expect(searchLines(lines, 'error').map((l) => l.text)).toEqual(['ERROR: out of memory']);
    expect(searchLines(lines, '  ')).toHaveLength(3);
    const merged = mergeByTime([
      [line('a1', '2026-05-01T10:00:00Z'), line('a2', '2026-05-01T10:00:02Z')],
      [line('b1', '2026-05-01T10:00:01Z')],
    ]);
    expect(merged.map((l) => l.text)).toEqual(['a1', 'b1', 'a2']);
  });

  it('batches lines into frames instead of one event per line', () => {
    vi.useFakeTimers();
    try {
      const frames: LogLine[][] = [];
      const b = new LineBatcher((l) => frames.push(l), 50, 3);
      b.push(line('1'));
      b.push(line('2'));
      expect(frames).toEqual([]);
      vi.advanceTimersByTime(50);
      expect(frames.map((f) => f.map((l) => l.text))).toEqual([['1', '2']]);
      // A flood is cut at maxLines without waiting.
      for (const t of ['3', '4', '5', '6']) b.push(line(t));
      expect(frames.map((f) => f.length)).toEqual([2, 3]);
      vi.advanceTimersByTime(50);
      expect(frames.map((f) => f.map((l) => l.text))).toEqual([['1', '2'], ['3', '4', '5'], ['6']]);
    } finally {
      vi.useRealTimers();
    }
  });
});
