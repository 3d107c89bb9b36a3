/**
 * The KV cache of every sequence slot, held in JavaScript buffers that go to ORT as zero-copy input
 * tensors; new positions are written in place.
 *
 * Layout per layer and K/V: [slots, kv_heads, capacity, head_size], so any run of consecutive slots
 * is one [batch, kv_heads, capacity, head_size] tensor. Each buffer is allocated once, at the size
 * the plan counts (slots x the context length): the OS commits its pages only when written, so
 * resident memory follows `capacity`, the stride, which grows in CAPACITY_STEP steps by moving rows
 * within the same buffer. It never grows past the context length and never exists twice.
 * Capacity tracks the longest sequence rather than the maximum because GroupQueryAttention copies
 * and clears its `present` output over the whole capacity on every step.
 */
import * as ort from 'onnxruntime-node';
import { kvBytesPerPosition, type KvSizeShape } from './kv-size';
import { DT } from './onnx-proto';

export const CAPACITY_STEP = 64;

type KvArray = Float32Array | Uint16Array;

export interface KvShape {
  numLayers: number;
  numKvHeads: number;
  headSize: number;
  /** ONNX element type: FLOAT or FLOAT16. */
  elemType: number;
}

/** The kv-size.ts shape of a KV layout. */
export const kvSizeShape = (shape: KvShape): KvSizeShape => ({
  layers: shape.numLayers,
  kvHeads: shape.numKvHeads,
  headDim: shape.headSize,
  bytesPerElement: shape.elemType === DT.FLOAT16 ? 2 : 4,
});

export class KvCache {
  /** Index 2*layer is K, 2*layer+1 is V. */
  private readonly backing: KvArray[];
  /** Positions written per slot (beyond a sequence's valid length after a truncation: moved anyway). */
  private readonly filled: number[];
  /** The stride: positions each [slot, head] row has room for. */
  capacity = 0;

  constructor(
    readonly shape: KvShape,
    readonly slots: number,
    /** The context length: capacity never exceeds it. */
    readonly maxPositions: number,
  ) {
    if (shape.elemType !== DT.FLOAT && shape.elemType !== DT.FLOAT16) {
      throw new Error(`KV element type ${shape.elemType} is not supported (float32 or float16 only)`);
    }
    const n = slots * shape.numKvHeads * maxPositions * shape.headSize;
    this.backing = Array.from({ length: shape.numLayers * 2 }, () => (shape.elemType === DT.FLOAT ? new Float32Array(n) : new Uint16Array(n)));
    this.filled = new Array<number>(slots).fill(0);
  }

  /** Makes every slot's rows `positions` long at least, keeping what they hold. */
  reserve(positions: number): void {
    if (positions <= this.capacity) return;
    if (positions > this.maxPositions) throw new RangeError(`${positions} positions exceed the context length ${this.maxPositions}`);
    const newCap = Math.min(Math.ceil(positions / CAPACITY_STEP) * CAPACITY_STEP, this.maxPositions);
    const { numKvHeads: H, headSize: D } = this.shape;
    // Wider stride in the same buffer: move rows last-first so no row is overwritten before it moves.
    for (const buf of this.backing) {
      for (let row = this.slots * H - 1; row > 0; row--) {
        const n = this.filled[Math.floor(row / H)];
        if (n > 0) buf.copyWithin(row * newCap * D, row * this.capacity * D, row * this.capacity * D + n * D);
      }
    }
    this.capacity = newCap;
  }

  /** Zero-copy tensor of slots [first, first + count) for layer `layer`, K (`kind` 0) or V (1). */
  tensor(layer: number, kind: 0 | 1, first: number, count: number): ort.Tensor {
    const { numKvHeads: H, headSize: D, elemType } = this.shape;
    const row = H * this.capacity * D;
    const data = this.backing[layer * 2 + kind].subarray(first * row, (first + count) * row);
    return new ort.Tensor(elemType === DT.FLOAT ? 'float32' : 'float16', data, [count, H, this.capacity, D]);
  }

  /**
   * Writes `count` new positions of batch row `b` of `data` ([batch, H, count, D]) into `slot` at
   * position `at`.
   */
  write(layer: number, kind: 0 | 1, slot: number, data: KvArray, b: number, at: number, count: number): void {
    const { numKvHeads: H, headSize: D } = this.shape;
    if (at + count > this.capacity) throw new RangeError(`position ${at + count} is past the capacity ${this.capacity}`);
    const buf = this.backing[layer * 2 + kind];
    const src = b * H * count * D;
    for (let h = 0; h < H; h++) {
      buf.set(data.subarray(src + h * count * D, src + (h + 1) * count * D), (slot * H + h) * this.capacity * D + at * D);
    }
    this.filled[slot] = Math.max(this.filled[slot], at + count);
  }

  /** Bytes the buffers hold in memory at most: every slot at the current capacity. */
  get bytes(): number {
    return kvBytesPerPosition(kvSizeShape(this.shape)) * this.capacity * this.slots;
  }
}
