import type { ChatParams, ToolCall } from '../../../shared/contract/chat';

/** A message as both protocols need it; each client maps it to its own wire shape. */
export interface WireMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
  toolCalls?: ToolCall[];
  toolCallId?: string;
  toolName?: string;
}

export interface ToolSpec {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

export interface ChatRequest {
  baseUrl: string;
  model: string;
  messages: WireMessage[];
  params: ChatParams;
  tools?: ToolSpec[];
  stream: boolean;
  /** Sent as `Authorization: Bearer` (an engine deployment published beyond loopback); never logged. */
  apiKey?: string;
}

/** What a server said, in the order it said it. */
export type StreamEvent =
  | { type: 'content'; text: string }
  | { type: 'reasoning'; text: string }
  | { type: 'tool_calls'; calls: ToolCall[] }
  /** A piece of a streamed tool call arrived (OpenAI streams arguments in fragments). */
  | { type: 'tool_delta' }
  | { type: 'usage'; promptTokens?: number; completionTokens?: number; decodeTokensPerSec?: number; serverTtftMs?: number }
  | { type: 'finish'; reason: string };

export interface ModelInfo {
  id: string;
  detail?: string;
}

export interface ChatClient {
  chat(req: ChatRequest, signal: AbortSignal): AsyncGenerator<StreamEvent>;
  models(baseUrl: string, signal: AbortSignal, apiKey?: string): Promise<ModelInfo[]>;
}
