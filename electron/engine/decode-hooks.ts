/**
 * What the OpenAI layer adds around the sampler, per sequence: the structured-output / tool-call
 * token mask before the draw, and the token's log probabilities after it. The decode loop calls
 * `beforeSample` and `afterSample` for each generated token and nothing else changes for it.
 */
import type { ChatTokenizer } from './chat-tokenizer';
import type { Sampler, TokenLogprob } from './sampling';
import { createConstraint, type GrammarSpec, type TokenConstraint } from './token-constraint';

export interface DecodeHookParams {
  /** Constrained decoding: the output must match this grammar (JSON, a forced tool call). */
  grammar?: GrammarSpec;
  /** Report each token's log probability with this many alternatives (0-20); unset: none. */
  logprobs?: number;
}

export class DecodeHooks {
  private readonly constraint: TokenConstraint | undefined;
  /** Every generated token's entry, when logprobs were asked for. */
  readonly logprobs: TokenLogprob[] | undefined;
  private pending: TokenLogprob[] = [];

  constructor(
    private readonly params: DecodeHookParams,
    tokenizer: ChatTokenizer,
    eosIds: ReadonlySet<number>,
  ) {
    this.constraint = params.grammar ? createConstraint(params.grammar, tokenizer, eosIds) : undefined;
    this.logprobs = params.logprobs !== undefined ? [] : undefined;
  }

  /** Masks what the grammar does not allow; `remaining` counts this token. */
  async beforeSample(logits: Float32Array, remaining: number): Promise<void> {
    await this.constraint?.mask(logits, remaining);
  }

  /** Records the chosen (non-EOS) token: its log probabilities, and the grammar's next state. */
  afterSample(sampler: Sampler, logits: Float32Array, token: number): void {
    if (this.logprobs) {
      const entry = sampler.logprobs(logits, token, this.params.logprobs ?? 0);
      this.logprobs.push(entry);
      this.pending.push(entry);
    }
    this.constraint?.accept(token);
  }

  /** The output is complete: only EOS could follow, so the sequence can stop. */
  get finished(): boolean {
    return this.constraint?.finished ?? false;
  }

  /** Entries of the tokens since the last call (for the text delta that shows them); undefined when not asked for. */
  takeLogprobs(): TokenLogprob[] | undefined {
    if (!this.logprobs) return undefined;
    const out = this.pending;
    this.pending = [];
    return out;
  }
}
