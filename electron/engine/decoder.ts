/**
 * One forward step of the decoder over a KV slot: feeds new token ids plus the cached KV (zero-copy
 * views), fetches only the new KV positions and the last logits, and writes the new positions
 * into the slot. See graph-rewrite.ts for why nothing else is fetched.
 */
import * as ort from 'onnxruntime-node';
import { KV_RANGE_INPUT, LAST_LOGITS_OUTPUT, newSliceName } from './graph-rewrite';
import { KvCache } from './kv-cache';
import type { LoadedModel } from './model-loader';
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

export class Decoder {
  readonly kv: KvCache;
  private readonly fetches: string[];
  private readonly keySlices: string[];
  private readonly valueSlices: string[];
  private readonly ones: BigInt64Array;
  // Reused per step: a token is a hot loop, so the fixed-shape inputs are written in place.
  private readonly feeds: Record<string, ort.Tensor> = {};
  private readonly oneId = new BigInt64Array(1);
  private readonly oneIdTensor = new ort.Tensor('int64', this.oneId, [1, 1]);
  private readonly range = new BigInt64Array(2);
  private readonly rangeTensor = new ort.Tensor('int64', this.range, [2]);

  constructor(private readonly model: LoadedModel) {
    const { spec, plan } = model;
    this.kv = new KvCache({ numLayers: spec.numLayers, numKvHeads: spec.numKvHeads, headSize: spec.headSize, elemType: plan.kvType });
    this.keySlices = spec.presentKeys.map(newSliceName);
    this.valueSlices = spec.presentValues.map(newSliceName);
    this.fetches = [LAST_LOGITS_OUTPUT, ...this.keySlices, ...this.valueSlices];
    this.ones = new BigInt64Array(spec.contextLength).fill(1n);
    this.feeds[KV_RANGE_INPUT] = this.rangeTensor;
  }

  /** Valid cached positions. */
  get length(): number {
    return this.kv.length;
  }

  /** Drops cached positions beyond `length` (0 starts a new sequence); buffers are kept. */
  truncate(length: number): void {
    this.kv.length = Math.min(length, this.kv.length);
  }

  /** Runs `ids` after the cached positions and returns the logits of the last one. */
  async forward(ids: readonly number[]): Promise<Float32Array> {
    const { spec } = this.model;
    const S = ids.length;
    const past = this.kv.length;
    const total = past + S;
    if (total > spec.contextLength) throw new RangeError(`sequence of ${total} tokens exceeds the context length ${spec.contextLength}`);
    this.kv.reserve(total);

    const feeds = this.feeds;
    if (S === 1) {
      this.oneId[0] = BigInt(ids[0]);
      feeds[spec.inputIds] = this.oneIdTensor;
    } else {
      feeds[spec.inputIds] = new ort.Tensor('int64', BigInt64Array.from(ids, (i) => BigInt(i)), [1, S]);
    }
    this.range[0] = BigInt(past);
    this.range[1] = BigInt(total);
    if (spec.attentionMask) feeds[spec.attentionMask] = new ort.Tensor('int64', this.ones.subarray(0, total), [1, total]);
    if (spec.positionIds) {
      feeds[spec.positionIds] = new ort.Tensor('int64', BigInt64Array.from({ length: S }, (_, i) => BigInt(past + i)), [1, S]);
    }
    for (let l = 0; l < spec.numLayers; l++) {
      feeds[spec.pastKeys[l]] = this.kv.tensor(l, 0);
      feeds[spec.pastValues[l]] = this.kv.tensor(l, 1);
    }

    const out = await this.model.session.run(feeds, this.fetches);
    for (let l = 0; l < spec.numLayers; l++) {
      this.kv.write(l, 0, out[this.keySlices[l]].data as Float32Array | Uint16Array, past, S);
      this.kv.write(l, 1, out[this.valueSlices[l]].data as Float32Array | Uint16Array, past, S);
    }
    this.kv.length = total;
    const logits = out[LAST_LOGITS_OUTPUT].data;
    return this.model.plan.logitsType === DT.FLOAT16 ? float16ToFloat32(logits as Uint16Array) : (logits as Float32Array);
  }
}
