/**
 * KV cache held in JavaScript buffers that are allocated once per slot and reused: new positions
 * are written in place, and the buffers go to ORT as zero-copy input tensors.
 *
 * Layout per layer and K/V: [1, kv_heads, capacity, head_size]. Capacity grows in steps of
 * CAPACITY_STEP inside a backing buffer sized for the request; growing moves each head's rows to
 * the new stride in place. Oversizing is cheap but not free: GroupQueryAttention clears its
 * `present` buffer over the whole capacity, so capacity tracks the length rather than the maximum.
 */
import * as ort from 'onnxruntime-node';
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

export class KvCache {
  /** Index 2*layer is K, 2*layer+1 is V. */
  private backing: KvArray[] = [];
  private tensors: ort.Tensor[] = [];
  private maxPositions = 0;
  capacity = 0;
  /** Valid positions. */
  length = 0;

  constructor(readonly shape: KvShape) {
    if (shape.elemType !== DT.FLOAT && shape.elemType !== DT.FLOAT16) {
      throw new Error(`KV element type ${shape.elemType} is not supported (float32 or float16 only)`);
    }
  }

  /**
   * Sizes the backing buffers for `positions` up front (a request's prompt plus expected output), so
   * growth during the request happens in place. Buffers already big enough are reused as they are.
   */
  prepare(positions: number): void {
    const want = Math.ceil(positions / CAPACITY_STEP) * CAPACITY_STEP;
    if (want > this.maxPositions) this.reallocate(want, this.capacity);
  }

  /** Makes room for `positions` total positions, keeping the valid prefix. */
  reserve(positions: number): void {
    if (positions <= this.capacity) return;
    const newCap = Math.ceil(positions / CAPACITY_STEP) * CAPACITY_STEP;
    if (newCap > this.maxPositions) {
      // Outgrew the backing buffer: reallocate with room to double, so this stays rare.
      this.reallocate(Math.max(newCap, this.maxPositions * 2), newCap);
    } else if (this.length > 0) {
      // Same backing buffer, wider stride: move heads last-first so nothing is overwritten early.
      const D = this.shape.headSize;
      for (const buf of this.backing) {
        for (let h = this.shape.numKvHeads - 1; h > 0; h--) {
          buf.copyWithin(h * newCap * D, h * this.capacity * D, h * this.capacity * D + this.length * D);
        }
      }
    }
    this.setCapacity(newCap);
  }

  private reallocate(alloc: number, newCap: number): void {
    const { numKvHeads: H, headSize: D, elemType } = this.shape;
    const fresh = Array.from({ length: this.shape.numLayers * 2 }, () =>
      elemType === DT.FLOAT ? new Float32Array(H * alloc * D) : new Uint16Array(H * alloc * D),
    );
    if (this.length > 0) {
      for (let i = 0; i < fresh.length; i++) {
        for (let h = 0; h < H; h++) {
          fresh[i].set(this.backing[i].subarray(h * this.capacity * D, h * this.capacity * D + this.length * D), h * newCap * D);
        }
      }
    }
    this.backing = fresh;
    this.maxPositions = alloc;
    this.setCapacity(newCap);
  }

  private setCapacity(cap: number): void {
    const { numKvHeads: H, headSize: D, elemType } = this.shape;
    this.capacity = cap;
    const type = elemType === DT.FLOAT ? 'float32' : 'float16';
    this.tensors = this.backing.map((b) => new ort.Tensor(type, b.subarray(0, H * cap * D), [1, H, cap, D]));
  }

  /** Zero-copy tensor for layer `layer`, K (`kind` 0) or V (1). */
  tensor(layer: number, kind: 0 | 1): ort.Tensor {
    return this.tensors[layer * 2 + kind];
  }

  /** Writes `count` new positions ([1, H, count, D]) at position `at`. */
  write(layer: number, kind: 0 | 1, data: KvArray, at: number, count: number): void {
    const { numKvHeads: H, headSize: D } = this.shape;
    const buf = this.backing[layer * 2 + kind];
    if (data.length !== H * count * D) throw new Error(`KV slice has ${data.length} values, expected ${H * count * D}`);
    for (let h = 0; h < H; h++) buf.set(data.subarray(h * count * D, (h + 1) * count * D), h * this.capacity * D + at * D);
  }

  /** Bytes held by this slot's buffers. */
  get bytes(): number {
    return this.backing.reduce((n, b) => n + b.byteLength, 0);
  }

  /** Release memory (e.g. after a very long request). */
  release(): void {
    this.backing = [];
    this.tensors = [];
    this.capacity = 0;
    this.maxPositions = 0;
    this.length = 0;
  }
}
