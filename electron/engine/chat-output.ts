/**
 * Routes a chat's text stream into content deltas and tool calls. With tools enabled, output that
 * may be a tool call (it starts like one, or a `<|tool_call|>` marker shows up later) is buffered
 * and parsed at the end; everything else streams as content straight away. Token log
 * probabilities ride on the event that carries their text (or on the tool calls).
 */
import type { TokenLogprob } from './sampling';
import { TOOL_CALL_OPEN, mayBeToolCall, parseToolCalls, truncatedToolCall, type ToolCall } from './tool-calls';

export type ChatEvent =
  | { type: 'content'; text: string; logprobs?: TokenLogprob[] }
  | { type: 'tool_calls'; toolCalls: ToolCall[]; logprobs?: TokenLogprob[] };

export class ChatOutput {
  private mode: 'undecided' | 'text' | 'tool';
  private pending = '';
  private emitted = '';
  private pendingLogprobs: TokenLogprob[] = [];
  private readonly toolsEnabled: boolean;

  /**
   * `declaredTools`: the function names a call may use; none: tool calls are not parsed.
   * `forcedTool`: the one function tool_choice forces (names a call cut off before its name).
   */
  constructor(
    private readonly declaredTools: ReadonlySet<string> | undefined,
    private readonly onEvent: (e: ChatEvent) => void,
    private readonly forcedTool?: string,
  ) {
    this.toolsEnabled = declaredTools !== undefined && declaredTools.size > 0;
    this.mode = this.toolsEnabled ? 'undecided' : 'text';
  }

  push(delta: string, logprobs?: TokenLogprob[]): void {
    if (logprobs) this.pendingLogprobs.push(...logprobs);
    if (!this.toolsEnabled) return this.content(delta);
    this.pending += delta;
    if (this.mode === 'undecided') {
      if (mayBeToolCall(this.pending)) return;
      this.mode = 'text';
    }
    if (this.mode === 'text') {
      const at = this.pending.indexOf(TOOL_CALL_OPEN);
      if (at !== -1) {
        this.content(this.pending.slice(0, at));
        this.pending = this.pending.slice(at);
        this.mode = 'tool';
        return;
      }
      // Hold back a possible start of the marker.
      let hold = 0;
      for (let n = Math.min(TOOL_CALL_OPEN.length - 1, this.pending.length); n > 0; n--) {
        if (this.pending.endsWith(TOOL_CALL_OPEN.slice(0, n))) {
          hold = n;
          break;
        }
      }
      this.content(this.pending.slice(0, this.pending.length - hold));
      this.pending = this.pending.slice(this.pending.length - hold);
    }
  }

  /**
   * Ends the stream: parses buffered output; returns the final content and tool calls. `cut`: the
   * generation hit max_tokens, so a call in progress is returned with its partial arguments
   * (`truncated`), never as marker text in the content.
   */
  finish(cut = false): { content: string | null; toolCalls: ToolCall[]; truncated: boolean } {
    if (this.pending.length > 0) {
      const parsed = this.mode === 'text' ? null : parseToolCalls(this.pending, this.declaredTools);
      const partial = this.mode === 'text' || parsed || !cut ? null : truncatedToolCall(this.pending, this.declaredTools, this.forcedTool);
      const calls = parsed ?? partial;
      if (calls) {
        if (calls.content) this.content(calls.content);
        this.onEvent({ type: 'tool_calls', toolCalls: calls.toolCalls, ...this.takeLogprobs() });
        this.pending = '';
        // OpenAI: a reply that only calls tools has content null.
        return { content: this.emitted.length > 0 ? this.emitted : null, toolCalls: calls.toolCalls, truncated: partial !== null };
      }
      // A call cut off before its name is complete: its unfinished markup is not an answer.
      if (!(cut && this.pending.trimStart().startsWith(TOOL_CALL_OPEN))) this.content(this.pending);
      this.pending = '';
    }
    if (this.pendingLogprobs.length > 0) this.onEvent({ type: 'content', text: '', ...this.takeLogprobs() });
    return { content: this.emitted, toolCalls: [], truncated: false };
  }

  private takeLogprobs(): { logprobs?: TokenLogprob[] } {
    if (this.pendingLogprobs.length === 0) return {};
    const logprobs = this.pendingLogprobs;
    this.pendingLogprobs = [];
    return { logprobs };
  }

  private content(text: string): void {
    if (text.length === 0) return;
    this.emitted += text;
    this.onEvent({ type: 'content', text, ...this.takeLogprobs() });
  }
}
