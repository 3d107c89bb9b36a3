import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine, type ChatMessage } from '../../electron/engine/engine';
import { QueueFullError } from '../../electron/engine/request-queue';
import { generateTinyModel } from '../../electron/engine/tiny-model/generate';
import { TINY_ANSWER, TINY_DEMO_MESSAGES } from '../../electron/engine/tiny-model/spec';
import { DeckError } from '../../electron/shared/errors';

let root: string;
let engine: Engine;
const demo = (): ChatMessage[] => TINY_DEMO_MESSAGES.map((m) => ({ ...m }));

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'slm-gen-'));
  engine = await Engine.load({ modelDir: generateTinyModel(path.join(root, 'tiny')), concurrency: 1, maxQueue: 1 });
});
afterAll(async () => {
  await engine.dispose();
  rmSync(root, { recursive: true, force: true });
});

describe('generation on the tiny model', () => {
  it('streams the known answer token by token', async () => {
    const deltas: string[] = [];
    const r = await engine.chat({ messages: demo() }, (e) => e.type === 'content' && deltas.push(e.text));
    expect(deltas.slice(0, 4)).toEqual(['Hello', '!', ' I', ' am']);
    expect(deltas.join('')).toBe(TINY_ANSWER);
    expect(r.timings.timeToFirstTokenMs).toBeGreaterThan(0);
  });

  it('reproduces a sampled answer with the same seed and differs with another', async () => {
    const sample = (seed: number) => engine.chat({ messages: demo(), temperature: 1.6, seed, maxTokens: 40 });
    const [a, b, c] = [await sample(11), await sample(11), await sample(12)];
    expect(a.content).toBe(b.content);
    expect(a.seed).toBe(11);
    expect(a.content).not.toBe(c.content);
    expect(a.content).not.toBe(TINY_ANSWER);
  });

  it('top_k 1 and temperature 0 are greedy even with a seed', async () => {
    expect((await engine.chat({ messages: demo(), temperature: 1.6, topK: 1, seed: 3 })).content).toBe(TINY_ANSWER);
    expect((await engine.chat({ messages: demo(), temperature: 0, seed: 3 })).content).toBe(TINY_ANSWER);
  });

  it('stops at a stop string and leaves it out', async () => {
    const r = await engine.chat({ messages: demo(), stop: [' tiny', 'never'] });
    expect(r.content).toBe('Hello! I am a');
    expect(r.finishReason).toBe('stop');
  });

  it('stops at max tokens with finish reason length', async () => {
    const r = await engine.chat({ messages: demo(), maxTokens: 3 });
    expect(r.content).toBe('Hello! I');
    expect(r.finishReason).toBe('length');
    expect(r.usage.completionTokens).toBe(3);
  });

  it('ends at the context length', async () => {
    const r = await engine.chat({ messages: demo(), ignoreEos: true });
    expect(r.finishReason).toBe('length');
    expect(r.usage.promptTokens + r.usage.completionTokens).toBe(engine.spec.contextLength);
  });

  it('cancels mid-stream through the AbortSignal and then serves the next request', async () => {
    const abort = new AbortController();
    let deltas = 0;
    const r = await engine.chat({ messages: demo(), ignoreEos: true, maxTokens: 3000, signal: abort.signal }, () => {
      if (++deltas === 5) abort.abort();
    });
    expect(r.finishReason).toBe('cancelled');
    expect(r.usage.completionTokens).toBe(5);
    expect((await engine.chat({ messages: demo() })).content).toBe(TINY_ANSWER);
  });

  it('queues up to the limit and refuses beyond it', async () => {
    const abort = new AbortController();
    const long = () => engine.chat({ messages: demo(), ignoreEos: true, maxTokens: 3000, signal: abort.signal });
    const running = long();
    // The waiting one is cancelled in the queue (rejects) or right after it gets the slot.
    const waiting = long().then(
      (r) => r.finishReason,
      (e: DeckError) => e.code,
    );
    expect(engine.stats()).toMatchObject({ running: 1, waiting: 1 });
    await expect(long()).rejects.toBeInstanceOf(QueueFullError);
    abort.abort();
    expect((await running).finishReason).toBe('cancelled');
    expect(await waiting).toBe('cancelled');
    expect(engine.stats()).toMatchObject({ running: 0, waiting: 0 });
    const metrics = engine.metrics.render({ running: 0, waiting: 0, model: 'x' });
    expect(metrics).toMatch(/slm_engine_requests_total\{outcome="rejected"\} 1/);
  });

  it('is also an async iterator of events', async () => {
    const events: string[] = [];
    for await (const e of engine.chatStream({ messages: demo() })) {
      events.push(e.type === 'content' ? e.text : e.type === 'done' ? `[done:${e.result.finishReason}]` : '[tools]');
    }
    expect(events.join('')).toBe(`${TINY_ANSWER}[done:stop]`);
  });

  it('prefills a long prompt in chunks without losing context', async () => {
    const tools = [{ type: 'function' as const, function: { name: 'calculate_circle_area' } }];
    const long = 'Please think about circles for a while. '.repeat(30);
    const r = await engine.chat({ messages: [{ role: 'system', content: 'Tools below.' }, { role: 'user', content: long }], tools });
    // Over 1000 prompt tokens (4 chunks): the tools marker sits in the first chunk.
    expect(r.usage.promptTokens).toBeGreaterThan(1000);
    expect(r.finishReason).toBe('tool_calls');
    expect((await engine.chat({ messages: [{ role: 'user', content: long }] })).content).toBe(TINY_ANSWER);
  });

  it('refuses a prompt longer than the context with a clear error', async () => {
    const huge = 'word '.repeat(3000);
    await expect(engine.chat({ messages: [{ role: 'user', content: huge }] })).rejects.toMatchObject({
      code: 'invalid_input',
      message: expect.stringMatching(/prompt has \d+ tokens; the model's context holds 4096/),
    });
  });
});
