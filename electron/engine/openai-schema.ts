/**
 * zod schemas for the engine's HTTP requests: OpenAI chat completions (plus the vLLM extensions
 * top_k and repetition_penalty) and the seed's POST /reasoning.
 */
import { z } from 'zod';

const textPart = z.object({ type: z.literal('text'), text: z.string() });
const textContent = z.union([z.string(), z.array(textPart)]);

const toolCall = z.object({
  id: z.string().optional(),
  type: z.literal('function').optional(),
  function: z.object({ name: z.string().min(1), arguments: z.string() }),
});

const message = z.discriminatedUnion('role', [
  z.object({ role: z.literal('system'), content: textContent, name: z.string().optional() }),
  z.object({ role: z.literal('developer'), content: textContent, name: z.string().optional() }),
  z.object({ role: z.literal('user'), content: textContent, name: z.string().optional() }),
  z.object({
    role: z.literal('assistant'),
    content: textContent.nullable().optional(),
    tool_calls: z.array(toolCall).optional(),
    name: z.string().optional(),
  }),
  z.object({ role: z.literal('tool'), content: textContent, tool_call_id: z.string().optional() }),
]);

const tool = z.object({
  type: z.literal('function'),
  function: z.object({
    name: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1-64 letters, digits, _ . or -'),
    description: z.string().optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
  }),
});

export const chatCompletionRequestSchema = z.object({
  model: z.string().optional(),
  messages: z.array(message).min(1, 'at least one message is required'),
  stream: z.boolean().nullable().optional(),
  stream_options: z.object({ include_usage: z.boolean().optional() }).nullable().optional(),
  max_tokens: z.number().int().positive().nullable().optional(),
  max_completion_tokens: z.number().int().positive().nullable().optional(),
  temperature: z.number().min(0).max(2).nullable().optional(),
  top_p: z.number().gt(0).max(1).nullable().optional(),
  /** vLLM extension; -1 or 0 disables. */
  top_k: z.number().int().min(-1).nullable().optional(),
  /** vLLM extension. */
  repetition_penalty: z.number().gt(0).max(10).nullable().optional(),
  /** vLLM extension: keep generating past EOS up to max_tokens (benchmarks). */
  ignore_eos: z.boolean().nullable().optional(),
  seed: z.number().int().nullable().optional(),
  stop: z.union([z.string(), z.array(z.string()).max(16)]).nullable().optional(),
  n: z.literal(1, { message: 'only n = 1 is supported' }).nullable().optional(),
  tools: z.array(tool).nullable().optional(),
  tool_choice: z
    .union([z.enum(['none', 'auto', 'required']), z.object({ type: z.literal('function'), function: z.object({ name: z.string() }) })])
    .nullable()
    .optional(),
  /** Subtracted from a token's logit once it is in the output, and per occurrence (vLLM semantics: output tokens only). */
  frequency_penalty: z.number().min(-2).max(2).nullable().optional(),
  presence_penalty: z.number().min(-2).max(2).nullable().optional(),
  // Accepted for client compatibility; it names the end user for abuse tracking, which does not apply here.
  user: z.string().optional(),
});
export type ChatCompletionRequest = z.infer<typeof chatCompletionRequestSchema>;

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

export function textOf(content: z.infer<typeof textContent> | null | undefined): string {
  if (content == null) return '';
  return typeof content === 'string' ? content : content.map((p) => p.text).join('');
}
