/**
 * What the app's streaming path costs, against a direct client on the same server in the same
 * run. The server is the real ONNX engine with the tiny demo model in its own process, told to
 * ignore EOS (vLLM's ignore_eos) so each reply is BENCH_TOKENS long (_chat-bench-engine.ts).
 * Rounds alternate:
 *
 *   direct  fetch + SSE parse of /v1/chat/completions, timed where the bytes arrive;
 *   app     a WebSocket client of the app (`slm-deck serve`'s transport, in-process) sends
 *           chat.send and times the chat.delta frames it receives: dispatcher, chat service,
 *           protocol client, think splitter, 50 ms frame batching, persistence, event bus and
 *           WebSocket all on the path.
 *
 * TTFT = request sent -> first token seen; tokens/s = (tokens - 1) / (last token seen - first).
 * Every request has a fresh system prompt so the engine's prompt cache helps neither side.
 *
 * Two ratios app/direct, each the median over rounds of per-round ratios:
 *   raw         the client-side figures as they are;
 *   normalised  each run's figure divided by the engine's own for that request (its
 *               time_to_first_token_ms and tokens_per_second), which cancels the server's
 *               speed changing between runs on a busy machine and leaves what lies between
 *               the server and the client.
 * Each round also times two direct runs against each other: their spread is the noise floor.
 * Targets: TTFT +2 %, tokens/s -1 %, judged on the normalised ratios. Run with the demo prompt
 * (a few ms of prefill, so fixed costs weigh most) and a ~2,800-token prompt. One JSON object.
 *
 *   node --import tsx test/bench/chat-overhead.ts     env: BENCH_TOKENS=512 BENCH_ROUNDS=25
 */
import path from 'node:path';
import WebSocket from 'ws';
import { createCore } from '../../electron/core/app-core';
import { startWsServer } from '../../electron/core/rpc/ws-server';
import { spawnEngine } from '../../electron/engine/spawn-engine';
import { TINY_MODEL_ID } from '../../electron/engine/tiny-model/spec';
import type { ServerMessage } from '../../electron/shared/contract';
import type { ChatDelta, ChatMessage } from '../../electron/shared/contract/chat';
import { tempHome } from '../helpers/serve';

const TOKENS = Number(process.env.BENCH_TOKENS ?? 512);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 25);
const WARMUP = 3;
const TARGET = { ttftPct: 2, tokensPerSecPct: 1 };

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const r3 = (x: number) => Math.round(x * 1000) / 1000;

// The engine runs in its own process, as it does embedded or in a container.
const engine = await spawnEngine({ modelDir: '', entry: path.join(import.meta.dirname, '_chat-bench-engine.ts') });
const baseUrl = `${engine.url}/v1`;

const core = await createCore({ home: tempHome('slm-deck-chat-bench-') });
const ws = await startWsServer(core, { host: '127.0.0.1', port: 0, staticDir: null });
const socket = new WebSocket(`ws://127.0.0.1:${ws.port}/ws?token=${ws.token}`);
await new Promise((r, j) => (socket.once('open', r), socket.once('error', j)));

let nextId = 1;
const pending = new Map<number, (env: unknown) => void>();
let onDelta: ((d: ChatDelta, at: number) => void) | null = null;
let onFinal: ((conversationId: string, m: ChatMessage) => void) | null = null;
socket.on('message', (raw) => {
  const at = performance.now();
  const msg = JSON.parse(String(raw)) as ServerMessage;
  if (msg.type === 'result') pending.get(msg.id)?.(msg.envelope);
  else if (msg.type === 'event' && msg.event === 'chat.delta') onDelta?.(msg.payload as ChatDelta, at);
  else if (msg.type === 'event' && msg.event === 'chat.message') {
    const p = msg.payload as { conversationId: string; message: ChatMessage };
    if (p.message.role === 'assistant' && p.message.status !== 'streaming') onFinal?.(p.conversationId, p.message);
  }
});
socket.send(JSON.stringify({ type: 'subscribe', event: 'chat.delta' }));
socket.send(JSON.stringify({ type: 'subscribe', event: 'chat.message' }));
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
  /** Chunks with text: both sides must see the same number. */
  tokens: number;
  /** The engine's own figures for this request. */
  engineTtftMs: number;
  engineTokensPerSec: number;
}

interface Timings {
  time_to_first_token_ms: number;
  tokens_per_second: number;
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
  let timings: Timings | undefined;
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
      const j = JSON.parse(ev.slice(6)) as { choices?: { delta?: { content?: string } }[]; timings?: Timings };
      if (j.choices?.[0]?.delta?.content) {
        n++;
        if (!first) first = now;
        last = now;
      }
      timings ??= j.timings;
    }
  }
  if (!timings) throw new Error('the engine sent no timings');
  return {
    ttftMs: first - t0,
    tokensPerSec: ((n - 1) * 1000) / (last - first),
    tokens: n,
    engineTtftMs: timings.time_to_first_token_ms,
    engineTokensPerSec: timings.tokens_per_second,
  };
}

async function app(system: string, prompt: string): Promise<Sample> {
  const conv = await rpc<{ id: string }>('chat.create', { backendId: backend.id, model: TINY_MODEL_ID, system, params: { max_tokens: TOKENS } });
  let first = 0;
  let last = 0;
  let firstTokens = 0;
  let tokens = 0;
  let final!: (m: ChatMessage) => void;
  const finished = new Promise<ChatMessage>((r) => (final = r));
  onDelta = (d, at) => {
    if (d.conversationId !== conv.id) return;
    if (!first) {
      first = at;
      firstTokens = d.tokens;
    }
    last = at;
    tokens = d.tokens;
  };
  // The reply's final message follows its last frame on the same socket.
  onFinal = (id, m) => id === conv.id && final(m);
  const t0 = performance.now();
  await rpc('chat.send', { conversationId: conv.id, content: prompt });
  const reply = await finished;
  await core.chat.settled(conv.id);
  onDelta = null;
  onFinal = null;
  // The app keeps the engine's own figures (its `timings`) in the message stats.
  const stats = reply.stats!;
  return {
    // Frames carry the token count so far; the first frame is the first token alone.
    ttftMs: first - t0,
    tokensPerSec: ((tokens - firstTokens) * 1000) / (last - first),
    tokens,
    engineTtftMs: stats.serverTtftMs ?? NaN,
    engineTokensPerSec: stats.decodeTokensPerSec ?? NaN,
  };
}

let nonce = 0;
/** A system prompt no earlier request had: the engine's prompt cache never helps either side. */
const fresh = (system: string) => `[${++nonce}] ${system}`;

async function compare(name: string, system: string, prompt: string) {
  const d: Sample[] = [];
  const a: Sample[] = [];
  const noise: Array<[Sample, Sample]> = [];
  for (let i = 0; i < WARMUP + ROUNDS; i++) {
    // Alternate the order so neither side always runs on a warmer server.
    let ds: Sample;
    let as: Sample;
    if (i % 2) {
      as = await app(fresh(system), prompt);
      ds = await direct(fresh(system), prompt);
    } else {
      ds = await direct(fresh(system), prompt);
      as = await app(fresh(system), prompt);
    }
    const x = await direct(fresh(system), prompt);
    const y = await direct(fresh(system), prompt);
    if (i < WARMUP) continue;
    a.push(as);
    d.push(ds);
    noise.push([x, y]);
  }
  const chunks = new Set([...a, ...d].map((s) => s.tokens));
  if (chunks.size !== 1) throw new Error(`${name}: replies differ in length (${[...chunks].join(', ')} chunks)`);

  const ttft = (s: Sample) => s.ttftMs;
  const tps = (s: Sample) => s.tokensPerSec;
  const nTtft = (s: Sample) => s.ttftMs / s.engineTtftMs;
  const nTps = (s: Sample) => s.tokensPerSec / s.engineTokensPerSec;
  const ratio = (f: (s: Sample) => number) => median(a.map((s, i) => f(s) / f(d[i])));
  const spread = (f: (s: Sample) => number) => r3(100 * median(noise.map(([x, y]) => Math.abs(f(x) / f(y) - 1))));
  const normalised = { ttftRatio: r3(ratio(nTtft)), tokensPerSecRatio: r3(ratio(nTps)) };
  return {
    chunksPerReply: [...chunks][0],
    direct: { ttftMs: r3(median(d.map(ttft))), tokensPerSec: Math.round(median(d.map(tps))), engineTtftMs: r3(median(d.map((s) => s.engineTtftMs))) },
    app: { ttftMs: r3(median(a.map(ttft))), tokensPerSec: Math.round(median(a.map(tps))), engineTtftMs: r3(median(a.map((s) => s.engineTtftMs))) },
    addedTtftMs: r3(median(a.map((s, i) => s.ttftMs - s.engineTtftMs - (d[i].ttftMs - d[i].engineTtftMs)))),
    raw: { ttftRatio: r3(ratio(ttft)), tokensPerSecRatio: r3(ratio(tps)), noisePct: { ttft: spread(ttft), tokensPerSec: spread(tps) } },
    normalised: { ...normalised, noisePct: { ttft: spread(nTtft), tokensPerSec: spread(nTps) } },
    meetsTarget: normalised.ttftRatio <= 1 + TARGET.ttftPct / 100 && normalised.tokensPerSecRatio >= 1 - TARGET.tokensPerSecPct / 100,
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
await engine.stop();
console.log(JSON.stringify(result));
process.exit(0);
