import type { ServerResponse } from 'node:http';
import type { ModelRecord } from './library';
import { HttpError, NdjsonStream, nowIso, sendJson } from './wire';

/**
 * /api/chat and /api/generate, deterministic: replies come from a script queue the test
 * fills, or else echo the last user message. Durations are nanoseconds, derived from token
 * counts so assertions can compute them.
 */

export interface ScriptedReply {
  /** Only consumed by requests for this model (any model when unset). */
  model?: string;
  content?: string;
  /** Sent as message.thinking (chat) / thinking (generate) when the request thinks. */
  thinking?: string;
  toolCalls?: Array<{ name: string; arguments: Record<string, unknown> }>;
  doneReason?: string;
  /** `{"error": message}` after this many chunks; at 0 it is an HTTP error with `status`. */
  error?: { message: string; afterChunks?: number; status?: number };
  /** Destroy the connection after this many chunks, as a crashed server would. */
  dieAfterChunks?: number;
}

export interface InferenceRecord {
  endpoint: '/api/chat' | '/api/generate';
  model: string;
  /** The conversation as the model sees it: its SYSTEM and MESSAGEs first. */
  messages: Array<{ role: string; content: string }>;
  /** Model parameters overridden by request options. */
  options: Record<string, unknown>;
  think: unknown;
  tools: unknown[];
  stream: boolean;
}

export interface ChatEnv {
  findModel(name: string): ModelRecord | undefined;
  fullName(name: string): string;
  takeScript(model: string): ScriptedReply | undefined;
  markLoaded(model: ModelRecord, keepAliveMs: number | 'forever' | undefined, numCtx: number): { wasLoaded: boolean };
  unload(model: ModelRecord): void;
  record(r: InferenceRecord): void;
  tokenIntervalMs(): number;
  socketOf(res: ServerResponse): { destroy(): void } | null;
}

const NS_PER_EVAL_TOKEN = 25_000_000;
const NS_PER_PROMPT_TOKEN = 2_000_000;

/** Whitespace-led pieces whose concatenation is exactly the text. */
export function pieces(text: string): string[] {
  const out: string[] = [...(text.match(/\s*\S+/g) ?? [])];
  const tail = text.slice(out.join('').length);
  if (tail) {
    if (out.length) out[out.length - 1] += tail;
    else out.push(tail);
  }
  return out;
}

const words = (s: string) => (s.match(/\S+/g) ?? []).length;

interface Plan {
  thinking: string[];
  content: string[];
  toolCalls: Array<{ id: string; function: { index: number; name: string; arguments: Record<string, unknown> } }>;
  doneReason: string;
  error?: ScriptedReply['error'];
  dieAfterChunks?: number;
}

function plan(
  reply: ScriptedReply | undefined,
  fallback: string,
  thinkFallback: string | undefined,
  think: boolean,
  options: Record<string, unknown>,
  tools: Array<{ function?: { name?: string } }>,
): Plan {
  let content = reply?.content ?? (reply ? '' : fallback);
  let doneReason = reply?.doneReason ?? 'stop';
  const stops = Array.isArray(options.stop) ? (options.stop as unknown[]).filter((s): s is string => typeof s === 'string' && s !== '') : [];
  for (const s of stops) {
    const at = content.indexOf(s);
    if (at !== -1) {
      content = content.slice(0, at);
      doneReason = 'stop';
    }
  }
  let contentPieces = pieces(content);
  const limit = typeof options.num_predict === 'number' && options.num_predict >= 0 ? options.num_predict : Infinity;
  if (contentPieces.length > limit) {
    contentPieces = contentPieces.slice(0, limit);
    doneReason = 'length';
  }
  const offered = new Set(tools.map((t) => t.function?.name));
  const toolCalls = (reply?.toolCalls ?? []).map((c, index) => {
    if (!offered.has(c.name)) throw new HttpError(500, `fake ollama: the script calls tool "${c.name}" but the request offered ${[...offered].join(', ') || 'no tools'}`);
    return { id: `call_${String(index).padStart(8, '0')}`, function: { index, name: c.name, arguments: c.arguments } };
  });
  const thinking = think ? pieces(reply?.thinking ?? (reply ? '' : (thinkFallback ?? ''))) : [];
  return { thinking, content: contentPieces, toolCalls, doneReason, error: reply?.error, dieAfterChunks: reply?.dieAfterChunks };
}

interface Common {
  model: ModelRecord;
  displayName: string;
  think: boolean;
  options: Record<string, unknown>;
  promptTokens: number;
  wasLoaded: boolean;
}

function stats(c: Common, evalCount: number) {
  const prompt_eval_duration = c.promptTokens * NS_PER_PROMPT_TOKEN;
  const eval_duration = evalCount * NS_PER_EVAL_TOKEN;
  const load_duration = c.wasLoaded ? 1_000_000 : 500_000_000;
  return {
    total_duration: load_duration + prompt_eval_duration + eval_duration,
    load_duration,
    prompt_eval_count: c.promptTokens,
    prompt_eval_duration,
    eval_count: evalCount,
    eval_duration,
  };
}

function resolveThink(model: ModelRecord, raw: unknown, displayName: string): boolean {
  const thinks = model.capabilities.includes('thinking');
  const requested = raw === undefined || raw === null ? undefined : raw !== false;
  if (!thinks && requested) throw new HttpError(400, `${JSON.stringify(displayName)} does not support thinking`);
  return thinks && requested !== false;
}

function mergedOptions(model: ModelRecord, opts: unknown): Record<string, unknown> {
  return { ...model.parameters, ...(opts && typeof opts === 'object' ? (opts as Record<string, unknown>) : {}) };
}

function numCtx(options: Record<string, unknown>): number {
  return typeof options.num_ctx === 'number' ? options.num_ctx : 4096;
}

async function emit(
  env: ChatEnv,
  res: ServerResponse,
  p: Plan,
  chunk: (kind: 'thinking' | 'content' | 'tools', text: string, calls?: Plan['toolCalls']) => unknown,
  final: (evalCount: number) => unknown,
  stream: boolean,
  aggregate: (parts: { thinking: string; content: string; toolCalls: Plan['toolCalls'] }, evalCount: number) => unknown,
): Promise<void> {
  const steps: Array<['thinking' | 'content' | 'tools', string]> = [
    ...p.thinking.map((t): ['thinking', string] => ['thinking', t]),
    ...p.content.map((t): ['content', string] => ['content', t]),
    ...(p.toolCalls.length ? [['tools', ''] as ['tools', string]] : []),
  ];
  const evalCount = p.thinking.length + p.content.length + (p.toolCalls.length ? 1 : 0);
  if (p.error && (p.error.afterChunks ?? 0) === 0) throw new HttpError(p.error.status ?? 500, p.error.message);
  if (!stream) {
    if (p.error) throw new HttpError(p.error.status ?? 500, p.error.message);
    sendJson(res, 200, aggregate({ thinking: p.thinking.join(''), content: p.content.join(''), toolCalls: p.toolCalls }, evalCount));
    return;
  }
  const out = new NdjsonStream(res);
  let sent = 0;
  for (const [kind, text] of steps) {
    if (out.closed) return;
    if (p.dieAfterChunks !== undefined && sent >= p.dieAfterChunks) {
      env.socketOf(res)?.destroy();
      return;
    }
    if (p.error && sent >= (p.error.afterChunks ?? 0)) return out.fail(p.error.message);
    out.write(chunk(kind, text, kind === 'tools' ? p.toolCalls : undefined));
    sent++;
    const wait = env.tokenIntervalMs();
    await new Promise((r) => (wait > 0 ? setTimeout(r, wait) : setImmediate(r)));
  }
  if (p.dieAfterChunks !== undefined && sent >= p.dieAfterChunks) {
    env.socketOf(res)?.destroy();
    return;
  }
  if (p.error) return out.fail(p.error.message);
  out.write(final(evalCount));
  out.end();
}

export async function handleChat(env: ChatEnv, body: Record<string, unknown>, res: ServerResponse, keepAlive: number | 'forever' | undefined): Promise<void> {
  const name = typeof body.model === 'string' ? body.model : '';
  if (!name) throw new HttpError(400, 'model is required');
  const model = env.findModel(name);
  if (!model) throw new HttpError(404, `model '${name}' not found`);
  const messages = Array.isArray(body.messages) ? (body.messages as Array<{ role?: string; content?: string }>) : [];
  if (messages.length === 0 && keepAlive === 0) {
    env.unload(model);
    return sendJson(res, 200, { model: name, created_at: nowIso(), message: { role: 'assistant', content: '' }, done_reason: 'unload', done: true });
  }
  const think = resolveThink(model, body.think, name);
  const tools = Array.isArray(body.tools) ? (body.tools as Array<{ function?: { name?: string } }>) : [];
  if (tools.length && !model.capabilities.includes('tools')) throw new HttpError(400, `${env.fullName(name)} does not support tools`);
  const options = mergedOptions(model, body.options);
  const { wasLoaded } = env.markLoaded(model, keepAlive, numCtx(options));
  if (messages.length === 0) {
    return sendJson(res, 200, { model: name, created_at: nowIso(), message: { role: 'assistant', content: '' }, done_reason: 'load', done: true });
  }
  const conv = [
    ...(model.system && messages[0]?.role !== 'system' ? [{ role: 'system', content: model.system }] : []),
    ...model.messages,
    ...messages.map((m) => ({ role: String(m.role ?? ''), content: String(m.content ?? '') })),
  ];
  const stream = body.stream !== false;
  env.record({ endpoint: '/api/chat', model: name, messages: conv, options, think: body.think, tools, stream });
  const lastUser = [...messages].reverse().find((m) => m.role === 'user')?.content ?? '';
  const p = plan(env.takeScript(name), `You said: ${lastUser}`, `The user wrote ${words(String(lastUser))} words.`, think, options, tools);
  const c: Common = { model, displayName: name, think, options, promptTokens: conv.reduce((a, m) => a + words(m.content) + 4, 0), wasLoaded };
  const head = () => ({ model: name, created_at: nowIso() });
  await emit(
    env,
    res,
    p,
    (kind, text, calls) => ({
      ...head(),
      message:
        kind === 'thinking'
          ? { role: 'assistant', content: '', thinking: text }
          : kind === 'tools'
            ? { role: 'assistant', content: '', tool_calls: calls }
            : { role: 'assistant', content: text },
      done: false,
    }),
    (n) => ({ ...head(), message: { role: 'assistant', content: '' }, done: true, done_reason: p.doneReason, ...stats(c, n) }),
    stream,
    (parts, n) => ({
      ...head(),
      message: {
        role: 'assistant',
        content: parts.content,
        ...(parts.thinking ? { thinking: parts.thinking } : {}),
        ...(parts.toolCalls.length ? { tool_calls: parts.toolCalls } : {}),
      },
      done: true,
      done_reason: p.doneReason,
      ...stats(c, n),
    }),
  );
}

export async function handleGenerate(env: ChatEnv, body: Record<string, unknown>, res: ServerResponse, keepAlive: number | 'forever' | undefined): Promise<void> {
  const name = typeof body.model === 'string' ? body.model : '';
  const model = name ? env.findModel(name) : undefined;
  if (!model) throw new HttpError(404, `model '${name}' not found`);
  const prompt = typeof body.prompt === 'string' ? body.prompt : '';
  if (prompt === '' && keepAlive === 0) {
    env.unload(model);
    return sendJson(res, 200, { model: name, created_at: nowIso(), response: '', done: true, done_reason: 'unload' });
  }
  const think = resolveThink(model, body.think, name);
  const options = mergedOptions(model, body.options);
  const { wasLoaded } = env.markLoaded(model, keepAlive, numCtx(options));
  if (prompt === '') return sendJson(res, 200, { model: name, created_at: nowIso(), response: '', done: true, done_reason: 'load' });
  const system = typeof body.system === 'string' && body.system ? body.system : model.system;
  const conv = [...(system ? [{ role: 'system', content: system }] : []), ...model.messages, { role: 'user', content: prompt }];
  const stream = body.stream !== false;
  env.record({ endpoint: '/api/generate', model: name, messages: conv, options, think: body.think, tools: [], stream });
  const p = plan(env.takeScript(name), `You said: ${prompt}`, `The prompt has ${words(prompt)} words.`, think, options, []);
  const c: Common = { model, displayName: name, think, options, promptTokens: conv.reduce((a, m) => a + words(m.content) + 4, 0), wasLoaded };
  const head = () => ({ model: name, created_at: nowIso() });
  const context = Array.from({ length: Math.min(8, c.promptTokens) }, (_, i) => i + 1);
  await emit(
    env,
    res,
    p,
    (kind, text) => ({ ...head(), response: kind === 'content' ? text : '', ...(kind === 'thinking' ? { thinking: text } : {}), done: false }),
    (n) => ({ ...head(), response: '', done: true, done_reason: p.doneReason, context, ...stats(c, n) }),
    stream,
    (parts, n) => ({
      ...head(),
      response: parts.content,
      ...(parts.thinking ? { thinking: parts.thinking } : {}),
      done: true,
      done_reason: p.doneReason,
      context,
      ...stats(c, n),
    }),
  );
}
