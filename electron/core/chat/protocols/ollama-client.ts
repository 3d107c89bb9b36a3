import { z } from 'zod';
import { DeckError } from '../../../shared/errors';
import type { ToolCall } from '../../../shared/contract/chat';
import { joinUrl, request, type Target } from './http';
import { LineSplitter, readText } from '../../http/line-stream';
import type { ChatClient, ChatRequest, ModelInfo, StreamEvent, WireMessage } from './types';

const Line = z.object({
  error: z.string().optional(),
  message: z
    .object({
      content: z.string().nullish(),
      thinking: z.string().nullish(),
      tool_calls: z
        .array(z.object({ id: z.string().nullish(), function: z.object({ name: z.string(), arguments: z.record(z.string(), z.unknown()).nullish() }) }))
        .nullish(),
    })
    .nullish(),
  done: z.boolean().optional(),
  done_reason: z.string().nullish(),
  prompt_eval_count: z.number().nullish(),
  eval_count: z.number().nullish(),
  /** nanoseconds */
  eval_duration: z.number().nullish(),
  load_duration: z.number().nullish(),
  prompt_eval_duration: z.number().nullish(),
});

const Tags = z.object({
  models: z.array(
    z.object({
      name: z.string(),
      details: z.object({ parameter_size: z.string().nullish(), quantization_level: z.string().nullish() }).nullish(),
    }),
  ),
});

/** Ollama `/api/chat`: NDJSON streaming, `message.thinking`, tool arguments as objects. */
export class OllamaClient implements ChatClient {
  async *chat(req: ChatRequest, signal: AbortSignal): AsyncGenerator<StreamEvent> {
    const target: Target = { url: joinUrl(req.baseUrl, '/api/chat'), what: `Ollama at ${req.baseUrl}` };
    const body: Record<string, unknown> = {
      model: req.model,
      messages: req.messages.map(toWire),
      stream: req.stream,
    };
    const options = pickOptions(req);
    if (Object.keys(options).length) body.options = options;
    if (req.params.think !== undefined) body.think = req.params.think;
    if (req.tools?.length) body.tools = req.tools.map((t) => ({ type: 'function', function: t }));
    const res = await request(target, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
      signal,
    });
    if (!res.body) throw new DeckError('server_error', `${target.what} sent no body.`);
    let calls = 0;
    let finished = false;
    const handle = (raw: string): StreamEvent[] => {
      if (!raw.trim()) return [];
      let json: unknown;
      try {
        json = JSON.parse(raw);
      } catch {
        throw new DeckError('server_error', `${target.what} sent a malformed line: ${raw.slice(0, 120)}`);
      }
      const r = Line.safeParse(json);
      if (!r.success) {
        throw new DeckError('server_error', `${target.what} sent an unexpected chunk (${r.error.issues[0]?.path.join('.')}: ${r.error.issues[0]?.message}).`);
      }
      const line = r.data;
      if (line.error) throw new DeckError('server_error', `${target.what} reported an error mid-stream: ${line.error}`, 'What arrived before the error is kept.');
      const out: StreamEvent[] = [];
      const m = line.message;
      if (m?.thinking) out.push({ type: 'reasoning', text: m.thinking });
      if (m?.content) out.push({ type: 'content', text: m.content });
      if (m?.tool_calls?.length) {
        out.push({ type: 'tool_delta' });
        out.push({
          type: 'tool_calls',
          calls: m.tool_calls.map((tc): ToolCall => ({ id: tc.id || `call_${calls++}`, name: tc.function.name, arguments: tc.function.arguments ?? {} })),
        });
      }
      if (line.done) {
        out.push({
          type: 'usage',
          ...(line.prompt_eval_count != null ? { promptTokens: line.prompt_eval_count } : {}),
          ...(line.eval_count != null ? { completionTokens: line.eval_count } : {}),
          ...(line.eval_count != null && line.eval_duration ? { decodeTokensPerSec: (line.eval_count * 1e9) / line.eval_duration } : {}),
          ...(line.prompt_eval_duration != null ? { serverTtftMs: ((line.load_duration ?? 0) + line.prompt_eval_duration) / 1e6 } : {}),
        });
        out.push({ type: 'finish', reason: line.done_reason ?? 'stop' });
        finished = true;
      }
      return out;
    };
    const lines = new LineSplitter();
    // Read to the end even after the done line, so the connection can be reused.
    for await (const text of readText(res.body, signal)) {
      for (const raw of lines.push(text)) if (!finished) yield* handle(raw);
    }
    if (!finished) for (const raw of lines.end()) yield* handle(raw);
    if (!finished) {
      throw new DeckError('server_error', `${target.what} closed the stream before it was done.`, 'What arrived is kept; the server may have restarted or run out of memory.');
    }
  }

  async models(baseUrl: string, signal: AbortSignal): Promise<ModelInfo[]> {
    const target: Target = { url: joinUrl(baseUrl, '/api/tags'), what: `Ollama at ${baseUrl}` };
    const res = await request(target, { method: 'GET', signal });
    const r = Tags.safeParse(await res.json());
    if (!r.success) throw new DeckError('server_error', `${target.what} sent an unexpected model list.`, 'Is this URL an Ollama server?');
    return r.data.models.map((m) => {
      const detail = [m.details?.parameter_size, m.details?.quantization_level].filter(Boolean).join(' ');
      return { id: m.name, ...(detail ? { detail } : {}) };
    });
  }
}

function pickOptions(req: ChatRequest): Record<string, number> {
  const p = req.params;
  const o: Record<string, number> = {};
  if (p.temperature !== undefined) o.temperature = p.temperature;
  if (p.top_p !== undefined) o.top_p = p.top_p;
  if (p.top_k !== undefined) o.top_k = p.top_k;
  if (p.max_tokens !== undefined) o.num_predict = p.max_tokens;
  if (p.seed !== undefined) o.seed = p.seed;
  if (p.num_ctx !== undefined) o.num_ctx = p.num_ctx;
  return o;
}

/** History as Ollama takes it back: call ids on the assistant's tool calls and on the tool results that answer them. */
function toWire(m: WireMessage): Record<string, unknown> {
  if (m.role === 'tool') {
    return { role: 'tool', content: m.content, ...(m.toolName ? { tool_name: m.toolName } : {}), ...(m.toolCallId ? { tool_call_id: m.toolCallId } : {}) };
  }
  if (m.role === 'assistant' && m.toolCalls?.length) {
    return { role: 'assistant', content: m.content, tool_calls: m.toolCalls.map((c) => ({ id: c.id, function: { name: c.name, arguments: c.arguments } })) };
  }
  return { role: m.role, content: m.content };
}
