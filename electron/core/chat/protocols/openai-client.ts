import { z } from 'zod';
import { DeckError } from '../../../shared/errors';
import type { ToolCall } from '../../../shared/contract/chat';
import { joinUrl, request, serverMessage, type Target } from './http';
import { LineSplitter, readText, SseParser, type SseEvent } from '../../http/line-stream';
import type { ChatClient, ChatRequest, ModelInfo, StreamEvent, WireMessage } from './types';

const Usage = z
  .object({ prompt_tokens: z.number().nullish(), completion_tokens: z.number().nullish() })
  .nullish();

/** Server-side decode speed: the SLM Deck engine's `tokens_per_second`, llama.cpp's `predicted_per_second`. */
const Timings = z
  .object({
    tokens_per_second: z.number().nullish(),
    predicted_per_second: z.number().nullish(),
    time_to_first_token_ms: z.number().nullish(),
  })
  .nullish();

const ToolCallDelta = z.object({
  index: z.number().optional(),
  id: z.string().nullish(),
  function: z.object({ name: z.string().nullish(), arguments: z.string().nullish() }).nullish(),
});

const Chunk = z.object({
  choices: z
    .array(
      z.object({
        delta: z
          .object({
            content: z.string().nullish(),
            reasoning_content: z.string().nullish(),
            reasoning: z.string().nullish(),
            tool_calls: z.array(ToolCallDelta).nullish(),
          })
          .nullish(),
        finish_reason: z.string().nullish(),
      }),
    )
    .nullish(),
  usage: Usage,
  timings: Timings,
});

const Completion = z.object({
  choices: z
    .array(
      z.object({
        message: z.object({
          content: z.string().nullish(),
          reasoning_content: z.string().nullish(),
          reasoning: z.string().nullish(),
          tool_calls: z
            .array(z.object({ id: z.string().nullish(), function: z.object({ name: z.string(), arguments: z.string().nullish() }) }))
            .nullish(),
        }),
        finish_reason: z.string().nullish(),
      }),
    )
    .min(1),
  usage: Usage,
  timings: Timings,
});

const Models = z.object({ data: z.array(z.object({ id: z.string(), owned_by: z.string().nullish() })) });

/** Key under which unparsable tool arguments are kept, so the tool can say what was wrong. */
export const INVALID_ARGS = '__invalid_json';

/** OpenAI-compatible chat completions (vLLM, the ONNX engine, any compatible URL): SSE streaming. */
export class OpenAiClient implements ChatClient {
  async *chat(req: ChatRequest, signal: AbortSignal): AsyncGenerator<StreamEvent> {
    const target: Target = { url: joinUrl(req.baseUrl, '/chat/completions'), what: `the server at ${req.baseUrl}` };
    const body: Record<string, unknown> = {
      model: req.model,
      messages: req.messages.map(toWire),
      stream: req.stream,
      ...pickParams(req),
    };
    if (req.stream) body.stream_options = { include_usage: true };
    if (req.tools?.length) {
      body.tools = req.tools.map((t) => ({ type: 'function', function: t }));
      body.tool_choice = 'auto';
    }
    const res = await request(target, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: req.stream ? 'text/event-stream' : 'application/json', ...bearer(req.apiKey) },
      body: JSON.stringify(body),
      signal,
    });
    if (!req.stream) {
      yield* completionEvents(parseOr(Completion, await res.json(), target));
      return;
    }
    if (!res.body) throw new DeckError('server_error', `${target.what} sent no body.`);
    const calls = new Map<number, { id: string; name: string; args: string }>();
    let finish: string | null = null;
    const lines = new LineSplitter();
    const sse = new SseParser();
    // One pass over each network read: lines, events and chunks are parsed synchronously.
    const handle = (ev: SseEvent): StreamEvent[] | 'done' => {
      if (ev.data === '[DONE]') return 'done';
      let json: unknown;
      try {
        json = JSON.parse(ev.data);
      } catch {
        throw new DeckError('server_error', `${target.what} sent a malformed event: ${ev.data.slice(0, 120)}`);
      }
      const error = ev.event === 'error' ? ev.data : inStreamError(json);
      if (error !== undefined) throw new DeckError('server_error', `${target.what} reported an error mid-stream: ${serverMessage(error) ?? error}`, 'What arrived before the error is kept.');
      const chunk = parseOr(Chunk, json, target);
      const out: StreamEvent[] = [];
      for (const choice of chunk.choices ?? []) {
        const d = choice.delta;
        const reasoning = d?.reasoning_content ?? d?.reasoning;
        if (reasoning) out.push({ type: 'reasoning', text: reasoning });
        if (d?.content) out.push({ type: 'content', text: d.content });
        for (const tc of d?.tool_calls ?? []) {
          const idx = tc.index ?? calls.size;
          const acc = calls.get(idx) ?? { id: '', name: '', args: '' };
          if (tc.id) acc.id = tc.id;
          if (tc.function?.name) acc.name += tc.function.name;
          if (tc.function?.arguments) acc.args += tc.function.arguments;
          calls.set(idx, acc);
          out.push({ type: 'tool_delta' });
        }
        if (choice.finish_reason) finish = choice.finish_reason;
      }
      if (chunk.usage) out.push(usageEvent(chunk.usage));
      const t = serverTimings(chunk.timings);
      if (t) out.push({ type: 'usage', ...t });
      return out;
    };
    let done = false;
    // Read to the end even after [DONE], so the connection can be reused.
    for await (const text of readText(res.body, signal)) {
      for (const line of lines.push(text)) {
        const ev = done ? null : sse.push(line);
        if (!ev) continue;
        const out = handle(ev);
        if (out === 'done') done = true;
        else yield* out;
      }
    }
    if (!done) {
      for (const line of [...lines.end(), '']) {
        const ev = sse.push(line);
        const out = ev ? handle(ev) : [];
        if (out !== 'done') yield* out;
      }
    }
    if (calls.size) {
      yield {
        type: 'tool_calls',
        calls: [...calls.entries()].sort(([a], [b]) => a - b).map(([i, c]) => toolCall(c.id || `call_${i}`, c.name, c.args)),
      };
    }
    yield { type: 'finish', reason: finish ?? 'stop' };
  }

  async models(baseUrl: string, signal: AbortSignal, apiKey?: string): Promise<ModelInfo[]> {
    const target: Target = { url: joinUrl(baseUrl, '/models'), what: `the server at ${baseUrl}` };
    const res = await request(target, { method: 'GET', headers: bearer(apiKey), signal });
    const parsed = parseOr(Models, await res.json(), target);
    return parsed.data.map((m) => ({ id: m.id, ...(m.owned_by ? { detail: m.owned_by } : {}) }));
  }
}

function bearer(apiKey: string | undefined): Record<string, string> {
  return apiKey ? { Authorization: `Bearer ${apiKey}` } : {};
}

function* completionEvents(c: z.infer<typeof Completion>): Generator<StreamEvent> {
  const choice = c.choices[0];
  const reasoning = choice.message.reasoning_content ?? choice.message.reasoning;
  if (reasoning) yield { type: 'reasoning', text: reasoning };
  if (choice.message.content) yield { type: 'content', text: choice.message.content };
  const calls = choice.message.tool_calls ?? [];
  if (calls.length) {
    yield { type: 'tool_delta' };
    yield { type: 'tool_calls', calls: calls.map((tc, i) => toolCall(tc.id || `call_${i}`, tc.function.name, tc.function.arguments ?? '')) };
  }
  if (c.usage) yield usageEvent(c.usage);
  const t = serverTimings(c.timings);
  if (t) yield { type: 'usage', ...t };
  yield { type: 'finish', reason: choice.finish_reason ?? 'stop' };
}

function serverTimings(t: z.infer<typeof Timings>): { decodeTokensPerSec?: number; serverTtftMs?: number } | undefined {
  if (!t) return undefined;
  const tps = t.tokens_per_second ?? t.predicted_per_second;
  const out = {
    ...(tps && tps > 0 ? { decodeTokensPerSec: tps } : {}),
    ...(t.time_to_first_token_ms != null ? { serverTtftMs: t.time_to_first_token_ms } : {}),
  };
  return Object.keys(out).length ? out : undefined;
}

function usageEvent(u: NonNullable<z.infer<typeof Usage>>): StreamEvent {
  return {
    type: 'usage',
    ...(u.prompt_tokens != null ? { promptTokens: u.prompt_tokens } : {}),
    ...(u.completion_tokens != null ? { completionTokens: u.completion_tokens } : {}),
  };
}

/** OpenAI passes tool arguments as a JSON string. */
function toolCall(id: string, name: string, args: string): ToolCall {
  if (!args.trim()) return { id, name, arguments: {} };
  try {
    const parsed: unknown = JSON.parse(args);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return { id, name, arguments: parsed as Record<string, unknown> };
  } catch {
    // fall through: kept raw so the transcript shows what the model sent
  }
  return { id, name, arguments: { [INVALID_ARGS]: args } };
}

function inStreamError(json: unknown): string | undefined {
  if (!json || typeof json !== 'object') return undefined;
  const o = json as { error?: unknown; object?: unknown; message?: unknown };
  if (o.error !== undefined && o.error !== null) return JSON.stringify(o);
  if (o.object === 'error') return JSON.stringify(o);
  return undefined;
}

function pickParams(req: ChatRequest): Record<string, unknown> {
  const p = req.params;
  const out: Record<string, unknown> = {};
  if (p.temperature !== undefined) out.temperature = p.temperature;
  if (p.top_p !== undefined) out.top_p = p.top_p;
  if (p.top_k !== undefined) out.top_k = p.top_k;
  if (p.max_tokens !== undefined) out.max_tokens = p.max_tokens;
  if (p.seed !== undefined) out.seed = p.seed;
  return out;
}

function toWire(m: WireMessage): Record<string, unknown> {
  if (m.role === 'tool') return { role: 'tool', tool_call_id: m.toolCallId ?? '', content: m.content };
  if (m.role === 'assistant' && m.toolCalls?.length) {
    return {
      role: 'assistant',
      content: m.content || null,
      tool_calls: m.toolCalls.map((c) => ({
        id: c.id,
        type: 'function',
        function: { name: c.name, arguments: argumentsText(c.arguments) },
      })),
    };
  }
  return { role: m.role, content: m.content };
}

function argumentsText(args: Record<string, unknown>): string {
  const raw = args[INVALID_ARGS];
  return typeof raw === 'string' ? raw : JSON.stringify(args);
}

function parseOr<T extends z.ZodType>(schema: T, value: unknown, target: Target): z.output<T> {
  const r = schema.safeParse(value);
  if (!r.success) {
    throw new DeckError(
      'server_error',
      `${target.what} sent a response that is not OpenAI-compatible (${r.error.issues[0]?.path.join('.') || 'body'}: ${r.error.issues[0]?.message}).`,
      'Is this URL an OpenAI-compatible server? For Ollama, add it as an Ollama backend.',
    );
  }
  return r.data;
}
