/**
 * The engine as users run it: a child process (electron/engine/main.ts) serving the generated tiny
 * model over HTTP on a free port. Real inference, real sockets, no mocks.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnEngine, type EngineProcess } from '../../electron/engine/spawn-engine';
import { generateTinyModel, TINY_MODEL_FILES } from '../../electron/engine/tiny-model/generate';
import { TINY_ANSWER, TINY_DEMO_MESSAGES, TINY_TOOL_CALL } from '../../electron/engine/tiny-model/spec';
import { DeckError } from '../../electron/shared/errors';

let root: string;
let modelDir: string;
let engine: EngineProcess;

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'slm-engine-it-'));
  modelDir = generateTinyModel(path.join(root, 'tiny'));
  engine = await spawnEngine({ modelDir, port: 0, concurrency: 1, queue: 1, modelId: 'tiny-demo' });
});
afterAll(async () => {
  await engine?.stop();
  rmSync(root, { recursive: true, force: true });
});

const post = (route: string, body: unknown, init: RequestInit = {}) =>
  fetch(`${engine.url}${route}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body), ...init });

const demo = { messages: TINY_DEMO_MESSAGES };

interface Completion {
  object: string;
  model: string;
  choices: Array<{ message: { content: string | null; tool_calls?: Array<{ id: string; function: { name: string; arguments: string } }> }; finish_reason: string }>;
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
}
interface Health {
  status: string;
  model: string;
  queue: { running: number; waiting: number; concurrency: number; max_waiting: number };
}
interface ErrorBody {
  error: { message: string; type: string; code: string | null };
}
interface Reasoning {
  generated_text: string;
  task_type: string;
  inference_time: number;
  model: string;
}
const json = async <T>(res: Response | Promise<Response>): Promise<T> => (await (await res).json()) as T;
const completion = (body: unknown) => json<Completion>(post('/v1/chat/completions', body));
const health = () => json<Health>(fetch(`${engine.url}/health`));

interface Chunk {
  object: string;
  choices: Array<{ delta: { content?: string; role?: string; tool_calls?: Array<{ index: number; id: string; function: { name: string; arguments: string } }> }; finish_reason: string | null }>;
  usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
}

/** Reads an SSE response into its data payloads ([DONE] included). */
async function readSse(res: Response, onChunk?: (c: Chunk, n: number) => void): Promise<Array<Chunk | '[DONE]'>> {
  const out: Array<Chunk | '[DONE]'> = [];
  const decoder = new TextDecoder();
  let buf = '';
  for await (const part of res.body as AsyncIterable<Uint8Array>) {
    buf += decoder.decode(part, { stream: true });
    let i: number;
    while ((i = buf.indexOf('\n\n')) !== -1) {
      const event = buf.slice(0, i);
      buf = buf.slice(i + 2);
      const data = event.replace(/^data: /, '');
      const item = data === '[DONE]' ? '[DONE]' : (JSON.parse(data) as Chunk);
      out.push(item);
      if (item !== '[DONE]') onChunk?.(item, out.length);
    }
  }
  return out;
}

const contentOf = (chunks: Array<Chunk | '[DONE]'>) =>
  chunks
    .filter((c): c is Chunk => c !== '[DONE]')
    .map((c) => c.choices[0]?.delta.content ?? '')
    .join('');

async function metric(name: string): Promise<number> {
  const text = await (await fetch(`${engine.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(name + ' '));
  return line ? Number(line.split(' ')[1]) : NaN;
}

async function until(check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('engine HTTP server (child process, tiny model)', () => {
  it('reports health, the model and metrics', async () => {
    expect(await health()).toMatchObject({ status: 'healthy', model: 'tiny-demo', queue: { running: 0, waiting: 0, concurrency: 1, max_waiting: 1 } });
    const models = await json<unknown>(fetch(`${engine.url}/v1/models`));
    expect(models).toMatchObject({ object: 'list', data: [{ id: 'tiny-demo', object: 'model' }] });
    const res = await fetch(`${engine.url}/metrics`);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    for (const name of ['slm_engine_tokens_generated_total', 'slm_engine_time_to_first_token_seconds_bucket', 'slm_engine_requests_running', 'slm_engine_requests_waiting', 'slm_engine_kv_cache_bytes']) {
      expect(text).toContain(name);
    }
  });

  it('streams a chat completion with the known greedy answer and a usage chunk', async () => {
    const before = await metric('slm_engine_tokens_generated_total');
    const res = await post('/v1/chat/completions', { ...demo, stream: true, stream_options: { include_usage: true } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const chunks = await readSse(res);
    expect(chunks.at(-1)).toBe('[DONE]');
    const data = chunks.filter((c): c is Chunk => c !== '[DONE]');
    expect(data[0].choices[0].delta.role).toBe('assistant');
    expect(data.every((c) => c.object === 'chat.completion.chunk')).toBe(true);
    expect(contentOf(chunks)).toBe(TINY_ANSWER);
    expect(data.filter((c) => c.choices[0]?.delta.content).length).toBe(13);
    const last = data.at(-2)!;
    expect(last.choices[0].finish_reason).toBe('stop');
    expect(data.at(-1)).toMatchObject({ choices: [], usage: { completion_tokens: 13 } });
    expect(await metric('slm_engine_tokens_generated_total')).toBe(before + 13);
  });

  it('answers without streaming', async () => {
    const body = await completion(demo);
    expect(body).toMatchObject({
      object: 'chat.completion',
      model: 'tiny-demo',
      choices: [{ index: 0, message: { role: 'assistant', content: TINY_ANSWER }, finish_reason: 'stop' }],
      usage: { completion_tokens: 13 },
    });
    expect(body.usage.total_tokens).toBe(body.usage.prompt_tokens + 13);
  });

  it('reproduces seeded sampling', async () => {
    const ask = async (seed: number) =>
      (await completion({ ...demo, temperature: 1.6, seed, max_tokens: 40 })).choices[0].message.content;
    const [a, b, c] = [await ask(2024), await ask(2024), await ask(2025)];
    expect(a).toBe(b);
    expect(a).not.toBe(c);
  });

  it('applies frequency_penalty to what it has generated: a negative one makes the reply repeat itself', async () => {
    const ask = async (extra: object) =>
      (await completion({ ...demo, temperature: 2, seed: 7, max_tokens: 40, ...extra })).choices[0].message.content!;
    const plain = await ask({});
    const repeating = await ask({ frequency_penalty: -2 });
    expect(plain).not.toMatch(/(.)\1{9}/);
    expect(repeating).toMatch(/(.)\1{9}/);
  });

  it('honours stop strings and max_tokens', async () => {
    const stopped = await completion({ ...demo, stop: ' demo' });
    expect(stopped.choices[0]).toMatchObject({ message: { content: 'Hello! I am a tiny' }, finish_reason: 'stop' });
    const short = await readSse(await post('/v1/chat/completions', { ...demo, stream: true, max_tokens: 2 }));
    expect(contentOf(short)).toBe('Hello!');
    expect(short.filter((c): c is Chunk => c !== '[DONE]').at(-1)!.choices[0].finish_reason).toBe('length');
  });

  it('returns tool calls in OpenAI shape, streamed and not', async () => {
    const tools = [{ type: 'function', function: { name: 'calculate_circle_area', description: 'Area of a circle', parameters: { type: 'object', properties: { radius: { type: 'number' } } } } }];
    const messages = [{ role: 'user', content: 'Area of a circle with radius 5?' }];
    const body = await completion({ messages, tools });
    expect(body.choices[0].finish_reason).toBe('tool_calls');
    const call = body.choices[0].message.tool_calls![0];
    expect(call).toMatchObject({ type: 'function', function: { name: TINY_TOOL_CALL.name } });
    expect(JSON.parse(call.function.arguments)).toEqual(TINY_TOOL_CALL.arguments);
    const chunks = (await readSse(await post('/v1/chat/completions', { messages, tools, stream: true }))).filter((c): c is Chunk => c !== '[DONE]');
    const streamed = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    expect(streamed).toHaveLength(1);
    expect(streamed[0]).toMatchObject({ index: 0, function: { name: TINY_TOOL_CALL.name } });
    expect(chunks.at(-1)!.choices[0].finish_reason).toBe('tool_calls');
    // tool_choice "none" leaves the tools out of the prompt.
    const none = await completion({ messages, tools, tool_choice: 'none' });
    expect(none.choices[0].message.content).toBe(TINY_ANSWER);
  });

  it('answers the seed /reasoning endpoint', async () => {
    const body = await json<Reasoning>(post('/reasoning', { prompt: 'A train travels 240 km in 3 hours...', task_type: 'math', max_length: 150, temperature: 0 }));
    expect(body).toMatchObject({ generated_text: TINY_ANSWER, task_type: 'math', model: 'tiny-demo' });
    expect(typeof body.inference_time).toBe('number');
    const bad = await post('/reasoning', { prompt: 'x', task_type: 'poetry' });
    expect(bad.status).toBe(400);
    expect((await json<ErrorBody>(bad)).error.message).toMatch(/task_type/);
  });

  it('stops generating when the client disconnects mid-stream and keeps serving', async () => {
    const cancelledBefore = await metric('slm_engine_requests_total{outcome="cancelled"}');
    const tokensBefore = await metric('slm_engine_tokens_generated_total');
    const abort = new AbortController();
    const res = await post('/v1/chat/completions', { ...demo, stream: true, ignore_eos: true, max_tokens: 4000 }, { signal: abort.signal });
    let seen = 0;
    await expect(
      readSse(res, (_c, n) => {
        seen = n;
        if (n === 5) abort.abort();
      }),
    ).rejects.toThrow();
    expect(seen).toBeGreaterThanOrEqual(5);
    await until(async () => (await metric('slm_engine_requests_total{outcome="cancelled"}')) === cancelledBefore + 1);
    // Cut short: far fewer than the 4000 tokens asked for (the context would allow them).
    expect((await metric('slm_engine_tokens_generated_total')) - tokensBefore).toBeLessThan(3000);
    expect((await health()).queue).toMatchObject({ running: 0, waiting: 0 });
    const after = await completion(demo);
    expect(after.choices[0].message.content).toBe(TINY_ANSWER);
  });

  it('answers 503 when the queue is full', async () => {
    const abort = new AbortController();
    const long = { ...demo, stream: true, ignore_eos: true, max_tokens: 4000 };
    const first = post('/v1/chat/completions', long, { signal: abort.signal });
    const second = post('/v1/chat/completions', long, { signal: abort.signal });
    await until(async () => {
      const h = await health();
      return h.queue.running === 1 && h.queue.waiting === 1;
    });
    const third = await post('/v1/chat/completions', long);
    expect(third.status).toBe(503);
    expect(third.headers.get('retry-after')).toBe('1');
    expect(await metric('slm_engine_requests_total{outcome="rejected"}')).toBe(1);
    expect(await json<ErrorBody>(third)).toMatchObject({ error: { type: 'server_busy', code: 'queue_full', message: expect.stringMatching(/busy/) } });
    abort.abort();
    await Promise.allSettled([first, second]);
    await until(async () => (await health()).queue.running === 0);
  });

  it.each([
    ['not JSON', '{"messages": [', /not valid JSON/],
    ['an empty body', '', /empty/],
    ['no messages', { model: 'x' }, /messages/],
    ['an empty message list', { messages: [] }, /at least one message/],
    ['an unknown role', { messages: [{ role: 'robot', content: 'hi' }] }, /messages\[0\]\.role/],
    ['a temperature above 2', { ...demo, temperature: 3 }, /temperature/],
    ['n = 2', { ...demo, n: 2 }, /n = 1/],
    ['a string stream flag', { ...demo, stream: 'yes' }, /stream/],
    ['a tool without a name', { ...demo, tools: [{ type: 'function', function: {} }] }, /tools\[0\]\.function\.name/],
  ])('rejects %s with 400 and the reason', async (_name, body, reason) => {
    const res = await post('/v1/chat/completions', body);
    expect(res.status).toBe(400);
    const err = await json<ErrorBody>(res);
    expect(err.error.type).toBe('invalid_request_error');
    expect(err.error.message).toMatch(reason);
  });

  it('answers 404 and 405 with JSON errors', async () => {
    const missing = await fetch(`${engine.url}/v1/completions`);
    expect(missing.status).toBe(404);
    expect((await json<ErrorBody>(missing)).error.message).toMatch(/No route/);
    const wrong = await fetch(`${engine.url}/v1/chat/completions`);
    expect(wrong.status).toBe(405);
    expect((await json<ErrorBody>(wrong)).error.message).toMatch(/use POST/);
  });
});

describe('engine process start-up and shut-down', () => {
  function brokenCopy(name: string, change: (dir: string) => void): string {
    const dir = path.join(root, name);
    mkdirSync(dir);
    for (const f of TINY_MODEL_FILES) copyFileSync(path.join(modelDir, f), path.join(dir, f));
    change(dir);
    return dir;
  }

  it.each([
    ['a missing model.onnx', (d: string) => rmSync(path.join(d, 'model.onnx')), /model\.onnx is missing/],
    ['a corrupt model.onnx', (d: string) => writeFileSync(path.join(d, 'model.onnx'), 'garbage'), /model\.onnx .*corrupt/],
  ])('fails with a clear load error for %s', async (name, change, message) => {
    const dir = brokenCopy(name.replace(/\W+/g, '-'), change);
    const error = await spawnEngine({ modelDir: dir, port: 0 }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DeckError);
    expect(error).toMatchObject({ code: 'model_load_failed', message: expect.stringMatching(message), hint: expect.stringMatching(/Download the model again/) });
  });

  it('--context caps the tokens a sequence may use, and /health and /v1/models report it', async () => {
    const p = await spawnEngine({ modelDir, port: 0, context: 40 });
    try {
      expect(await (await fetch(`${p.url}/health`)).json()).toMatchObject({ context_length: 40 });
      expect(await (await fetch(`${p.url}/v1/models`)).json()).toMatchObject({ data: [{ context_length: 40 }] });
      const res = await fetch(`${p.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ messages: [{ role: 'user', content: 'word '.repeat(60) }] }),
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/the model's context holds 40/);
    } finally {
      await p.stop();
    }
  });

  it('exits cleanly on SIGTERM', async () => {
    const p = await spawnEngine({ modelDir, port: 0 });
    expect((await fetch(`${p.url}/health`)).status).toBe(200);
    expect(await p.stop()).toBe(0);
    await expect(fetch(`${p.url}/health`)).rejects.toThrow();
  });
});
