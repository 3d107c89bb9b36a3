/**
 * The decode loop: prefill, then sample -> stream -> forward one token at a time until EOS, a stop
 * string, the token budget, the context end, or cancellation.
 */
import type { ChatTokenizer } from './chat-tokenizer';
import type { Decoder } from './decoder';
import { DecodeHooks, type DecodeHookParams } from './decode-hooks';
import { Sampler, type SamplingParams, type TokenLogprob } from './sampling';
import { StopStringMatcher } from './stop-strings';

export type FinishReason = 'stop' | 'length' | 'cancelled';

/** KV room reserved up front for the answer; beyond it buffers grow by reallocation. */
const EXPECTED_ANSWER_TOKENS = 1024;
/** Prompt tokens per forward pass when the graph allows chunked prefill. */
const PREFILL_CHUNK = 256;

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
  decoder: Decoder;
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
  const { decoder, tokenizer, eosIds } = ctx;
  if (promptIds.length === 0) throw new RangeError('the prompt is empty');

  // Keep the cached prefix the prompt shares with the slot's history; recompute the rest.
  const keep = ctx.incremental ? Math.min(commonPrefix(ctx.history, promptIds), promptIds.length - 1, decoder.length) : 0;
  decoder.truncate(keep);
  ctx.history.length = keep;

  const budget = Math.max(0, Math.min(params.maxTokens, ctx.maxPositions - promptIds.length));
  // Size the KV buffers once for the likely length; a longer answer grows them (doubling).
  decoder.kv.prepare(promptIds.length + Math.min(budget, EXPECTED_ANSWER_TOKENS));
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
    for (let at = keep; at < promptIds.length && !params.signal?.aborted; at += chunk) {
      const part = promptIds.slice(at, at + chunk);
      logits = await decoder.forward(part);
      for (const id of part) ctx.history.push(id);
    }
    for (;;) {
      if (params.signal?.aborted) {
        finishReason = 'cancelled';
        break;
      }
      hooks.beforeSample(logits, budget - tokenIds.length);
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
      logits = await decoder.forward([token]);
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
