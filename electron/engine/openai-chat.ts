/**
 * OpenAI chat completions <-> the engine: a parsed request becomes an engine ChatRequest (tools
 * offered per tool_choice, the grammar that enforces tool_choice and response_format), and token
 * log probabilities become OpenAI's `logprobs.content[]`.
 */
import type { ChatTokenizer } from './chat-tokenizer';
import type { ChatMessage, ChatRequest } from './engine';
import { checkSchema } from './json-schema-grammar';
import { OpenAiRequestError, textOf, type ChatCompletionRequest, type RequestTool } from './openai-schema';
import type { TokenLogprob } from './sampling';
import type { GrammarSpec, ToolGrammar } from './token-constraint';
import { TOOL_CALL_CLOSE, TOOL_CALL_OPEN } from './tool-calls';

/** Calls one reply may make when parallel_tool_calls is not false. */
const MAX_PARALLEL_CALLS = 16;

/** A schema the grammar cannot enforce: 400 naming what to drop. */
function refuseSchema(problems: string[], param: string, what: string): never {
  throw new OpenAiRequestError(
    `${what} uses JSON Schema features that constrained decoding cannot enforce: ${problems.slice(0, 8).join('; ')}.`,
    param,
    'invalid_value',
    'Remove those keywords (or describe the constraint in the description); supported: type, properties, required, additionalProperties, items, minItems, maxItems, enum, const, anyOf, $ref/$defs, minLength, maxLength, integer bounds, minimum 0 on numbers.',
  );
}

/** The function's arguments grammar: its schema, or any object when that cannot be enforced (never for strict functions). */
function toolGrammar(t: RequestTool, index: number): ToolGrammar {
  const schema = t.function.parameters ?? null;
  if (!schema) return { name: t.function.name, parameters: null };
  const problems = checkSchema(schema, t.function.strict === true);
  if (problems.length === 0) return { name: t.function.name, parameters: schema };
  if (t.function.strict) refuseSchema(problems, `tools[${index}].function.parameters`, `The strict function '${t.function.name}'`);
  return { name: t.function.name, parameters: null };
}

function responseGrammar(body: ChatCompletionRequest): GrammarSpec['json'] {
  const format = body.response_format;
  if (!format || format.type === 'text') return undefined;
  if (format.type === 'json_object') return { schema: null };
  const schema = format.json_schema.schema ?? null;
  if (schema) {
    const problems = checkSchema(schema, format.json_schema.strict === true);
    if (problems.length > 0) refuseSchema(problems, 'response_format.json_schema.schema', `The schema '${format.json_schema.name}'`);
  }
  return { schema };
}

/** The tools the prompt offers and the grammar that enforces tool_choice. */
function toolPlan(body: ChatCompletionRequest): { offered: RequestTool[]; tools?: GrammarSpec['tools'] } {
  const declared = body.tools ?? [];
  const choice = body.tool_choice ?? 'auto';
  if (declared.length === 0 || choice === 'none') return { offered: [] };
  let offered = declared;
  let mode: 'auto' | 'required' = 'auto';
  let forced = declared;
  if (choice === 'required') mode = 'required';
  else if (typeof choice === 'object' && choice.type === 'function') {
    mode = 'required';
    forced = declared.filter((t) => t.function.name === choice.function.name);
  } else if (typeof choice === 'object') {
    const allowed = new Set(choice.allowed_tools.tools.map((t) => t.function.name));
    offered = forced = declared.filter((t) => allowed.has(t.function.name));
    mode = choice.allowed_tools.mode;
  }
  const single = body.parallel_tool_calls === false || (typeof choice === 'object' && choice.type === 'function');
  return {
    offered,
    tools: {
      mode,
      tools: forced.map((t) => toolGrammar(t, declared.indexOf(t))),
      maxCalls: single ? 1 : MAX_PARALLEL_CALLS,
      open: TOOL_CALL_OPEN,
      close: TOOL_CALL_CLOSE,
    },
  };
}

/** The engine request for a parsed body; throws OpenAiRequestError for schemas it cannot enforce. */
export function toEngineRequest(body: ChatCompletionRequest, signal: AbortSignal): ChatRequest {
  const messages: ChatMessage[] = body.messages.map((m) => {
    const role = m.role === 'developer' ? 'system' : m.role;
    if (m.role === 'assistant') {
      return { role, content: m.content == null ? null : textOf(m.content), toolCalls: m.tool_calls ?? undefined };
    }
    return { role, content: textOf(m.content) };
  });
  const { offered, tools } = toolPlan(body);
  const json = responseGrammar(body);
  const grammar: GrammarSpec | undefined = json || tools ? { ...(json ? { json } : {}), ...(tools ? { tools } : {}) } : undefined;
  const stop = body.stop == null ? [] : typeof body.stop === 'string' ? [body.stop] : body.stop;
  return {
    messages,
    tools: offered,
    maxTokens: body.max_completion_tokens ?? body.max_tokens ?? undefined,
    temperature: body.temperature ?? undefined,
    topP: body.top_p ?? undefined,
    topK: body.top_k == null ? undefined : Math.max(0, body.top_k),
    repetitionPenalty: body.repetition_penalty ?? undefined,
    presencePenalty: body.presence_penalty ?? undefined,
    frequencyPenalty: body.frequency_penalty ?? undefined,
    logitBias: body.logit_bias ? Object.fromEntries(Object.entries(body.logit_bias).map(([id, bias]) => [Number(id), bias])) : undefined,
    // The PRNG takes 32 bits; OpenAI seeds are any integer.
    seed: body.seed == null ? undefined : Number(BigInt.asUintN(32, BigInt(body.seed))),
    stop,
    signal,
    ignoreEos: body.ignore_eos ?? undefined,
    grammar,
    logprobs: body.logprobs ? (body.top_logprobs ?? 0) : undefined,
  };
}

export interface OpenAiLogprob {
  token: string;
  logprob: number;
  bytes: number[];
  top_logprobs: Array<{ token: string; logprob: number; bytes: number[] }>;
}

/** OpenAI's `logprobs` object for these tokens: `{content: [{token, logprob, bytes, top_logprobs}], refusal: null}`. */
export function openAiLogprobs(tokenizer: ChatTokenizer, entries: readonly TokenLogprob[]): { content: OpenAiLogprob[]; refusal: null } {
  const decoder = new TextDecoder();
  const token = (id: number) => {
    const bytes = tokenizer.tokenBytes(id) ?? new Uint8Array(0);
    // A piece of a multi-byte character shows as U+FFFD; `bytes` has the exact value.
    return { token: decoder.decode(bytes), bytes: Array.from(bytes) };
  };
  return {
    content: entries.map((e) => {
      const { token: text, bytes } = token(e.id);
      return { token: text, logprob: e.logprob, bytes, top_logprobs: e.top.map((t) => ({ ...token(t.id), logprob: t.logprob })) };
    }),
    refusal: null,
  };
}
