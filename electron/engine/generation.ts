/**
 * The decode loop: prefill, then sample -> stream -> forward one token at a time until EOS, a stop
 * string, the token budget, the context end, or cancellation.
 */
import type { ChatTokenizer } from './chat-tokenizer';
import { DecodeHooks, type DecodeHookParams } from './decode-hooks';
import { Sampler, type SamplingParams, type TokenLogprob } from './sampling';
import { StopStringMatcher } from './stop-strings';

export type FinishReason = 'stop' | 'length' | 'cancelled';

/** Prompt tokens per forward pass when the graph allows chunked prefill. */
const PREFILL_CHUNK = 256;

/** A sequence slot's cached KV, as the decode loop sees it. */
export interface Sequence {
  /** Valid cached positions. */
  readonly length: number;
  /** Whether the cached keys were rotated with LongRoPE's long factors (a pass wider than the threshold). */
  readonly longMode: boolean;
  /** Drops cached positions beyond `length`. */
  truncate(length: number): void;
  /** Runs `ids` after the cached positions; resolves with the logits of the last one. */
  forward(ids: readonly number[]): Promise<Float32Array>;
}

export interface GenerationParams extends DecodeHookParams {
  sampling: SamplingParams;
  /** Tokens to generate at most (EOS not counted). */
  maxTokens: number;
  stop: readonly string[];
  signal?: AbortSignal;
  /** Special tokens to show in the text (tool-call markers); others are dropped. */
  visibleSpecial?: ReadonlySet<number>;
  /** Keep going past EOS (vLLM's ignore_eos), for benchmarks. */
  ignoreEos?: boolean;
}

export interface GenerationResult {
  text: string;
  tokenIds: number[];
  finishReason: FinishReason;
  promptTokens: number;
  /** Prompt tokens served from the slot's cache instead of being recomputed. */
  cachedPromptTokens: number;
  completionTokens: number;
  /** One entry per generated token when `logprobs` was asked for. */
  logprobs?: TokenLogprob[];
  /** performance.now() timestamps. */
  startedAt: number;
  firstTokenAt?: number;
  finishedAt: number;
}

export interface GenerationContext {
  sequence: Sequence;
  tokenizer: ChatTokenizer;
  eosIds: ReadonlySet<number>;
  /** Tokens whose KV the decoder already holds from the previous request on this slot. */
  history: number[];
  /** Positions the sequence may use (context length or the config's max_length). */
  maxPositions: number;
  /**
   * The graph accepts several new tokens after a cached past (GroupQueryAttention does): reuse a
   * cached prompt prefix and prefill in chunks, so a long prompt does not block the event loop
   * (health checks, cancellation) for its whole duration.
   */
  incremental: boolean;
  /**
   * LongRoPE: a pass whose total length exceeds this uses the long rotary factors. Keys are cached
   * already rotated, so a sequence past it must have been computed in that mode from position 0.
   */
  longRopeThreshold?: number;
  /** Called once per generated token, so /metrics counts tokens while a reply streams. */
  onToken?: () => void;
}

function commonPrefix(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}

/**
 * Runs one generation on a slot; `onText` receives text deltas as they become final, with the
 * log probabilities of the tokens since the previous delta (when asked for).
 */
export async function generate(
  ctx: GenerationContext,
  promptIds: readonly number[],
  params: GenerationParams,
  onText?: (delta: string, logprobs?: TokenLogprob[]) => void,
): Promise<GenerationResult> {
  const startedAt = performance.now();
  const { sequence: seq, tokenizer, eosIds } = ctx;
  if (promptIds.length === 0) throw new RangeError('the prompt is empty');
  const threshold = ctx.longRopeThreshold ?? Infinity;
  const long = promptIds.length > threshold;

  // Keep the cached prefix the prompt shares with the slot's history (if it was rotated in the mode
  // this prompt needs, as transformers does for Phi-3); recompute the rest.
  let keep = ctx.incremental ? Math.min(commonPrefix(ctx.history, promptIds), promptIds.length - 1, seq.length) : 0;
  if (seq.longMode !== long) keep = 0;
  seq.truncate(keep);
  ctx.history.length = keep;

  const budget = Math.max(0, Math.min(params.maxTokens, ctx.maxPositions - promptIds.length));
  const sampler = new Sampler(params.sampling, tokenizer.size);
  sampler.observePrompt(promptIds);
  const detok = tokenizer.streamDecoder(params.visibleSpecial);
  const stops = new StopStringMatcher(params.stop);
  const hooks = new DecodeHooks(params, tokenizer, eosIds);
  const tokenIds: number[] = [];
  let text = '';
  let firstTokenAt: number | undefined;
  let finishReason: FinishReason = 'length';
  let stoppedByString = false;

  const emit = (delta: string) => {
    if (delta.length === 0) return;
    text += delta;
    onText?.(delta, hooks.takeLogprobs());
  };

  if (budget > 0 && !params.signal?.aborted) {
    const chunk = ctx.incremental ? PREFILL_CHUNK : promptIds.length;
    let logits: Float32Array = new Float32Array(0);
    for (let at = keep; at < promptIds.length && !params.signal?.aborted; ) {
      // Past the threshold the first pass must already be wider than it, or its keys get the short factors.
      const end = Math.min(promptIds.length, Math.max(at + chunk, long ? threshold + 1 : 0));
      const part = promptIds.slice(at, end);
      logits = await seq.forward(part);
      for (const id of part) ctx.history.push(id);
      at = end;
    }
    for (;;) {
      if (params.signal?.aborted) {
        finishReason = 'cancelled';
        break;
      }
      await hooks.beforeSample(logits, budget - tokenIds.length);
      const token = sampler.sample(logits);
      firstTokenAt ??= performance.now();
      if (eosIds.has(token) && !params.ignoreEos) {
        finishReason = 'stop';
        break;
      }
      tokenIds.push(token);
      ctx.onToken?.();
      sampler.observeOutput(token);
      hooks.afterSample(sampler, logits, token);
      const { text: safe, stopped } = stops.push(detok.push(token));
      emit(safe);
      if (stopped || hooks.finished) {
        finishReason = 'stop';
        stoppedByString = stopped;
        break;
      }
      if (tokenIds.length >= budget) break;
      if (!seq.longMode && seq.length + 1 > threshold) {
        // Crossing the threshold: recompute the whole sequence with the long factors, in one pass.
        seq.truncate(0);
        logits = await seq.forward([...ctx.history, token]);
      } else {
        logits = await seq.forward([token]);
      }
      ctx.history.push(token);
    }
  } else if (params.signal?.aborted) {
    finishReason = 'cancelled';
  }
  if (!stoppedByString) {
    // Release what the detokenizer and the stop matcher held back (it may still hold a stop string).
    const tail = stops.push(detok.flush());
    emit(tail.text);
    if (tail.stopped) finishReason = 'stop';
    else emit(stops.flush());
  }
  // Tokens whose text never surfaced (held back, or special) still report their logprobs.
  const unshown = hooks.takeLogprobs();
  if (unshown?.length) onText?.('', unshown);
  return {
    text,
    tokenIds,
    finishReason,
    promptTokens: promptIds.length,
    cachedPromptTokens: keep,
    completionTokens: tokenIds.length,
    logprobs: hooks.logprobs,
    startedAt,
    firstTokenAt,
    finishedAt: performance.now(),
  };
}
