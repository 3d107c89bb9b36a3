import type { ChatBackend, ChatParams, MessageStats } from '../../shared/contract/chat';

/**
 * Times one request: time to first token from the moment the request is sent, decode speed
 * from the server's counters when it has them (Ollama eval_count/eval_duration, OpenAI usage
 * over the client's first-to-last token time), and chunks counted as tokens otherwise.
 */
export class StatsMeter {
  chunks = 0;
  private t0: number | null = null;
  private first: number | null = null;
  private last: number | null = null;
  private promptTokens: number | null = null;
  private completionTokens: number | null = null;
  private serverTps: number | null = null;
  private serverTtft: number | null = null;
  private finishReason: string | null = null;

  constructor(private now: () => number) {}

  start(): void {
    this.t0 = this.now();
  }

  token(): void {
    const t = this.now();
    this.chunks++;
    this.first ??= t;
    this.last = t;
  }

  usage(u: { promptTokens?: number; completionTokens?: number; decodeTokensPerSec?: number; serverTtftMs?: number }): void {
    if (u.serverTtftMs !== undefined) this.serverTtft = u.serverTtftMs;
    if (u.promptTokens !== undefined) this.promptTokens = u.promptTokens;
    if (u.completionTokens !== undefined) this.completionTokens = u.completionTokens;
    if (u.decodeTokensPerSec !== undefined) this.serverTps = u.decodeTokensPerSec;
  }

  finish(reason: string): void {
    this.finishReason = reason;
  }

  ttftMs(): number | null {
    return this.t0 !== null && this.first !== null ? this.first - this.t0 : null;
  }

  stats(o: { backend: ChatBackend; model: string; params: ChatParams; streamed: boolean }): MessageStats {
    const end = this.now();
    const fromServer = this.completionTokens !== null;
    const completion = fromServer ? this.completionTokens : o.streamed && this.chunks ? this.chunks : null;
    let tps = this.serverTps;
    if (tps === null && completion !== null && this.t0 !== null) {
      if (o.streamed && this.first !== null && this.last !== null && this.last > this.first && completion > 1) {
        tps = (completion - 1) / ((this.last - this.first) / 1000);
      } else if (!o.streamed && end > this.t0) {
        // One response body: no first-token time, so the rate includes the prompt.
        tps = completion / ((end - this.t0) / 1000);
      }
    }
    return {
      backendId: o.backend.id,
      backendLabel: o.backend.label,
      kind: o.backend.kind,
      model: o.model,
      params: o.params,
      ttftMs: o.streamed ? this.ttftMs() : null,
      serverTtftMs: this.serverTtft,
      totalMs: this.t0 === null ? 0 : end - this.t0,
      decodeTokensPerSec: tps,
      promptTokens: this.promptTokens,
      completionTokens: completion,
      tokenSource: fromServer ? 'server' : 'counted',
      streamed: o.streamed,
      finishReason: this.finishReason,
    };
  }
}
