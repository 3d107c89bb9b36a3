import { describe, expect, it } from 'vitest';
import { measureRequest } from '../../electron/core/bench/measure';
import { planLevel, rotate } from '../../electron/core/bench/schedule';
import type { ChatClient, ChatRequest, StreamEvent } from '../../electron/core/chat/protocols/types';
import { DeckError } from '../../electron/shared/errors';

/** A protocol client that replays events on a fake clock: each step moves the clock, then yields. */
function scripted(steps: Array<{ at: number; ev?: StreamEvent; throws?: unknown }>, clock: { t: number }): ChatClient {
  return {
    async *chat(_req: ChatRequest, signal: AbortSignal) {
      for (const s of steps) {
        clock.t = s.at;
        if (signal.aborted) throw signal.reason;
        if (s.throws) throw s.throws;
        if (s.ev) yield s.ev;
      }
    },
    models: async () => [],
  };
}

const request: ChatRequest = { baseUrl: 'http://127.0.0.1:1/v1', model: 'm', messages: [{ role: 'user', content: 'hi' }], params: {}, stream: true };

async function measure(steps: Parameters<typeof scripted>[0], signal = new AbortController().signal) {
  const clock = { t: 1000 };
  return measureRequest({ client: scripted(steps, clock), request, signal, timeoutMs: 60_000, now: () => clock.t, what: 'Engine A' });
}

describe('timing one request', () => {
  it('takes TTFT from the first token, decode speed from first to last token, tokens from usage', async () => {
    const m = await measure([
      { at: 1150, ev: { type: 'content', text: 'Hel' } },
      { at: 1200, ev: { type: 'content', text: 'lo' } },
      { at: 1250, ev: { type: 'content', text: ' wor' } },
      { at: 1300, ev: { type: 'content', text: 'ld' } },
      { at: 1350, ev: { type: 'content', text: '.' } },
      { at: 1360, ev: { type: 'usage', promptTokens: 12, completionTokens: 5 } },
      { at: 1370, ev: { type: 'finish', reason: 'stop' } },
    ]);
    // 5 tokens: 4 after the first, in 200 ms
    expect(m).toEqual({ ttftMs: 150, totalMs: 370, promptTokens: 12, completionTokens: 5, decodeTps: 20, tokenSource: 'server', error: null, aborted: false });
  });

  it('counts streamed chunks when the server sends no usage; reasoning is a token too', async () => {
    const m = await measure([
      { at: 1100, ev: { type: 'reasoning', text: 'hm' } },
      { at: 1300, ev: { type: 'content', text: 'a' } },
      { at: 1500, ev: { type: 'content', text: 'b' } },
      { at: 1500, ev: { type: 'finish', reason: 'length' } },
    ]);
    expect(m).toMatchObject({ ttftMs: 100, completionTokens: 3, tokenSource: 'counted', decodeTps: 5, promptTokens: null });
  });

  it('a server error keeps its code and hint; a broken socket names its cause', async () => {
    const deck = await measure([
      { at: 1100, ev: { type: 'content', text: 'a' } },
      { at: 1200, throws: new DeckError('server_error', 'Engine A reported an error mid-stream: boom', 'What arrived is kept.') },
    ]);
    expect(deck.error).toEqual({ code: 'server_error', message: 'Engine A reported an error mid-stream: boom', hint: 'What arrived is kept.' });
    expect(deck.ttftMs).toBe(100);
    expect(deck.completionTokens).toBeNull();

    const reset = await measure([{ at: 1010, throws: new TypeError('terminated', { cause: Object.assign(new Error('other side closed'), { code: 'ECONNRESET' }) }) }]);
    expect(reset.error?.code).toBe('server_error');
    expect(reset.error?.message).toBe('Engine A broke off mid-answer (ECONNRESET).');
  });

  it('a cancelled request is not an error of the backend', async () => {
    const ac = new AbortController();
    ac.abort(new DeckError('cancelled', 'Cancelled by the user.'));
    const m = await measure([{ at: 1100, ev: { type: 'content', text: 'a' } }], ac.signal);
    expect(m.aborted).toBe(true);
    expect(m.error).toBeNull();
  });
});

describe('interleaving', () => {
  const prompts = ['p1', 'p2', 'p3'].map((id) => ({ id, prompt: id }));

  it('rotates who goes first every slice (round-robin per prompt at concurrency 1)', () => {
    expect(rotate(['a', 'b', 'c'], 1)).toEqual(['b', 'c', 'a']);
    expect(rotate(['a', 'b', 'c'], 4)).toEqual(['b', 'c', 'a']);
    const slices = planLevel(['a', 'b', 'c'], prompts, 2, 1);
    expect(slices).toHaveLength(6);
    expect(slices.map((s) => s.order.join(''))).toEqual(['abc', 'bca', 'cab', 'abc', 'bca', 'cab']);
    expect(slices.map((s) => `${s.requests[0].prompt.id}#${s.requests[0].run}`)).toEqual(['p1#0', 'p2#0', 'p3#0', 'p1#1', 'p2#1', 'p3#1']);
    // Each backend goes first, second and third equally often.
    for (const b of ['a', 'b', 'c']) expect(slices.filter((s) => s.order[0] === b)).toHaveLength(2);
  });

  it('cuts a level into slices of c requests, the last one shorter', () => {
    const slices = planLevel(['a', 'b'], prompts, 3, 4);
    expect(slices.map((s) => s.requests.length)).toEqual([4, 4, 1]);
    expect(slices.map((s) => s.order.join(''))).toEqual(['ab', 'ba', 'ab']);
  });
});
