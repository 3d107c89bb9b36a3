import { z } from 'zod';
import { ERROR_CODES } from '../errors';
import { event, method } from './define';

/**
 * Chat playground: one interface over Ollama `/api/chat` and OpenAI-compatible chat
 * completions. A backend is just where to send a chat; sources (custom URLs, the Ollama
 * URL from settings, managed deployments, the embedded engine) each contribute backends.
 */
export const ChatProtocolSchema = z.enum(['openai', 'ollama']);
export type ChatProtocol = z.infer<typeof ChatProtocolSchema>;

export const ChatBackendSchema = z.object({
  /** Stable id, e.g. `ollama`, `custom:<uuid>`, `embedded`, `docker:<container>`. */
  id: z.string().min(1).max(200),
  kind: ChatProtocolSchema,
  /** Ollama: the server root (http://127.0.0.1:11434). OpenAI: the API base including /v1. */
  baseUrl: z.string().url(),
  /** Default model when the conversation names none. */
  model: z.string().optional(),
  label: z.string(),
  /** Which source contributed it: `custom`, `settings`, `docker`, `embedded`, ... */
  source: z.string(),
  /**
   * False for servers that cannot stream tool calls (vLLM's phi4_mini_json parser): tool
   * turns are then sent with `stream: false`. Unset = decided from the server (vLLM is detected).
   */
  streamToolCalls: z.boolean().optional(),
  /** Custom backends can be removed by the user; the others belong to their source. */
  removable: z.boolean(),
});
export type ChatBackend = z.infer<typeof ChatBackendSchema>;

export const ChatModelInfoSchema = z.object({
  id: z.string(),
  /** Ollama: parameter size / quantisation; OpenAI: owner. */
  detail: z.string().optional(),
});

export const ChatParamsSchema = z
  .object({
    temperature: z.number().min(0).max(2).optional(),
    top_p: z.number().min(0).max(1).optional(),
    top_k: z.number().int().min(0).max(1000).optional(),
    max_tokens: z.number().int().min(1).max(131072).optional(),
    seed: z.number().int().min(0).max(2 ** 32 - 1).optional(),
    /** Context window (Ollama `num_ctx`); OpenAI servers fix it at start. */
    num_ctx: z.number().int().min(256).max(131072).optional(),
    /** Ollama `think`: ask a thinking model for `message.thinking`; some models (gpt-oss) take a level instead. */
    think: z.union([z.boolean(), z.enum(['low', 'medium', 'high'])]).optional(),
  })
  .strict();
export type ChatParams = z.infer<typeof ChatParamsSchema>;

export const ToolNameSchema = z.enum(['calculate_circle_area', 'calculate', 'get_current_time']);
export type ToolName = z.infer<typeof ToolNameSchema>;

export const ToolInfoSchema = z.object({
  name: ToolNameSchema,
  description: z.string(),
  /** JSON Schema of the arguments, as sent to the model. */
  parameters: z.record(z.string(), z.unknown()),
});

export const ToolCallSchema = z.object({
  id: z.string(),
  name: z.string(),
  arguments: z.record(z.string(), z.unknown()),
});
export type ToolCall = z.infer<typeof ToolCallSchema>;

export const ErrorInfoSchema = z.object({
  code: z.enum(ERROR_CODES),
  message: z.string(),
  hint: z.string().optional(),
});

export const MessageStatusSchema = z.enum(['streaming', 'done', 'stopped', 'error', 'interrupted']);
export type MessageStatus = z.infer<typeof MessageStatusSchema>;

export const MessageStatsSchema = z.object({
  backendId: z.string(),
  backendLabel: z.string(),
  kind: ChatProtocolSchema,
  model: z.string(),
  params: ChatParamsSchema,
  /** Request sent -> first token (content, reasoning or tool call). */
  ttftMs: z.number().nullable(),
  /** The server's own time to first token when it reports one (queue + prefill, no network). */
  serverTtftMs: z.number().nullable().optional(),
  /** Request sent -> last byte. */
  totalMs: z.number(),
  /** Tokens after the first / time between first and last token. */
  decodeTokensPerSec: z.number().nullable(),
  promptTokens: z.number().nullable(),
  completionTokens: z.number().nullable(),
  /** `server`: usage or eval counters; `counted`: one per streamed chunk. */
  tokenSource: z.enum(['server', 'counted']),
  streamed: z.boolean(),
  finishReason: z.string().nullable(),
});
export type MessageStats = z.infer<typeof MessageStatsSchema>;

export const ChatMessageSchema = z.object({
  id: z.string(),
  role: z.enum(['user', 'assistant', 'tool']),
  content: z.string(),
  /** Ollama `message.thinking`, OpenAI `reasoning_content`, or `<think>` segments. */
  reasoning: z.string().optional(),
  toolCalls: z.array(ToolCallSchema).optional(),
  /** Tool messages: which call they answer. */
  toolCallId: z.string().optional(),
  toolName: z.string().optional(),
  status: MessageStatusSchema,
  error: ErrorInfoSchema.optional(),
  stats: MessageStatsSchema.optional(),
  createdAt: z.number(),
});
export type ChatMessage = z.infer<typeof ChatMessageSchema>;

export const ConversationSchema = z.object({
  version: z.literal(1),
  id: z.string(),
  title: z.string(),
  createdAt: z.number(),
  updatedAt: z.number(),
  backendId: z.string(),
  /** Kept so a conversation stays readable when its backend is gone. */
  backendLabel: z.string(),
  model: z.string().optional(),
  system: z.string(),
  params: ChatParamsSchema,
  tools: z.array(ToolNameSchema),
  /** Set on the panes of one compare run. */
  compareId: z.string().optional(),
  messages: z.array(ChatMessageSchema),
});
export type Conversation = z.infer<typeof ConversationSchema>;

export const ConversationSummarySchema = z.object({
  id: z.string(),
  title: z.string(),
  updatedAt: z.number(),
  backendId: z.string(),
  backendLabel: z.string(),
  model: z.string().optional(),
  messageCount: z.number(),
  compareId: z.string().optional(),
  streaming: z.boolean(),
  /** Search hit: a short excerpt around the match. */
  snippet: z.string().optional(),
});
export type ConversationSummary = z.infer<typeof ConversationSummarySchema>;

export const PresetSchema = z.object({
  id: z.string(),
  label: z.string(),
  category: z.enum(['math', 'code', 'tools', 'logic']),
  prompt: z.string(),
  system: z.string().optional(),
  params: ChatParamsSchema.optional(),
  tools: z.array(ToolNameSchema).optional(),
});
export type Preset = z.infer<typeof PresetSchema>;

const none = z.object({}).strict();
const id = z.string().min(1).max(100);
const ConvRef = z.object({ id }).strict();
const TargetSchema = z.object({ backendId: z.string().min(1), model: z.string().max(300).optional() }).strict();

const ConversationSetup = z.object({
  backendId: z.string().min(1),
  model: z.string().max(300).optional(),
  system: z.string().max(20_000).optional(),
  params: ChatParamsSchema.optional(),
  tools: z.array(ToolNameSchema).optional(),
  title: z.string().max(200).optional(),
});

export const chatMethods = {
  'chat.backends': method(none, z.array(ChatBackendSchema), 'Every backend a chat can target, from all sources.'),
  'chat.addBackend': method(
    z
      .object({
        label: z.string().trim().min(1).max(80),
        baseUrl: z.string().url().max(500),
        kind: ChatProtocolSchema,
        model: z.string().max(300).optional(),
      })
      .strict(),
    ChatBackendSchema,
    'Add an OpenAI-compatible (or Ollama) server by URL.',
  ),
  'chat.removeBackend': method(z.object({ id: z.string() }).strict(), z.object({ removed: z.boolean() }), 'Remove a custom backend.'),
  'chat.models': method(
    z.object({ backendId: z.string().min(1) }).strict(),
    z.array(ChatModelInfoSchema),
    'Models a backend serves (Ollama tags include Modelfile variants).',
  ),
  'chat.presets': method(none, z.array(PresetSchema), "One-click starters: the deployment guide's test prompts."),
  'chat.tools': method(none, z.array(ToolInfoSchema), 'Demo tools that run locally in the main process.'),
  'chat.list': method(
    z.object({ query: z.string().max(200).optional() }).strict(),
    z.array(ConversationSummarySchema),
    'Saved conversations, newest first; with a query, those whose title or messages match.',
  ),
  'chat.get': method(ConvRef, ConversationSchema, 'One conversation with all its messages.'),
  'chat.create': method(ConversationSetup.strict(), ConversationSchema, 'Start a conversation with a backend.'),
  'chat.update': method(
    ConversationSetup.partial().extend({ id }).strict(),
    ConversationSchema,
    'Rename a conversation or change its backend, model, system prompt, parameters or tools.',
  ),
  'chat.delete': method(ConvRef, z.object({ deleted: z.boolean() }), 'Delete a conversation (stops its reply first).'),
  'chat.export': method(
    z.object({ id, format: z.enum(['markdown', 'json']) }).strict(),
    z.object({ filename: z.string(), mime: z.string(), content: z.string() }),
    'A conversation as Markdown or JSON.',
  ),
  'chat.send': method(
    z.object({ conversationId: id, content: z.string().min(1).max(200_000) }).strict(),
    z.object({ conversationId: z.string(), userMessageId: z.string(), assistantMessageId: z.string() }),
    'Send a user message; the reply streams as chat.delta events and ends with chat.message.',
  ),
  'chat.stop': method(
    z.object({ conversationId: id }).strict(),
    z.object({ stopped: z.boolean() }),
    'Stop the streaming reply; what arrived is kept.',
  ),
  'chat.compare': method(
    z
      .object({
        prompt: z.string().min(1).max(200_000),
        targets: z.array(TargetSchema).min(2).max(3),
        system: z.string().max(20_000).optional(),
        params: ChatParamsSchema.optional(),
        tools: z.array(ToolNameSchema).optional(),
      })
      .strict(),
    z.object({ compareId: z.string(), conversationIds: z.array(z.string()) }),
    'Send one prompt to two or three backends at once; each pane is its own conversation.',
  ),
};

export const ChatDeltaSchema = z.object({
  conversationId: z.string(),
  messageId: z.string(),
  /** Text to append to the answer / the reasoning since the previous frame. */
  content: z.string().optional(),
  reasoning: z.string().optional(),
  /**
   * Where `content` / `reasoning` start in the message text: a client that loaded the message
   * mid-stream skips what it already has and refetches when it missed a frame.
   */
  contentAt: z.number(),
  reasoningAt: z.number(),
  /** Live figures while streaming. */
  tokens: z.number(),
  ttftMs: z.number().nullable(),
});
export type ChatDelta = z.infer<typeof ChatDeltaSchema>;

export const chatEvents = {
  'chat.delta': event(ChatDeltaSchema, 'Streamed text of a reply, batched into frames of about 50 ms.'),
  'chat.message': event(
    z.object({ conversationId: z.string(), message: ChatMessageSchema }),
    'A message was added or finished (user turn, tool call, tool result, final reply).',
  ),
  'chat.changed': event(
    z.object({ conversationId: z.string().nullable() }),
    'The conversation list changed (created, renamed, deleted, reply finished).',
  ),
  'chat.backendsChanged': event(z.object({}), 'A backend was added or removed.'),
};
