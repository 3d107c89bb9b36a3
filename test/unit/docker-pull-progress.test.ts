import { describe, expect, it } from 'vitest';
import { PullProgress, type PullMessage } from '../../electron/core/docker/pull';

/** The message sequence dockerd 20.10 sends for a two-layer image with one layer already present. */
const MESSAGES: PullMessage[] = [
  { status: 'Pulling from vllm/vllm-openai', id: 'latest' },
  { status: 'Already exists', id: 'aaa', progressDetail: {} },
  { status: 'Pulling fs layer', id: 'bbb', progressDetail: {} },
  { status: 'Pulling fs layer', id: 'ccc', progressDetail: {} },
  { status: 'Waiting', id: 'ccc', progressDetail: {} },
  { status: 'Downloading', id: 'bbb', progressDetail: { current: 1000, total: 4000 } },
  { status: 'Downloading', id: 'bbb', progressDetail: { current: 3000, total: 4000 } },
  { status: 'Downloading', id: 'ccc', progressDetail: { current: 500, total: 6000 } },
  { status: 'Verifying Checksum', id: 'bbb', progressDetail: {} },
  { status: 'Download complete', id: 'bbb', progressDetail: {} },
  { status: 'Extracting', id: 'bbb', progressDetail: { current: 32768, total: 4000 } },
  { status: 'Pull complete', id: 'bbb', progressDetail: {} },
  { status: 'Downloading', id: 'ccc', progressDetail: { current: 6000, total: 6000 } },
  { status: 'Download complete', id: 'ccc', progressDetail: {} },
  { status: 'Extracting', id: 'ccc', progressDetail: { current: 6000, total: 6000 } },
  { status: 'Pull complete', id: 'ccc', progressDetail: {} },
  { status: 'Digest: sha256:0123' },
  { status: 'Status: Downloaded newer image for vllm/vllm-openai:latest' },
];

describe('PullProgress', () => {
  it('aggregates per-layer bytes into one figure, leaving out layers already present', () => {
    const p = new PullProgress();
    const seen: Array<{ done: number; total: number; step: string }> = [];
    for (const m of MESSAGES) {
      p.apply(m);
      const s = p.snapshot('vllm/vllm-openai:latest');
      seen.push({ done: s.bytesDone ?? -1, total: s.bytesTotal ?? -1, step: s.step ?? '' });
    }
    // after "Downloading bbb 1000/4000"
    expect(seen[5]).toEqual({ done: 1000, total: 4000, step: 'Downloading 0/2 layers' });
    // ccc announces its size: the total grows
    expect(seen[7]).toEqual({ done: 3500, total: 10000, step: 'Downloading 0/2 layers' });
    // bbb verified: counted complete even though its last progress said 3000
    expect(seen[8]).toMatchObject({ done: 4500, total: 10000, step: 'Downloading 1/2 layers' });
    expect(seen.at(-1)).toEqual({ done: 10000, total: 10000, step: 'Extracting 2/2 layers' });
  });

  it('reports an image that is already complete', () => {
    const p = new PullProgress();
    p.apply({ status: 'Pulling from ollama/ollama', id: 'latest' });
    p.apply({ status: 'Already exists', id: 'aaa' });
    expect(p.snapshot('ollama/ollama:latest')).toMatchObject({ step: 'All layers already present' });
    expect(p.bytesTotal).toBe(0);
  });
});

describe('pullImage reading the daemon stream', () => {
  it('keeps a character whole when the daemon splits it across two reads', async () => {
    const { Readable } = await import('node:stream');
    const { pullImage } = await import('../../electron/core/docker/pull');
    const bytes = Buffer.from(`${JSON.stringify({ status: 'Pulling from café/x', id: 'latest' })}\n${JSON.stringify({ error: 'manifest for café/x:1 not found: manifest unknown' })}\n`);
    // Split inside the two bytes of "é" (c3 a9) in the error line.
    const cut = bytes.lastIndexOf(0xa9);
    const docker = { pull: async () => Readable.from([bytes.subarray(0, cut), bytes.subarray(cut)]) } as unknown as import('dockerode');
    await expect(pullImage(docker, 'café/x:1', { signal: new AbortController().signal })).rejects.toMatchObject({
      code: 'not_found',
      message: 'The image café/x:1 was not found: manifest for café/x:1 not found: manifest unknown',
    });
  });
});
