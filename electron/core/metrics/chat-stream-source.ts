import type { SourceStatus } from '../../shared/contract/metrics';
import type { EventBus } from '../events/event-bus';
import { counterRate } from './engine-parse';
import { def, type CollectContext, type MetricSource, type Reading } from './source';

const FORGET_MS = 60_000;

/**
 * Tokens per second as the chat streams them, whatever the backend: Ollama has no token
 * counter to scrape, and this is the rate the person in the Playground is watching. It
 * listens to chat.delta only while the engines scope is watched.
 */
export class ChatStreamSource implements MetricSource {
  readonly scope = 'engines' as const;
  private off: (() => void) | null = null;
  private messages = new Map<string, { tokens: number; at: number }>();
  private total = 0;
  private prev: { value: number; at: number } | null = null;
  private seen = false;

  constructor(private bus: EventBus) {}

  start(): void {
    this.off ??= this.bus.on('chat.delta', (d) => {
      const known = this.messages.get(d.messageId);
      const before = known?.tokens ?? 0;
      if (d.tokens > before) this.total += d.tokens - before;
      this.messages.set(d.messageId, { tokens: Math.max(before, d.tokens), at: Date.now() });
      this.seen = true;
    });
  }

  stop(): void {
    this.off?.();
    this.off = null;
    this.messages.clear();
    this.prev = null;
  }

  status(): SourceStatus[] {
    if (!this.seen) return [];
    const streaming = [...this.messages.values()].filter((m) => Date.now() - m.at < 3000).length;
    return [{ name: 'chat', scope: 'engines', state: this.off ? 'ok' : 'idle', message: streaming ? `${streaming} repl${streaming > 1 ? 'ies' : 'y'} streaming` : 'No reply streaming' }];
  }

  collect(ctx: CollectContext): Reading[] {
    for (const [id, m] of this.messages) if (ctx.now - m.at > FORGET_MS) this.messages.delete(id);
    // The baseline is kept before the first reply too: a short reply that streams whole
    // between two samples still shows its rate.
    const rate = counterRate(this.prev, this.total, ctx.now);
    this.prev = { value: this.total, at: ctx.now };
    if (!this.seen) return [];
    return [{ def: def('chat.tokens', 'Chat tokens/s', 'tokensPerSecond', 'tokens', 'engines', 'Chat'), value: rate }];
  }
}
