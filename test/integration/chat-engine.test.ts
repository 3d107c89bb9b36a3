import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../electron/core/app-core';
import { unwrap } from '../../electron/core/rpc/dispatcher';
import { spawnEngine, type EngineProcess } from '../../electron/engine/spawn-engine';
import { TINY_ANSWER, TINY_MODEL_ID } from '../../electron/engine/tiny-model/spec';
import type { MethodInput, MethodName, MethodResult } from '../../electron/shared/contract';
import type { ChatDelta, ChatMessage } from '../../electron/shared/contract/chat';
import { ROOT, tempHome } from '../helpers/serve';
import { startSlowLink, type SlowLink } from './chat-slow-link';

/**
 * The OpenAI-compatible chat path against the real ONNX engine running the tiny demo model
 * (real inference): streaming, usage, tool calls, stop, a server killed mid-reply, the CLI,
 * and an app process killed mid-reply.
 */
const MODEL_DIR = path.join(ROOT, 'resources', 'models', TINY_MODEL_ID);
const HELLO = 'Hello! Who are you?';

let engine: EngineProcess;
let core: Core;
let home: string;
const signal = new AbortController().signal;
const links: SlowLink[] = [];

async function call<M extends MethodName>(c: Core, method: M, params: MethodInput<M>): Promise<MethodResult<M>> {
  return unwrap(await c.dispatcher.call(method, params, { transport: 'websocket', signal })) as MethodResult<M>;
}

function deltasOf(c: Core, conversationId: string): ChatDelta[] {
  const out: ChatDelta[] = [];
  c.bus.on('chat.delta', (d) => d.conversationId === conversationId && out.push(d));
  return out;
}

async function until<T>(what: string, fn: () => T | undefined | Promise<T | undefined>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function chatOnce(c: Core, backendId: string, content: string, setup: Partial<MethodInput<'chat.create'>> = {}) {
  const conv = await call(c, 'chat.create', { backendId, ...setup });
  const deltas = deltasOf(c, conv.id);
  const sent = await call(c, 'chat.send', { conversationId: conv.id, content });
  return { conv, deltas, sent };
}

beforeAll(async () => {
  engine = await spawnEngine({ modelDir: MODEL_DIR });
  home = tempHome('slm-deck-chat-engine-');
  core = await createCore({ home });
});

afterAll(async () => {
  await core?.close();
  await Promise.all(links.map((l) => l.close()));
  await engine?.stop();
});

describe('chat with the ONNX engine (OpenAI-compatible, real inference)', () => {
  let backendId: string;

  it('adds the engine by URL and lists its model', async () => {
    const b = await call(core, 'chat.addBackend', { label: 'Tiny engine', baseUrl: engine.url, kind: 'openai' });
    expect(b.baseUrl).toBe(`${engine.url}/v1`);
    backendId = b.id;
    expect((await call(core, 'chat.backends', {})).map((x) => x.label)).toContain('Tiny engine');
    expect(await call(core, 'chat.models', { backendId })).toEqual([{ id: TINY_MODEL_ID, detail: 'slm-deck' }]);
    await expect(call(core, 'chat.addBackend', { label: 'Again', baseUrl: `${engine.url}/v1/`, kind: 'openai' })).rejects.toThrow('already a backend');
  });

  it('streams the known answer token by token, with the server’s token counts', async () => {
    const { conv, deltas, sent } = await chatOnce(core, backendId, HELLO, { system: 'You are a helpful assistant.', params: { temperature: 0 } });
    await core.chat.settled(conv.id);
    const reply = (await call(core, 'chat.get', { id: conv.id })).messages.find((m) => m.id === sent.assistantMessageId)!;
    expect(reply.content).toBe(TINY_ANSWER);
    expect(reply.status).toBe('done');
    // The first token goes out on its own frame, the rest follows; together they are the answer.
    expect(deltas[0].content).toBe('Hello');
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.map((d) => d.content ?? '').join('')).toBe(TINY_ANSWER);
    expect(reply.stats).toMatchObject({
      model: TINY_MODEL_ID,
      backendLabel: 'Tiny engine',
      kind: 'openai',
      completionTokens: 13,
      promptTokens: 44,
      tokenSource: 'server',
      streamed: true,
      finishReason: 'stop',
      params: { temperature: 0 },
    });
    expect(reply.stats!.ttftMs).toBeGreaterThan(0);
    expect(reply.stats!.decodeTokensPerSec).toBeGreaterThan(0);
  });

  it('runs the tool loop: the model calls calculate_circle_area, the result goes back, it answers', async () => {
    const { conv } = await chatOnce(core, backendId, 'Calculate the area of a circle with radius 5 units', { tools: ['calculate_circle_area'] });
    await core.chat.settled(conv.id);
    const msgs = (await call(core, 'chat.get', { id: conv.id })).messages;
    expect(msgs.map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'assistant']);
    expect(msgs[1].toolCalls).toEqual([{ id: expect.any(String), name: 'calculate_circle_area', arguments: { radius: 5 } }]);
    expect(msgs[2]).toMatchObject({ toolName: 'calculate_circle_area', toolCallId: msgs[1].toolCalls![0].id, status: 'done' });
    expect(JSON.parse(msgs[2].content)).toEqual({ radius: 5, area: 78.539816 });
    expect(msgs[3]).toMatchObject({ content: TINY_ANSWER, status: 'done' });
  });

  it('a tool call cut off by max_tokens is shown, not run, and the reply says it hit the limit', async () => {
    const { conv } = await chatOnce(core, backendId, 'Calculate the area of a circle with radius 5 units', { tools: ['calculate_circle_area'], params: { max_tokens: 2 } });
    await core.chat.settled(conv.id);
    const msgs = (await call(core, 'chat.get', { id: conv.id })).messages;
    expect(msgs.map((m) => m.role)).toEqual(['user', 'assistant']);
    expect(msgs[1]).toMatchObject({ status: 'done', stats: { finishReason: 'length' } });
    expect(msgs[1].content).not.toContain('<|tool_call|>');
    expect(msgs[1].toolCalls?.map((c) => c.name)).toEqual(['calculate_circle_area']);
  });

  it('sends tool turns unstreamed to a server that cannot stream tool calls (vLLM phi4_mini_json)', async () => {
    core.chatBackends.register({
      name: 'test-vllm-like',
      list: () => [{ id: 'vllm-like', kind: 'openai', baseUrl: `${engine.url}/v1`, label: 'vLLM-like', source: 'test', streamToolCalls: false, removable: false }],
    });
    const { conv } = await chatOnce(core, 'vllm-like', 'Calculate the area of a circle with radius 5 units', { tools: ['calculate_circle_area'] });
    await core.chat.settled(conv.id);
    const msgs = (await call(core, 'chat.get', { id: conv.id })).messages;
    expect(msgs[1].toolCalls?.[0]).toMatchObject({ name: 'calculate_circle_area', arguments: { radius: 5 } });
    expect(msgs[1].stats).toMatchObject({ streamed: false, ttftMs: null, completionTokens: 4 });
    expect(msgs[3]).toMatchObject({ content: TINY_ANSWER, status: 'done' });
  });

  it('stop keeps the partial answer (slow link in front of the engine)', async () => {
    const link = await startSlowLink({ host: '127.0.0.1', port: engine.port }, 150);
    links.push(link);
    const b = await call(core, 'chat.addBackend', { label: 'Engine over a slow link', baseUrl: link.url, kind: 'openai' });
    const { conv, deltas, sent } = await chatOnce(core, b.id, HELLO);
    await until('three tokens', () => (deltas.map((d) => d.content ?? '').join('').split(' ').length >= 3 ? true : undefined));
    expect(await call(core, 'chat.stop', { conversationId: conv.id })).toEqual({ stopped: true });
    const reply = (await call(core, 'chat.get', { id: conv.id })).messages.find((m) => m.id === sent.assistantMessageId)!;
    expect(reply.status).toBe('stopped');
    expect(reply.content.length).toBeGreaterThan(0);
    expect(reply.content.length).toBeLessThan(TINY_ANSWER.length);
    expect(TINY_ANSWER.startsWith(reply.content)).toBe(true);
    expect(reply.stats!.tokenSource).toBe('counted');
    // The conversation goes on after a stop, here on the direct connection.
    expect((await call(core, 'chat.update', { id: conv.id, backendId })).backendLabel).toBe('Tiny engine');
    await call(core, 'chat.send', { conversationId: conv.id, content: 'Again?' });
    await core.chat.settled(conv.id);
    expect((await call(core, 'chat.get', { id: conv.id })).messages.at(-1)).toMatchObject({ status: 'done', content: TINY_ANSWER });
  });

  it('the server goes away mid-reply: what arrived is kept and the error says what happened', async () => {
    const doomed = await spawnEngine({ modelDir: MODEL_DIR });
    const link = await startSlowLink({ host: '127.0.0.1', port: doomed.port }, 150);
    links.push(link);
    const b = await call(core, 'chat.addBackend', { label: 'Doomed engine', baseUrl: link.url, kind: 'openai' });
    const { conv, deltas, sent } = await chatOnce(core, b.id, HELLO);
    await until('two frames', () => (deltas.length >= 2 ? true : undefined));
    // The engine dies and its connection with it (the link drops what was still on the way).
    doomed.child.kill('SIGKILL');
    link.cut();
    await core.chat.settled(conv.id);
    const reply = (await call(core, 'chat.get', { id: conv.id })).messages.find((m) => m.id === sent.assistantMessageId)!;
    expect(reply.status).toBe('error');
    expect(reply.content.length).toBeGreaterThan(0);
    expect(TINY_ANSWER.startsWith(reply.content)).toBe(true);
    expect(reply.error!.code).toBe('server_error');
    expect(reply.error!.message).toMatch(/^The connection to Doomed engine broke after \d+ tokens \(.+\)\.$/);
    expect(reply.error!.hint).toContain('What arrived is kept');

    // The next message finds nobody there.
    await call(core, 'chat.send', { conversationId: conv.id, content: 'Still there?' });
    await core.chat.settled(conv.id);
    const next = (await call(core, 'chat.get', { id: conv.id })).messages.at(-1)!;
    expect(next.status).toBe('error');
    expect(next.error!.code).toBe('server_unreachable');
  });

  it('keeps every conversation across a restart of the app', async () => {
    const before = await call(core, 'chat.list', {});
    const again = await createCore({ home });
    try {
      const after = await call(again, 'chat.list', {});
      expect(after.map((c) => [c.id, c.title, c.messageCount])).toEqual(before.map((c) => [c.id, c.title, c.messageCount]));
      const found = await call(again, 'chat.list', { query: 'tiny demo model' });
      expect(found.length).toBeGreaterThan(0);
      expect(found[0].snippet).toContain('tiny demo model');
    } finally {
      await again.close();
    }
  });
});

describe('slm-deck chat (CLI)', () => {
  const cli = (args: string[], env: Record<string, string>) =>
    spawn(process.execPath, [path.join(ROOT, 'bin', 'slm-deck.js'), ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });

  it('streams to the terminal, and prints a JSON result with --json', async () => {
    const cliHome = tempHome('slm-deck-chat-cli-');
    const run = (args: string[]) =>
      new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
        const p = cli(args, { SLM_DECK_HOME: cliHome });
        let out = '';
        let err = '';
        p.stdout!.on('data', (d) => (out += d));
        p.stderr!.on('data', (d) => (err += d));
        p.on('close', (code) => resolve({ code, out, err }));
      });
    const plain = await run(['chat', '--backend', engine.url, '--prompt', HELLO, '--system', 'You are a helpful assistant.']);
    expect(plain.err).toContain('completion tokens');
    expect(plain.out).toBe(`${TINY_ANSWER}\n`);
    expect(plain.code).toBe(0);
    expect(plain.err).not.toContain('cut off');
    const cut = await run(['chat', '--backend', engine.url, '--prompt', HELLO, '--max-tokens', '2']);
    expect(cut.code).toBe(0);
    expect(cut.err).toContain('2 completion tokens · cut off at max_tokens');

    const json = await run(['chat', '--backend', `${engine.url}/v1`, '--prompt', 'Area of a circle with radius 5?', '--tools', '--json']);
    expect(json.code).toBe(0);
    const r = JSON.parse(json.out);
    expect(r).toMatchObject({ status: 'done', content: TINY_ANSWER, model: TINY_MODEL_ID });
    expect(r.toolCalls).toEqual([{ name: 'calculate_circle_area', arguments: { radius: 5 }, result: '{"radius":5,"area":78.539816}' }]);
    // The URL became one backend, used by both runs.
    const backends = await run(['chat', '--list-backends', '--json']);
    expect(JSON.parse(backends.out).filter((b: { source: string }) => b.source === 'custom')).toHaveLength(1);

    const bad = await run(['chat', '--backend', 'nope', '--prompt', 'x']);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('error: No backend "nope".');
  });

  it('a killed app loses at most a fraction of a second of a streaming reply', async () => {
    const link = await startSlowLink({ host: '127.0.0.1', port: engine.port }, 200);
    links.push(link);
    const cliHome = tempHome('slm-deck-chat-kill-');
    const p = cli(['chat', '--backend', link.url, '--prompt', HELLO], { SLM_DECK_HOME: cliHome });
    let out = '';
    p.stdout!.on('data', (d) => (out += d));
    const dir = path.join(cliHome, 'conversations');
    // Kill it once the reply on disk has a few words (it is written about every 250 ms).
    const saved = await until('a partial reply on disk', async () => {
      // Only finished writes: a `.tmp` beside it may be renamed away while we read it.
      const files = (await fs.readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.json'));
      if (!files.length) return undefined;
      const c = JSON.parse(await fs.readFile(path.join(dir, files[0]), 'utf8')) as { messages: ChatMessage[] };
      const text = c.messages.at(-1)?.content ?? '';
      return text.split(' ').length >= 3 ? text : undefined;
    });
    p.kill('SIGKILL');
    await new Promise((r) => p.once('close', r));
    expect(out.length).toBeLessThan(TINY_ANSWER.length);

    const again = await createCore({ home: cliHome });
    try {
      const [summary] = await call(again, 'chat.list', {});
      const reply = (await call(again, 'chat.get', { id: summary.id })).messages.at(-1)!;
      expect(reply.status).toBe('interrupted');
      expect(reply.error!.message).toContain('stopped while this reply was streaming');
      expect(reply.content.startsWith(saved)).toBe(true);
      expect(TINY_ANSWER.startsWith(reply.content)).toBe(true);
      // What the terminal showed is on disk, give or take the last frame.
      expect(reply.content.length).toBeGreaterThanOrEqual(out.trimEnd().split(' ').slice(0, -2).join(' ').length);
    } finally {
      await again.close();
    }
  });
});
