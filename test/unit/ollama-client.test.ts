import { describe, expect, it } from 'vitest';
import { OllamaClient } from '../../electron/core/ollama/client';
import { connectError } from '../../electron/core/ollama/errors';
import { MalformedLineError, readNdjson } from '../../electron/core/ollama/ndjson';
import { LayerProgress, stepLabel } from '../../electron/core/ollama/pull';
import { goUnquote, parseShowParameters } from '../../electron/core/ollama/show-parameters';

function streamOf(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(c) {
      for (const ch of chunks) c.enqueue(ch);
      c.close();
    },
  });
}

async function collect(s: ReadableStream<Uint8Array>) {
  const out: unknown[] = [];
  for await (const v of readNdjson(s)) out.push(v);
  return out;
}

describe('NDJSON reader', () => {
  it('reads lines split anywhere, including inside a multi-byte character', async () => {
    const bytes = new TextEncoder().encode('{"status":"pulling manifest"}\n{"status":"héllo 漢"}\n\n{"done":true}');
    // Cut every 3 bytes: splits JSON and UTF-8 sequences.
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < bytes.length; i += 3) chunks.push(bytes.slice(i, i + 3));
    expect(await collect(streamOf(chunks))).toEqual([{ status: 'pulling manifest' }, { status: 'héllo 漢' }, { done: true }]);
  });

  it('a line that is not JSON is an error naming the line', async () => {
    await expect(collect(streamOf([new TextEncoder().encode('{"ok":1}\n<html>\n')]))).rejects.toBeInstanceOf(MalformedLineError);
  });
});

describe('pull progress aggregation', () => {
  it('sums layers into one bar and counts bytes kept from an earlier pull', () => {
    const p = new LayerProgress();
    p.add({ status: 'pulling aaa', digest: 'sha256:a', total: 1000, completed: 400 });
    p.add({ status: 'pulling bbb', digest: 'sha256:b', total: 100 });
    expect([p.bytesDone, p.bytesTotal, p.resumedFromBytes, p.layersDone]).toEqual([400, 1100, 400, 0]);
    p.add({ digest: 'sha256:a', total: 1000, completed: 1000 });
    p.add({ digest: 'sha256:b', total: 100, completed: 100 });
    expect([p.bytesDone, p.layersDone, p.layerCount]).toEqual([1100, 2, 2]);
    expect(p.add({ status: 'verifying sha256 digest' })).toBe(false);
  });

  it('names the steps people see', () => {
    expect(['pulling manifest', 'pulling 6e9f90f02bb3', 'verifying sha256 digest', 'writing manifest', 'removing any unused layers', 'success'].map(stepLabel)).toEqual([
      'Pulling manifest',
      'Downloading',
      'Verifying SHA-256 digest',
      'Writing manifest',
      'Removing unused layers',
      'Done',
    ]);
  });
});

describe('/api/show parameters text', () => {
  it("reads Go's %#v output: quoted strings, numbers, booleans, repeated stop", () => {
    const text = [
      'num_ctx                        4096',
      'stop                           "<|start_header_id|>"',
      'stop                           "<|eot_id|>"',
      'temperature                    0.3',
      'use_mmap                       true',
      'system_hint                    "line\\none \\"quoted\\" \\x41\\u00e9"',
    ].join('\n');
    expect(parseShowParameters(text)).toEqual({
      num_ctx: 4096,
      stop: ['<|start_header_id|>', '<|eot_id|>'],
      temperature: 0.3,
      use_mmap: true,
      system_hint: 'line\none "quoted" Aé',
    });
    expect(parseShowParameters(undefined)).toEqual({});
    expect(goUnquote('"\\t\\\\"')).toBe('\t\\');
  });
});

describe('connection errors', () => {
  it('names the reason and points at what to do', () => {
    const refused = connectError('http://127.0.0.1:11434', new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } }), 'Listing models');
    expect(refused).toMatchObject({ code: 'server_unreachable' });
    expect(refused.message).toBe('Listing models: Ollama is not answering at http://127.0.0.1:11434 (nothing is listening there).');
    const dns = connectError('http://gpu-box:11434', new TypeError('fetch failed', { cause: { code: 'ENOTFOUND' } }), 'Listing models');
    expect(dns.message).toContain('does not resolve');
    const aborted = new AbortController();
    aborted.abort();
    expect(connectError('http://x', new DOMException('aborted', 'AbortError'), 'Pulling', aborted.signal).code).toBe('cancelled');
  });

  it('a request that never answers times out with a hint instead of hanging', async () => {
    const never: typeof fetch = (_u, init) =>
      new Promise((_r, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal?.reason)));
    const c = new OllamaClient('http://127.0.0.1:1', { fetch: never, timeoutMs: 50 });
    await expect(c.version()).rejects.toMatchObject({ code: 'timeout' });
  });
});
