/**
 * Phi-4-mini tool calling. Tools go into the system turn (the chat template wraps them in
 * `<|tool|>...<|/tool|>`); the model answers `<|tool_call|>[{"name": .., "arguments": {..}}]<|/tool_call|>`,
 * `functools[...]` (the form vLLM's phi4_mini_json parser expects), or a bare JSON list when special
 * tokens are stripped. Calls come back in OpenAI's shape, arguments as a JSON string.
 */
import { randomBytes } from 'node:crypto';
import { parseJsonOrUndefined } from '../shared/json';

export interface ToolDefinition {
  type: 'function';
  function: { name: string; description?: string | null; parameters?: Record<string, unknown> | null; strict?: boolean | null };
}

export interface ToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export const TOOL_CALL_OPEN = '<|tool_call|>';
export const TOOL_CALL_CLOSE = '<|/tool_call|>';
const FUNCTOOLS = 'functools';

/** The `tools` string Phi-4-mini's template puts between `<|tool|>` and `<|/tool|>`. */
export function toolsForSystemTurn(tools: readonly ToolDefinition[]): string {
  return JSON.stringify(
    tools.map((t) => ({
      name: t.function.name,
      ...(t.function.description ? { description: t.function.description } : {}),
      ...(t.function.parameters ? { parameters: t.function.parameters } : {}),
    })),
  );
}

/** An assistant turn that made tool calls, as the model itself would have written it. */
export function toolCallsAsText(calls: ReadonlyArray<{ function: { name: string; arguments: string } }>): string {
  const list = calls.map((c) => {
    let args: unknown = c.function.arguments;
    try {
      args = JSON.parse(c.function.arguments);
    } catch {
      // Keep a malformed arguments string as is; the model sees what the client sent.
    }
    return { name: c.function.name, arguments: args };
  });
  return `${TOOL_CALL_OPEN}${JSON.stringify(list)}${TOOL_CALL_CLOSE}`;
}

export function newToolCallId(): string {
  return `call_${randomBytes(12).toString('hex')}`;
}

function toCalls(value: unknown): ToolCall[] | null {
  const list = Array.isArray(value) ? value : [value];
  const calls: ToolCall[] = [];
  for (const item of list) {
    if (!item || typeof item !== 'object') return null;
    const { name, arguments: args, parameters } = item as { name?: unknown; arguments?: unknown; parameters?: unknown };
    if (typeof name !== 'string' || name.length === 0) return null;
    const a = args ?? parameters ?? {};
    calls.push({ id: newToolCallId(), type: 'function', function: { name, arguments: typeof a === 'string' ? a : JSON.stringify(a) } });
  }
  return calls.length > 0 ? calls : null;
}

export interface ParsedOutput {
  /** Text outside the tool calls (null when there is none, as OpenAI returns it). */
  content: string | null;
  toolCalls: ToolCall[];
}

/** A call list: `[{..}, {..}]`, one `{..}`, or the un-bracketed `{..}, {..}` Phi-4-mini often writes. */
function parseCallList(text: string): ToolCall[] | null {
  return toCalls(parseJsonOrUndefined(text)) ?? (text.startsWith('{') ? toCalls(parseJsonOrUndefined(`[${text}]`)) : null);
}

/**
 * Extracts tool calls from a complete model output; returns null when there are none, or when a
 * call names a function outside `declared` (then the output is plain text, never an undeclared call).
 */
export function parseToolCalls(output: string, declared?: ReadonlySet<string>): ParsedOutput | null {
  const parsed = parseAnyToolCalls(output);
  if (parsed && declared && parsed.toolCalls.some((c) => !declared.has(c.function.name))) return null;
  return parsed;
}

function parseAnyToolCalls(output: string): ParsedOutput | null {
  const text = output.trim();
  const calls: ToolCall[] = [];
  let rest = text;

  if (text.includes(TOOL_CALL_OPEN)) {
    const pattern = /<\|tool_call\|>([\s\S]*?)(?:<\|\/tool_call\|>|$)/g;
    for (const m of text.matchAll(pattern)) {
      const parsed = parseCallList(m[1].trim());
      if (!parsed) return null;
      calls.push(...parsed);
    }
    rest = text.replace(pattern, '').trim();
  } else if (text.startsWith(FUNCTOOLS)) {
    const parsed = toCalls(parseJsonOrUndefined(text.slice(FUNCTOOLS.length).trim()));
    if (!parsed) return null;
    calls.push(...parsed);
    rest = '';
  } else if (text.startsWith('[')) {
    const value = parseJsonOrUndefined(text);
    if (!Array.isArray(value)) return null;
    const parsed = toCalls(value);
    if (!parsed) return null;
    calls.push(...parsed);
    rest = '';
  }
  if (calls.length === 0) return null;
  return { content: rest.length > 0 ? rest : null, toolCalls: calls };
}

/**
 * A call cut off by max_tokens: its name and the arguments written so far, as OpenAI returns a
 * truncated call (with finish_reason "length"). Null when no declared name was written (and
 * tool_choice forces none).
 */
export function truncatedToolCall(output: string, declared?: ReadonlySet<string>, forced?: string): ParsedOutput | null {
  const at = output.indexOf(TOOL_CALL_OPEN);
  const body = at === -1 ? output : output.slice(at + TOOL_CALL_OPEN.length);
  const name = /"name"\s*:\s*"([^"\\]*)"/.exec(body)?.[1] ?? forced;
  if (!name || (declared && !declared.has(name))) return null;
  const args = /"(?:arguments|parameters)"\s*:\s*([\s\S]*)$/.exec(body)?.[1] ?? '';
  const before = at > 0 ? output.slice(0, at).trim() : '';
  return { content: before || null, toolCalls: [{ id: newToolCallId(), type: 'function', function: { name, arguments: args } }] };
}

/** While streaming: could this (trimmed) output start still turn out to be a tool call? */
export function mayBeToolCall(start: string): boolean {
  const s = start.trimStart();
  if (s.length === 0) return true;
  return [TOOL_CALL_OPEN, FUNCTOOLS, '['].some((m) => s.startsWith(m) || m.startsWith(s));
}
