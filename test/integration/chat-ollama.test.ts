import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../electron/core/app-core';
import { unwrap } from '../../electron/core/rpc/dispatcher';
import type { MethodInput, MethodName, MethodResult } from '../../electron/shared/contract';
import type { ChatDelta } from '../../electron/shared/contract/chat';
import { startOllamaFake, type OllamaFake } from '../fakes/ollama';
import { tempHome } from '../helpers/serve';

/**
 * The Ollama protocol (/api/chat, NDJSON) against the Ollama protocol fake: Ollama cannot
 * run here. Streaming and eval counters, options, thinking, tool calls with object
 * arguments, errors and a crash mid-stream, stop, unknown models, an unreachable server.
 */
let fake: OllamaFake;
let core: Core;
const signal = new AbortController().signal;

async function call<M extends MethodName>(method: M, params: MethodInput<M>): Promise<MethodResult<M>> {
  return unwrap(await core.dispatcher.call(method, params, { transport: 'websocket', signal })) as MethodResult<M>;
}

async function chat(content: string, setup: Partial<MethodInput<'chat.create'>> = {}) {
  const conv = await call('chat.create', { backendId: 'ollama', model: 'phi4-mini', ...setup });
  const deltas: ChatDelta[] = [];
  const off = core.bus.on('chat.delta', (d) => d.conversationId === conv.id && deltas.push(d));
  await call('chat.send', { conversationId: conv.id, content });
  await core.chat.settled(conv.id);
  off();
  return { messages: (await call('chat.get', { id: conv.id })).messages, deltas, id: conv.id };
}

const lastChatBody = () => [...fake.requests].reverse().find((r) => r.path === '/api/chat')!.body as Record<string, unknown>;

beforeAll(async () => {
  fake = await startOllamaFake({ installed: ['phi4-mini', 'qwen3:0.6b'] });
  core = await createCore({ home: tempHome('slm-deck-chat-ollama-') });
  await call('settings.set', { ollamaUrl: fake.url });
});

afterAll(async () => {
  await core?.close();
  await fake?.close();
});

describe('chat over Ollama /api/chat (protocol fake)', () => {
  it('the settings URL is a backend, and its models are listed', async () => {
    const backends = await call('chat.backends', {});
    expect(backends.find((b) => b.id === 'ollama')).toMatchObject({ kind: 'ollama', baseUrl: fake.url, source: 'settings', removable: false });
    const models = await call('chat.models', { backendId: 'ollama' });
    expect(models.map((m) => m.id).sort()).toEqual(['phi4-mini:latest', 'qwen3:0.6b']);
    expect(models.find((m) => m.id === 'phi4-mini:latest')!.detail).toBe('3.8B Q4_K_M');
  });

  it('streams NDJSON, maps parameters to options, takes token counts and speed from eval counters', async () => {
    fake.script({ content: 'Paris is the capital of France.' });
    const { messages, deltas } = await chat('Capital of France?', {
      system: 'Answer briefly.',
      params: { temperature: 0.3, top_p: 0.8, top_k: 20, max_tokens: 50, seed: 7, num_ctx: 4096 },
    });
    const reply = messages.at(-1)!;
    expect(reply).toMatchObject({ status: 'done', content: 'Paris is the capital of France.' });
    expect(deltas[0].content).toBe('Paris');
    const body = lastChatBody();
    expect(body).toMatchObject({ model: 'phi4-mini', stream: true, options: { temperature: 0.3, top_p: 0.8, top_k: 20, num_predict: 50, seed: 7, num_ctx: 4096 } });
    expect(body.messages).toEqual([
      { role: 'system', content: 'Answer briefly.' },
      { role: 'user', content: 'Capital of France?' },
    ]);
    // The fake reports 25 ms of eval per token: 40 tokens/s.
    expect(reply.stats).toMatchObject({ completionTokens: 6, tokenSource: 'server', decodeTokensPerSec: 40, kind: 'ollama', model: 'phi4-mini', finishReason: 'stop' });
    expect(reply.stats!.promptTokens).toBeGreaterThan(0);
  });

  it('shows message.thinking as reasoning, separate from the answer', async () => {
    fake.script({ thinking: 'Six times seven is forty-two.', content: '42' });
    const { messages, deltas } = await chat('What is 6*7?', { model: 'qwen3:0.6b', params: { think: true } });
    expect(messages.at(-1)).toMatchObject({ reasoning: 'Six times seven is forty-two.', content: '42', status: 'done' });
    expect(lastChatBody().think).toBe(true);
    expect(deltas[0]).toMatchObject({ reasoning: 'Six' });
  });

  it('splits <think> segments out of content too', async () => {
    fake.script({ content: '<think>Check the units first.</think>\n\nIt takes 2.4 hours.' });
    const { messages } = await chat('Train question');
    expect(messages.at(-1)).toMatchObject({ reasoning: 'Check the units first.', content: 'It takes 2.4 hours.' });
  });

  it('think takes a level as well as on/off', async () => {
    fake.script({ thinking: 'Briefly.', content: 'Yes.' });
    const { messages } = await chat('Is 7 prime?', { model: 'qwen3:0.6b', params: { think: 'low' } });
    expect(lastChatBody().think).toBe('low');
    expect(messages.at(-1)).toMatchObject({ reasoning: 'Briefly.', content: 'Yes.' });
    await expect(call('chat.create', { backendId: 'ollama', params: { think: 'extreme' } as never })).rejects.toMatchObject({ code: 'invalid_input' });
  });

  it('tool loop: arguments arrive as an object, the result goes back as a tool message with tool_name and the call id', async () => {
    fake.script(
      { toolCalls: [{ name: 'calculate', arguments: { expression: '5000 * 1.06^3' } }] },
      { content: 'The final amount is $5955.08.' },
    );
    const { messages } = await chat('Compound interest on $5000 at 6% for 3 years?', { tools: ['calculate', 'calculate_circle_area'] });
    expect(messages.map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'assistant']);
    // The call id Ollama sent is kept, and sent back with the call and with its result.
    expect(messages[1].toolCalls).toEqual([{ id: 'call_00000000', name: 'calculate', arguments: { expression: '5000 * 1.06^3' } }]);
    expect(JSON.parse(messages[2].content)).toEqual({ expression: '5000 * 1.06^3', result: 5955.08 });
    expect(messages[3].content).toBe('The final amount is $5955.08.');
    const body = lastChatBody();
    expect((body.tools as { function: { name: string } }[]).map((t) => t.function.name)).toEqual(['calculate', 'calculate_circle_area']);
    expect((body.messages as unknown[]).slice(1)).toEqual([
      { role: 'assistant', content: '', tool_calls: [{ id: 'call_00000000', function: { name: 'calculate', arguments: { expression: '5000 * 1.06^3' } } }] },
      { role: 'tool', content: '{"expression":"5000 * 1.06^3","result":5955.08}', tool_name: 'calculate', tool_call_id: 'call_00000000' },
    ]);
  });

  it('an error mid-stream keeps what arrived and shows the server’s message', async () => {
    fake.script({ content: 'one two three four', error: { message: 'llama runner process has terminated', afterChunks: 2 } });
    const reply = (await chat('Count')).messages.at(-1)!;
    expect(reply).toMatchObject({ status: 'error', content: 'one two' });
    expect(reply.error).toMatchObject({ code: 'server_error', message: expect.stringContaining('llama runner process has terminated') });
  });

  it('a server that dies mid-stream: the partial reply stays, with the reason', async () => {
    fake.script({ content: 'alpha beta gamma delta', dieAfterChunks: 2 });
    const reply = (await chat('Greek letters')).messages.at(-1)!;
    expect(reply.status).toBe('error');
    expect(reply.content).toBe('alpha beta');
    expect(reply.error!.message).toMatch(/^The connection to Ollama \(127\.0\.0\.1:\d+\) broke after 2 tokens/);
  });

  it('stop mid-stream keeps the partial answer', async () => {
    fake.tokenIntervalMs = 100;
    try {
      fake.script({ content: 'a b c d e f g h i j k l m n o p' });
      const conv = await call('chat.create', { backendId: 'ollama', model: 'phi4-mini' });
      let frames = 0;
      const off = core.bus.on('chat.delta', (d) => d.conversationId === conv.id && frames++);
      await call('chat.send', { conversationId: conv.id, content: 'letters' });
      await expect.poll(() => frames, { timeout: 10_000 }).toBeGreaterThanOrEqual(3);
      await call('chat.stop', { conversationId: conv.id });
      off();
      const reply = (await call('chat.get', { id: conv.id })).messages.at(-1)!;
      expect(reply.status).toBe('stopped');
      expect(reply.content.length).toBeGreaterThan(0);
      expect('a b c d e f g h i j k l m n o p'.startsWith(reply.content)).toBe(true);
      expect(reply.content.length).toBeLessThan(31);
    } finally {
      fake.tokenIntervalMs = 0;
    }
  });

  it('an unknown model is a not_found error with a hint', async () => {
    const reply = (await chat('Hi', { model: 'llama9:70b' })).messages.at(-1)!;
    expect(reply.status).toBe('error');
    expect(reply.error).toMatchObject({ code: 'not_found', message: expect.stringContaining("model 'llama9:70b' not found") });
    expect(reply.error!.hint).toContain('pull it first');
  });

  it('an unreachable Ollama says so and how to fix it', async () => {
    await call('settings.set', { ollamaUrl: 'http://127.0.0.1:9' });
    try {
      await expect(call('chat.models', { backendId: 'ollama' })).rejects.toMatchObject({ code: 'server_unreachable', message: expect.stringContaining('Cannot reach Ollama at http://127.0.0.1:9') });
      const reply = (await chat('Hi')).messages.at(-1)!;
      expect(reply.error).toMatchObject({ code: 'server_unreachable' });
    } finally {
      await call('settings.set', { ollamaUrl: fake.url });
    }
  });
});
