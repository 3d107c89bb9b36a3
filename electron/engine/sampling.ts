/**
 * Next-token choice: repetition, presence and frequency penalties, then greedy (temperature 0)
 * or temperature + top-k + top-p sampling with a seeded PRNG, so a request with a seed always gets the same tokens.
 */
import { Prng } from './prng';

export interface SamplingParams {
  /** 0 means greedy. */
  temperature: number;
  /** Nucleus mass in (0, 1]; 1 disables. */
  topP: number;
  /** Keep the k most likely tokens; 0 disables. */
  topK: number;
  /** CTRL-style penalty (> 1 discourages tokens already in prompt or output); 1 disables. */
  repetitionPenalty: number;
  /** OpenAI penalties, subtracted from the logit of a token already in the output: once, and per occurrence. 0 disables. */
  presencePenalty?: number;
  frequencyPenalty?: number;
  /** OpenAI logit_bias: token id -> value added to its logit before anything else. */
  logitBias?: Readonly<Record<number, number>>;
  seed: number;
}

/** A chosen token's log probability and the most likely alternatives at that step. */
export interface TokenLogprob {
  id: number;
  logprob: number;
  top: Array<{ id: number; logprob: number }>;
}

/** What OpenAI reports for a token too unlikely to have a finite log probability. */
const MIN_LOGPROB = -9999;

/**
 * Tokens whose scaled logit is this far below the best have probability < e^-30 each; dropping them
 * before sorting keeps top-p over a 200K vocabulary fast while losing at most vocab * e^-30 mass.
 */
const NEGLIGIBLE_LOGIT_GAP = 30;
/** Selection passes before falling back to a full sort of the candidates. */
const SELECTION_PASSES = 16;

export class Sampler {
  private readonly rng: Prng;
  private readonly seen: Uint8Array;
  private readonly seenIds: number[] = [];
  /** Occurrences of each generated token, for the presence and frequency penalties. */
  private readonly outputCounts = new Map<number, number>();
  private readonly presence: number;
  private readonly frequency: number;
  private candIds = new Int32Array(0);
  private candProbs = new Float64Array(0);
  /** Candidate indexes, most likely first (filled up to what the last draw needed). */
  private order = new Int32Array(0);

  /** `limit`: ids at or above it (padding past the tokenizer's vocabulary) are never chosen. */
  constructor(
    readonly params: SamplingParams,
    private readonly limit: number,
  ) {
    this.rng = new Prng(params.seed);
    this.seen = new Uint8Array(limit);
    this.presence = params.presencePenalty ?? 0;
    this.frequency = params.frequencyPenalty ?? 0;
  }

  /** Marks prompt tokens for the repetition penalty. */
  observePrompt(ids: readonly number[]): void {
    for (const id of ids) this.markSeen(id);
  }

  /** Records a generated token for all three penalties. */
  observeOutput(id: number): void {
    this.markSeen(id);
    if (this.presence !== 0 || this.frequency !== 0) this.outputCounts.set(id, (this.outputCounts.get(id) ?? 0) + 1);
  }

  private markSeen(id: number): void {
    if (this.params.repetitionPenalty !== 1 && id >= 0 && id < this.limit && !this.seen[id]) {
      this.seen[id] = 1;
      this.seenIds.push(id);
    }
  }

  /** Picks the next token from `logits` (modified in place by the bias and penalties). */
  sample(logits: Float32Array): number {
    const n = Math.min(this.limit, logits.length);
    if (this.params.logitBias) for (const [id, bias] of Object.entries(this.params.logitBias)) if (Number(id) < n) logits[Number(id)] += bias;
    const p = this.params.repetitionPenalty;
    if (p !== 1) {
      for (const id of this.seenIds) {
        const v = logits[id];
        logits[id] = v > 0 ? v / p : v * p;
      }
    }
    for (const [id, count] of this.outputCounts) logits[id] -= this.presence + this.frequency * count;
    let best = 0;
    for (let i = 1; i < n; i++) if (logits[i] > logits[best]) best = i;
    if (!(this.params.temperature > 0) || this.params.topK === 1) return best;

    // Candidates: every token within NEGLIGIBLE_LOGIT_GAP of the best, with unnormalised probabilities.
    const invT = 1 / this.params.temperature;
    const floor = logits[best] - NEGLIGIBLE_LOGIT_GAP * this.params.temperature;
    if (this.candIds.length < n) {
      this.candIds = new Int32Array(n);
      this.candProbs = new Float64Array(n);
      this.order = new Int32Array(n);
    }
    const ids = this.candIds;
    const probs = this.candProbs;
    let count = 0;
    let total = 0;
    for (let i = 0; i < n; i++) {
      if (logits[i] >= floor) {
        ids[count] = i;
        total += probs[count++] = Math.exp((logits[i] - logits[best]) * invT);
      }
    }
    const { topK, topP } = this.params;
    if ((topK <= 0 || topK >= count) && topP >= 1) {
      // Plain temperature sampling: no ordering needed, draw over candidates in id order.
      let u = this.rng.next() * total;
      for (let c = 0; c < count; c++) {
        u -= probs[c];
        if (u < 0) return ids[c];
      }
      return ids[count - 1];
    }
    // Most likely first (ties by id, so the draw is deterministic); stop at top-k or the nucleus.
    const limit = topK > 0 ? Math.min(topK, count) : count;
    const kept = this.mostLikely(count, limit, topP < 1 ? topP * total : Infinity);
    let keptMass = 0;
    for (let r = 0; r < kept; r++) keptMass += probs[this.order[r]];
    let u = this.rng.next() * keptMass;
    for (let r = 0; r < kept; r++) {
      u -= probs[this.order[r]];
      if (u < 0) return ids[this.order[r]];
    }
    return ids[this.order[kept - 1]];
  }

  /**
   * Log probabilities of `token` and of the `top` most likely tokens, from the distribution the
   * draw used: the processed logits (bias, penalties, constraint mask) after temperature and before
   * top-k/top-p, as OpenAI documents. Greedy decoding (temperature 0) reports temperature 1.
   */
  logprobs(logits: Float32Array, token: number, top: number): TokenLogprob {
    const n = Math.min(this.limit, logits.length);
    const invT = this.params.temperature > 0 ? 1 / this.params.temperature : 1;
    let max = -Infinity;
    for (let i = 0; i < n; i++) if (logits[i] > max) max = logits[i];
    let sum = 0;
    for (let i = 0; i < n; i++) sum += Math.exp((logits[i] - max) * invT);
    const logZ = Math.log(sum);
    const lp = (id: number) => {
      const v = (logits[id] - max) * invT - logZ;
      return Number.isFinite(v) ? Math.max(v, MIN_LOGPROB) : MIN_LOGPROB;
    };
    // The `top` largest logits, kept sorted (ties by id) in a small array.
    const best: number[] = [];
    for (let i = 0; i < n && top > 0; i++) {
      const v = logits[i];
      if (v === -Infinity || (best.length === top && v <= logits[best[top - 1]])) continue;
      let at = best.length;
      while (at > 0 && logits[best[at - 1]] < v) at--;
      best.splice(at, 0, i);
      if (best.length > top) best.pop();
    }
    return { id: token, logprob: lp(token), top: best.map((id) => ({ id, logprob: lp(id) })) };
  }

  /**
   * Puts the most likely candidates first in `order`, until `limit` are placed or their mass reaches
   * `mass`; returns how many. Peaked distributions need only a few selection passes; otherwise sort.
   */
  private mostLikely(count: number, limit: number, mass: number): number {
    const { candIds: ids, candProbs: probs, order } = this;
    for (let c = 0; c < count; c++) order[c] = c;
    const before = (a: number, b: number) => probs[a] > probs[b] || (probs[a] === probs[b] && ids[a] < ids[b]);
    let cum = 0;
    for (let r = 0; r < limit; r++) {
      if (r === SELECTION_PASSES) {
        const rest = Array.from(order.subarray(r, count)).sort((a, b) => probs[b] - probs[a] || ids[a] - ids[b]);
        order.set(rest, r);
        for (let q = r; q < limit; q++) {
          cum += probs[order[q]];
          if (cum >= mass) return q + 1;
        }
        return limit;
      }
      let m = r;
      for (let c = r + 1; c < count; c++) if (before(order[c], order[m])) m = c;
      const t = order[r];
      order[r] = order[m];
      order[m] = t;
      cum += probs[order[r]];
      if (cum >= mass) return r + 1;
    }
    return limit;
  }
}
