/**
 * What the app's streaming path costs, against a direct client on the same server in the same
 * run. The server is the real ONNX engine with the tiny demo model, told to ignore EOS (vLLM's
 * ignore_eos) so each reply is BENCH_TOKENS long. Rounds alternate:
 *
 *   direct  fetch + SSE parse of /v1/chat/completions, timed where the bytes arrive;
 *   app     a WebSocket client of the app (`slm-deck serve`'s transport, in-process) sends
 *           chat.send and times the chat.delta frames it receives: dispatcher, chat service,
 *           protocol client, think splitter, 50 ms frame batching, persistence, event bus and
 *           WebSocket all on the path.
 *
 * TTFT = request sent -> first token seen; tokens/s = (tokens - 1) / (last token seen - first).
 * Medians over the rounds; ratios app/direct. Targets: TTFT +2 %, tokens/s -1 %. Run twice: the
 * demo prompt (a few ms of prefill, so fixed costs weigh most) and a long prompt (a prefill
 * closer to a real model's). Prints one JSON object.
 *
 *   node --import tsx test/bench/chat-overhead.ts     env: BENCH_TOKENS=512 BENCH_ROUNDS=15
 */
import path from 'node:path';
import WebSocket from 'ws';
import { createCore } from '../../electron/core/app-core';
import { startWsServer } from '../../electron/core/rpc/ws-server';
import { Engine } from '../../electron/engine/engine';
import { startEngineServer } from '../../electron/engine/server';
import { TINY_MODEL_ID } from '../../electron/engine/tiny-model/spec';
import type { ServerMessage } from '../../electron/shared/contract';
import type { ChatDelta } from '../../electron/shared/contract/chat';
import { ROOT, tempHome } from '../helpers/serve';

const TOKENS = Number(process.env.BENCH_TOKENS ?? 512);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const WARMUP = 3;
const TARGET = { ttftPct: 2, tokensPerSecPct: 1 };

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const r3 = (x: number) => Math.round(x * 1000) / 1000;

const engine = await Engine.load({ modelDir: path.join(ROOT, 'resources', 'models', TINY_MODEL_ID) });
// Long replies for timing: every request runs to max_tokens.
const chat = engine.chat.bind(engine);
engine.chat = (req, onEvent) => chat({ ...req, ignoreEos: true }, onEvent);
const server = await startEngineServer(engine, { host: '127.0.0.1', port: 0 });
const baseUrl = `${server.url}/v1`;

const core = await createCore({ home: tempHome('slm-deck-chat-bench-') });
const ws = await startWsServer(core, { host: '127.0.0.1', port: 0, staticDir: null });
const socket = new WebSocket(`ws://127.0.0.1:${ws.port}/ws?token=${ws.token}`);
await new Promise((r, j) => (socket.once('open', r), socket.once('error', j)));

let nextId = 1;
const pending = new Map<number, (env: unknown) => void>();
let onDelta: ((d: ChatDelta, at: number) => void) | null = null;
socket.on('message', (raw) => {
  const at = performance.now();
  const msg = JSON.parse(String(raw)) as ServerMessage;
  if (msg.type === 'result') pending.get(msg.id)?.(msg.envelope);
  else if (msg.type === 'event' && msg.event === 'chat.delta') onDelta?.(msg.payload as ChatDelta, at);
});
socket.send(JSON.stringify({ type: 'subscribe', event: 'chat.delta' }));
function rpc<T>(method: string, params: unknown): Promise<T> {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, (env) => {
      pending.delete(id);
      const e = env as { ok: boolean; result?: T; error?: { message: string } };
      if (e.ok) resolve(e.result as T);
      else reject(new Error(e.error?.message));
    });
    socket.send(JSON.stringify({ type: 'call', id, method, params }));
  });
}

const backend = await rpc<{ id: string }>('chat.addBackend', { label: 'bench engine', baseUrl, kind: 'openai' });

interface Sample {
  ttftMs: number;
  tokensPerSec: number;
  tokens: number;
}

async function direct(system: string, prompt: string): Promise<Sample> {
  const t0 = performance.now();
  const res = await fetch(`${baseUrl}/chat/completions`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      model: TINY_MODEL_ID,
      messages: [
        { role: 'system', content: system },
        { role: 'user', content: prompt },
      ],
      max_tokens: TOKENS,
      stream: true,
      stream_options: { include_usage: true },
    }),
  });
  const reader = res.body!.getReader();
  const dec = new TextDecoder();
  let buf = '';
  let first = 0;
  let last = 0;
  let n = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const now = performance.now();
    buf += dec.decode(value, { stream: true });
    let at: number;
    while ((at = buf.indexOf('\n\n')) >= 0) {
      const ev = buf.slice(0, at);
      buf = buf.slice(at + 2);
      if (!ev.startsWith('data: ') || ev === 'data: [DONE]') continue;
      const j = JSON.parse(ev.slice(6)) as { choices?: { delta?: { content?: string } }[] };
      if (j.choices?.[0]?.delta?.content) {
        n++;
        if (!first) first = now;
        last = now;
      }
    }
  }
  return { ttftMs: first - t0, tokensPerSec: ((n - 1) * 1000) / (last - first), tokens: n };
}

async function app(system: string, prompt: string): Promise<Sample> {
  const conv = await rpc<{ id: string }>('chat.create', { backendId: backend.id, model: TINY_MODEL_ID, system, params: { max_tokens: TOKENS } });
  let first = 0;
  let last = 0;
  let firstTokens = 0;
  let tokens = 0;
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  onDelta = (d, at) => {
    if (d.conversationId !== conv.id) return;
    if (!first) {
      first = at;
      firstTokens = d.tokens;
    }
    last = at;
    tokens = d.tokens;
    if (tokens >= TOKENS) done();
  };
  const t0 = performance.now();
  await rpc('chat.send', { conversationId: conv.id, content: prompt });
  await finished;
  await core.chat.settled(conv.id);
  onDelta = null;
  // Frames carry the token count so far; the first frame is the first token alone.
  return { ttftMs: first - t0, tokensPerSec: ((tokens - firstTokens) * 1000) / (last - first), tokens };
}

async function compare(name: string, system: string, prompt: string) {
  const d: Sample[] = [];
  const a: Sample[] = [];
  for (let i = 0; i < WARMUP + ROUNDS; i++) {
    // Alternate the order so neither side always runs on a warmer server.
    let ds: Sample;
    let as: Sample;
    if (i % 2) {
      as = await app(system, prompt);
      ds = await direct(system, prompt);
    } else {
      ds = await direct(system, prompt);
      as = await app(system, prompt);
    }
    if (i < WARMUP) continue;
    a.push(as);
    d.push(ds);
  }
  if (a.some((s) => s.tokens !== TOKENS) || d.some((s) => s.tokens !== TOKENS)) throw new Error(`${name}: a reply was not ${TOKENS} tokens long`);
  const dTtft = median(d.map((s) => s.ttftMs));
  const aTtft = median(a.map((s) => s.ttftMs));
  const dTps = median(d.map((s) => s.tokensPerSec));
  const aTps = median(a.map((s) => s.tokensPerSec));
  return {
    direct: { ttftMs: r3(dTtft), tokensPerSec: Math.round(dTps) },
    app: { ttftMs: r3(aTtft), tokensPerSec: Math.round(aTps) },
    addedTtftMs: r3(aTtft - dTtft),
    ttftRatio: r3(aTtft / dTtft),
    tokensPerSecRatio: r3(aTps / dTps),
    meetsTarget: aTtft / dTtft <= 1 + TARGET.ttftPct / 100 && aTps / dTps >= 1 - TARGET.tokensPerSecPct / 100,
  };
}

const system = 'You are a helpful assistant.';
const result = {
  tokensPerReply: TOKENS,
  rounds: ROUNDS,
  target: TARGET,
  demoPrompt: await compare('demo', system, 'Hello! Who are you?'),
  longPrompt: await compare('long', system, `Summarise this text. ${'The quick brown fox jumps over the lazy dog. '.repeat(60)}`),
};

socket.close();
await ws.close();
await core.close();
await server.close();
await engine.dispose();
console.log(JSON.stringify(result));
process.exit(0);
