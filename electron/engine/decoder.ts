/**
 * One forward pass over several sequence slots at once: the graph's batch dimension covers a run of
 * consecutive slots, each row with its own length (attention_mask row sums -> `seqlens_k`). Feeds
 * the cached KV (zero-copy views), fetches only the new KV positions and the last logits of each
 * row, and writes the new positions into the slots. See graph-rewrite.ts for why nothing else is
 * fetched.
 */
import * as ort from 'onnxruntime-node';
import { KV_RANGE_INPUT, LAST_LOGITS_OUTPUT, NEW_POSITIONS_INPUT, newSliceName, type GraphPlan } from './graph-rewrite';
import type { ModelSpec } from './genai-config';
import { KvCache } from './kv-cache';
import { DT } from './onnx-proto';

export function float16ToFloat32(src: Uint16Array): Float32Array {
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const h = src[i];
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    if (exp === 0) out[i] = sign * 2 ** -14 * (frac / 1024);
    else if (exp === 31) out[i] = frac ? NaN : sign * Infinity;
    else out[i] = sign * 2 ** (exp - 15) * (1 + frac / 1024);
  }
  return out;
}

/** One sequence's part of a forward pass: `ids` go after the first `past` cached positions of `slot`. */
export interface ForwardRow {
  slot: number;
  past: number;
  ids: readonly number[];
}

export interface DecoderModel {
  spec: ModelSpec;
  plan: GraphPlan;
  session: ort.InferenceSession;
}

export class Decoder {
  readonly kv: KvCache;
  private readonly keySlices: string[];
  private readonly valueSlices: string[];
  private readonly fetches: string[];

  constructor(
    private readonly model: DecoderModel,
    slots: number,
    /** Positions a sequence may hold: the context length. */
    maxPositions: number,
  ) {
    const { spec, plan } = model;
    this.kv = new KvCache({ numLayers: spec.numLayers, numKvHeads: spec.numKvHeads, headSize: spec.headSize, elemType: plan.kvType }, slots, maxPositions);
    this.keySlices = spec.presentKeys.map(newSliceName);
    this.valueSlices = spec.presentValues.map(newSliceName);
    this.fetches = [LAST_LOGITS_OUTPUT, ...this.keySlices, ...this.valueSlices];
  }

  /**
   * Runs every row (all with the same number of new ids) in one pass and returns each row's last
   * logits. Slots between the rows' first and last that take no part ride along with a dummy token
   * and a length of one: their cache is only read, and their output is dropped.
   */
  async forward(rows: readonly ForwardRow[]): Promise<Float32Array[]> {
    const { spec, plan } = this.model;
    if (rows.length === 0) return [];
    const S = rows[0].ids.length;
    if (S === 0 || rows.some((r) => r.ids.length !== S)) throw new RangeError('every row of a batch needs the same, non-zero number of new tokens');
    const first = Math.min(...rows.map((r) => r.slot));
    const B = Math.max(...rows.map((r) => r.slot)) - first + 1;
    if (plan.mode === 'slice-past' && B > 1) throw new RangeError('this graph runs one sequence at a time (it has no GroupQueryAttention)');
    const byRow = new Array<ForwardRow | undefined>(B);
    for (const r of rows) {
      if (byRow[r.slot - first]) throw new RangeError(`slot ${r.slot} appears twice in one batch`);
      byRow[r.slot - first] = r;
    }
    const T = Math.max(...rows.map((r) => r.past + S));
    this.kv.reserve(T);

    const ids = new BigInt64Array(B * S);
    const mask = new BigInt64Array(B * T);
    const positions = new BigInt64Array(B * S);
    const pad = BigInt(spec.padTokenId ?? 0);
    for (let b = 0; b < B; b++) {
      const r = byRow[b];
      const past = r?.past ?? 0;
      mask.fill(1n, b * T, b * T + past + S);
      for (let i = 0; i < S; i++) {
        ids[b * S + i] = r ? BigInt(r.ids[i]) : pad;
        positions[b * S + i] = BigInt(past + i);
      }
    }
    const feeds: Record<string, ort.Tensor> = {
      [spec.inputIds]: new ort.Tensor('int64', ids, [B, S]),
      [NEW_POSITIONS_INPUT]: new ort.Tensor('int64', positions, [B, S]),
    };
    if (spec.attentionMask) feeds[spec.attentionMask] = new ort.Tensor('int64', mask, [B, T]);
    if (spec.positionIds) feeds[spec.positionIds] = new ort.Tensor('int64', positions, [B, S]);
    if (plan.mode === 'slice-past') feeds[KV_RANGE_INPUT] = new ort.Tensor('int64', BigInt64Array.of(BigInt(rows[0].past), BigInt(T)), [2]);
    for (let l = 0; l < spec.numLayers; l++) {
      feeds[spec.pastKeys[l]] = this.kv.tensor(l, 0, first, B);
      feeds[spec.pastValues[l]] = this.kv.tensor(l, 1, first, B);
    }

    const out = await this.model.session.run(feeds, this.fetches);
    for (let l = 0; l < spec.numLayers; l++) {
      const keys = out[this.keySlices[l]].data as Float32Array | Uint16Array;
      const values = out[this.valueSlices[l]].data as Float32Array | Uint16Array;
      for (const r of rows) {
        this.kv.write(l, 0, r.slot, keys, r.slot - first, r.past, S);
        this.kv.write(l, 1, r.slot, values, r.slot - first, r.past, S);
      }
    }
    const logits = out[LAST_LOGITS_OUTPUT].data as Float32Array | Uint16Array;
    const V = logits.length / B;
    if (plan.logitsType !== DT.FLOAT16 && B === 1) return [logits as Float32Array];
    return rows.map((r) => {
      const row = logits.subarray((r.slot - first) * V, (r.slot - first + 1) * V);
      return plan.logitsType === DT.FLOAT16 ? float16ToFloat32(row as Uint16Array) : Float32Array.from(row as Float32Array);
    });
  }
}
