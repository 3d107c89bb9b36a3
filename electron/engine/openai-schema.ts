/**
 * zod schemas for the engine's HTTP requests: OpenAI chat completions (plus the vLLM extensions
 * top_k, repetition_penalty and ignore_eos) and the seed's POST /reasoning.
 *
 * Strict on purpose: every field of OpenAI's chat-completions request is either implemented or
 * refused with a 400 naming it (`param`), so a client never gets a silently ignored setting.
 * `null` means "unset" for every optional field, as OpenAI's API reference allows.
 */
import { z } from 'zod';

/** A 400 in OpenAI's error shape: `{error: {message, type: 'invalid_request_error', param, code}}`. */
export class OpenAiRequestError extends Error {
  constructor(
    message: string,
    readonly param: string | null,
    readonly code: 'invalid_value' | 'invalid_type' | 'unknown_parameter' | 'unsupported_parameter' | 'unsupported_value' | 'missing_required_parameter',
    readonly hint?: string,
  ) {
    super(message);
  }
}

const opt = <T extends z.ZodType>(t: T) => t.nullable().optional();

const textPart = z.object({ type: z.literal('text'), text: z.string() });
/** Assistant turns may carry refusal parts; the model sees their text. */
const refusalPart = z.object({ type: z.literal('refusal'), refusal: z.string() });
const textContent = z.union([z.string(), z.array(textPart)]);

const toolCall = z.object({
  id: z.string().optional(),
  type: z.literal('function').optional(),
  function: z.object({ name: z.string().min(1), arguments: z.string() }),
});

const message = z.discriminatedUnion('role', [
  z.object({ role: z.literal('system'), content: textContent, name: opt(z.string()) }),
  z.object({ role: z.literal('developer'), content: textContent, name: opt(z.string()) }),
  z.object({ role: z.literal('user'), content: textContent, name: opt(z.string()) }),
  z.object({
    role: z.literal('assistant'),
    content: opt(z.union([z.string(), z.array(z.union([textPart, refusalPart]))])),
    refusal: opt(z.string()),
    tool_calls: opt(z.array(toolCall)),
    name: opt(z.string()),
  }),
  z.object({ role: z.literal('tool'), content: textContent, tool_call_id: z.string() }),
]);
export type RequestMessage = z.infer<typeof message>;

const functionName = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1-64 letters, digits, _ . or -');

// Objects that configure behaviour are strict: a misspelt key (`json_schema.shcema`) is a 400, not a silently unconstrained reply.
const tool = z.strictObject({
  type: z.literal('function'),
  function: z.strictObject({
    name: functionName,
    description: opt(z.string()),
    parameters: opt(z.record(z.string(), z.unknown())),
    strict: opt(z.boolean()),
  }),
});
export type RequestTool = z.infer<typeof tool>;

const namedFunction = z.strictObject({ type: z.literal('function'), function: z.strictObject({ name: z.string() }) });
const toolChoice = z.union([
  z.enum(['none', 'auto', 'required']),
  namedFunction,
  z.strictObject({
    type: z.literal('allowed_tools'),
    allowed_tools: z.strictObject({ mode: z.enum(['auto', 'required']), tools: z.array(namedFunction).min(1) }),
  }),
]);

const responseFormat = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('text') }),
  z.strictObject({ type: z.literal('json_object') }),
  z.strictObject({
    type: z.literal('json_schema'),
    json_schema: z.strictObject({
      name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, _ or -'),
      description: opt(z.string()),
      schema: opt(z.record(z.string(), z.unknown())),
      strict: opt(z.boolean()),
    }),
  }),
]);
export type ResponseFormat = z.infer<typeof responseFormat>;

export const chatCompletionRequestSchema = z.object({
  /** One model per engine: any name is answered by it (the response names the real one). */
  model: opt(z.string()),
  messages: z.array(message).min(1, 'at least one message is required'),
  stream: opt(z.boolean()),
  stream_options: opt(z.strictObject({ include_usage: opt(z.boolean()), include_obfuscation: opt(z.boolean()) })),
  max_tokens: opt(z.number().int().positive()),
  max_completion_tokens: opt(z.number().int().positive()),
  temperature: opt(z.number().min(0).max(2)),
  top_p: opt(z.number().gt(0).max(1)),
  /** vLLM extension; -1 or 0 disables. */
  top_k: opt(z.number().int().min(-1)),
  /** vLLM extension. */
  repetition_penalty: opt(z.number().gt(0).max(10)),
  /** vLLM extension: keep generating past EOS up to max_tokens (benchmarks). */
  ignore_eos: opt(z.boolean()),
  seed: opt(z.number().int()),
  stop: opt(z.union([z.string(), z.array(z.string()).max(16)])),
  n: opt(z.literal(1, { message: 'only n = 1 is supported' })),
  tools: opt(z.array(tool)),
  tool_choice: opt(toolChoice),
  parallel_tool_calls: opt(z.boolean()),
  /** Subtracted from a token's logit once it is in the output, and per occurrence (vLLM semantics: output tokens only). */
  frequency_penalty: opt(z.number().min(-2).max(2)),
  presence_penalty: opt(z.number().min(-2).max(2)),
  /** Token id (as a string key) -> bias added to its logit before sampling. */
  logit_bias: opt(z.record(z.string().regex(/^\d+$/, 'keys must be token ids'), z.number().min(-100).max(100))),
  logprobs: opt(z.boolean()),
  top_logprobs: opt(z.number().int().min(0).max(20)),
  response_format: opt(responseFormat),
  // Accepted and not acted on: they identify the end user or route OpenAI's own prompt cache.
  user: opt(z.string()),
  safety_identifier: opt(z.string()),
  prompt_cache_key: opt(z.string()),
  prompt_cache_retention: opt(z.enum(['in_memory', '24h'])),
  /** Only meaningful with `store`; accepted so clients that always send it work. */
  metadata: opt(z.record(z.string(), z.string())),
  store: opt(z.literal(false, { message: 'completions are not stored here; leave store unset or false' })),
  service_tier: opt(z.enum(['auto', 'default'], { message: 'only "auto" and "default" are served' })),
  modalities: opt(z.array(z.literal('text', { message: 'only text output is supported' }))),
});
export type ChatCompletionRequest = z.infer<typeof chatCompletionRequestSchema>;

/** OpenAI fields this engine cannot honour: refused (400) whenever they carry a value. */
const UNSUPPORTED: Record<string, string> = {
  audio: 'audio output is not supported; the engine generates text only',
  prediction: 'predicted outputs are not supported',
  web_search_options: 'web search is not available',
  reasoning_effort: 'the model has no reasoning-effort setting',
  verbosity: 'the model has no verbosity setting',
  functions: 'the deprecated `functions` field is not supported; send `tools` instead',
  function_call: 'the deprecated `function_call` field is not supported; send `tool_choice` instead',
};

/** Message fields and content parts refused with their own message instead of a generic schema error. */
function refuseUnsupportedMessageParts(messages: unknown): void {
  if (!Array.isArray(messages)) return;
  messages.forEach((m: unknown, i) => {
    if (!m || typeof m !== 'object') return;
    const msg = m as Record<string, unknown>;
    if (msg.role === 'function') {
      throw new OpenAiRequestError("Role 'function' is deprecated and not supported; send role 'tool' with tool_call_id.", `messages[${i}].role`, 'unsupported_value');
    }
    for (const field of ['audio', 'function_call'] as const) {
      if (msg[field] != null) throw new OpenAiRequestError(`messages[${i}].${field} is not supported.`, `messages[${i}].${field}`, 'unsupported_parameter');
    }
    if (Array.isArray(msg.content)) {
      msg.content.forEach((p: unknown, j) => {
        const type = p && typeof p === 'object' ? (p as { type?: unknown }).type : undefined;
        if (typeof type === 'string' && type !== 'text' && type !== 'refusal') {
          throw new OpenAiRequestError(
            `Content part type '${type}' is not supported: the model reads text only.`,
            `messages[${i}].content[${j}].type`,
            'unsupported_value',
          );
        }
      });
    }
  });
}

/** `messages[0].content` — the path style of OpenAI's `param`. */
export function paramPath(path: ReadonlyArray<PropertyKey>): string | null {
  if (path.length === 0) return null;
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('');
}

const KNOWN_FIELDS = new Set([...Object.keys(chatCompletionRequestSchema.shape), ...Object.keys(UNSUPPORTED)]);

/**
 * Parses a chat-completions body. Throws OpenAiRequestError (400, with `param`) for unknown or
 * unsupported fields, schema violations and inconsistent combinations (tool_choice naming an
 * undeclared tool, top_logprobs without logprobs, ...).
 */
export function parseChatCompletionRequest(body: unknown): ChatCompletionRequest {
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw new OpenAiRequestError('The request body must be a JSON object.', null, 'invalid_type');
  }
  const raw = body as Record<string, unknown>;
  for (const key of Object.keys(raw)) {
    if (!KNOWN_FIELDS.has(key)) throw new OpenAiRequestError(`Unrecognized request argument supplied: ${key}`, key, 'unknown_parameter');
    if (key in UNSUPPORTED && raw[key] != null) throw new OpenAiRequestError(`Unsupported parameter: '${key}': ${UNSUPPORTED[key]}.`, key, 'unsupported_parameter');
  }
  refuseUnsupportedMessageParts(raw.messages);
  const parsed = chatCompletionRequestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    if (issue.code === 'unrecognized_keys') {
      const param = paramPath([...issue.path, issue.keys[0]]);
      throw new OpenAiRequestError(`Unrecognized request argument supplied: ${param}`, param, 'unknown_parameter');
    }
    const param = paramPath(issue.path);
    const code = issue.code === 'invalid_type' ? (issue.input === undefined ? 'missing_required_parameter' : 'invalid_type') : 'invalid_value';
    throw new OpenAiRequestError(`Invalid request: ${param ?? 'body'}: ${issue.message}`, param, code);
  }
  const r = parsed.data;
  if (r.top_logprobs != null && r.top_logprobs > 0 && !r.logprobs) {
    throw new OpenAiRequestError('top_logprobs requires logprobs to be true.', 'top_logprobs', 'invalid_value');
  }
  checkTools(r);
  return r;
}

function checkTools(r: ChatCompletionRequest): void {
  const names = new Set<string>();
  (r.tools ?? []).forEach((t, i) => {
    if (names.has(t.function.name)) throw new OpenAiRequestError(`Duplicate tool name '${t.function.name}'.`, `tools[${i}].function.name`, 'invalid_value');
    names.add(t.function.name);
  });
  const choice = r.tool_choice;
  if (choice == null || choice === 'none' || choice === 'auto') return;
  if (names.size === 0) {
    const what = typeof choice === 'string' ? `tool_choice '${choice}'` : 'A tool_choice that names a tool';
    throw new OpenAiRequestError(`${what} needs tools, and the request declares none.`, 'tool_choice', 'invalid_value', 'Add the functions to `tools`, or drop tool_choice.');
  }
  const named = typeof choice === 'string' ? [] : choice.type === 'function' ? [choice.function.name] : choice.allowed_tools.tools.map((t) => t.function.name);
  for (const name of named) {
    if (!names.has(name)) {
      throw new OpenAiRequestError(
        `tool_choice names the function '${name}', which is not among the declared tools (${[...names].join(', ')}).`,
        'tool_choice',
        'invalid_value',
      );
    }
  }
}

/** The seed document's task prompts, prepended as the system turn. */
export const REASONING_TASK_PROMPTS = {
  reasoning: 'Think step by step and show your reasoning clearly:',
  math: 'Solve this mathematical problem step by step:',
  coding: 'Write clean, well-commented code for this task:',
} as const;

export const reasoningRequestSchema = z.object({
  prompt: z.string().min(1, 'prompt must not be empty'),
  task_type: z.enum(['reasoning', 'math', 'coding']).default('reasoning'),
  max_length: z.number().int().positive().max(32768).default(200),
  temperature: z.number().min(0).max(2).default(0.3),
});
export type ReasoningRequest = z.infer<typeof reasoningRequestSchema>;

/** "messages.0.content: Invalid input; temperature: Too big" — what a client needs to fix. */
export function describeZodError(error: z.ZodError): string {
  return error.issues
    .map((i) => `${i.path.length > 0 ? i.path.join('.') : 'body'}: ${i.message}`)
    .slice(0, 5)
    .join('; ');
}

type Content = string | ReadonlyArray<{ type: 'text'; text: string } | { type: 'refusal'; refusal: string }>;

export function textOf(content: Content | null | undefined): string {
  if (content == null) return '';
  return typeof content === 'string' ? content : content.map((p) => (p.type === 'text' ? p.text : p.refusal)).join('');
}
