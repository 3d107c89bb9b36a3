/**
 * Small typed helpers over the `onnx-proto` protobuf classes: enough to build graphs (tiny demo
 * model, bench graphs) and to append nodes to a loaded model (KV rewrite).
 */
import * as onnxModule from 'onnx-proto';

type OnnxNamespace = typeof onnxModule.onnx;
// onnx-proto is CommonJS (`module.exports = { onnx }`); under ESM the namespace sits on `default`.
export const onnx: OnnxNamespace =
  (onnxModule as unknown as { default?: { onnx: OnnxNamespace } }).default?.onnx ?? onnxModule.onnx;

export type NodeProto = onnxModule.onnx.INodeProto;
export type TensorProto = onnxModule.onnx.ITensorProto;
export type ValueInfoProto = onnxModule.onnx.IValueInfoProto;
export type GraphProto = onnxModule.onnx.IGraphProto;
export type ModelProto = onnxModule.onnx.IModelProto;

export const DT = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  INT32: 6,
  INT64: 7,
  BOOL: 9,
  FLOAT16: 10,
} as const;

export type Dim = number | string;

export function valueInfo(name: string, elemType: number, dims: Dim[]): ValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) },
      },
    },
  };
}

type AttrValue = number | number[] | string | { float: number } | { graph: GraphProto } | TensorProto;

function attribute(name: string, v: AttrValue): onnxModule.onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof v === 'number') return { name, type: T.INT, i: v };
  if (typeof v === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: T.INTS, ints: v };
  if ('float' in v) return { name, type: T.FLOAT, f: v.float };
  if ('graph' in v) return { name, type: T.GRAPH, g: v.graph };
  return { name, type: T.TENSOR, t: v };
}

/** A node; integer attributes are INT, `{ float: x }` is FLOAT, `{ graph }` is GRAPH (If branches), arrays are INTS. */
export function node(
  opType: string,
  inputs: string[],
  outputs: string[],
  attrs: Record<string, AttrValue> = {},
  domain = '',
): NodeProto {
  return {
    opType,
    input: inputs,
    output: outputs,
    name: `${opType}_${outputs[0]}`,
    domain,
    attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
  };
}

function bytesOf(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

export function floatTensor(name: string, dims: number[], values: Float32Array): TensorProto {
  return { name, dataType: DT.FLOAT, dims, rawData: bytesOf(values) };
}

export function uint8Tensor(name: string, dims: number[], values: Uint8Array): TensorProto {
  return { name, dataType: DT.UINT8, dims, rawData: values };
}

export function int64Tensor(name: string, dims: number[], values: number[]): TensorProto {
  return { name, dataType: DT.INT64, dims, rawData: bytesOf(BigInt64Array.from(values.map(BigInt))) };
}

export function encodeModel(model: ModelProto): Uint8Array {
  return onnx.ModelProto.encode(model).finish();
}

export function decodeModel(bytes: Uint8Array): onnxModule.onnx.ModelProto {
  return onnx.ModelProto.decode(bytes);
}

/** Static dims of a value info, with symbolic dims as their names (or '?'). */
export function dimsOf(vi: ValueInfoProto): Dim[] {
  const dims = vi.type?.tensorType?.shape?.dim ?? [];
  return dims.map((d) => (d.dimParam ? d.dimParam : d.dimValue != null ? Number(d.dimValue) : '?'));
}

export function elemTypeOf(vi: ValueInfoProto): number {
  return vi.type?.tensorType?.elemType ?? 0;
}

/** A protobuf field as it sits in the bytes: its number and the whole encoded entry (tag included). */
interface WireField {
  field: number;
  /** Bytes of the entry: tag, length and payload. */
  raw: Uint8Array;
  /** Payload of a length-delimited field (wire type 2). */
  payload?: Uint8Array;
}

function readVarint(buf: Uint8Array, pos: number): [number, number] {
  let value = 0;
  let scale = 1;
  for (;;) {
    if (pos >= buf.length) throw new Error('truncated protobuf varint');
    const b = buf[pos++];
    value += (b & 0x7f) * scale;
    if (b < 0x80) return [value, pos];
    scale *= 128;
  }
}

function writeVarint(value: number): Uint8Array {
  const out: number[] = [];
  while (value >= 0x80) {
    out.push((value % 128) | 0x80);
    value = Math.floor(value / 128);
  }
  out.push(value);
  return Uint8Array.from(out);
}

function wireFields(buf: Uint8Array): WireField[] {
  const fields: WireField[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const start = pos;
    const [tag, afterTag] = readVarint(buf, pos);
    const wire = tag % 8;
    let payload: Uint8Array | undefined;
    pos = afterTag;
    if (wire === 0) pos = readVarint(buf, pos)[1];
    else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else if (wire === 2) {
      const [len, at] = readVarint(buf, pos);
      payload = buf.subarray(at, at + len);
      pos = at + len;
    } else throw new Error(`unsupported protobuf wire type ${wire}`);
    if (pos > buf.length) throw new Error('truncated protobuf field');
    fields.push({ field: Math.floor(tag / 8), raw: buf.subarray(start, pos), payload });
  }
  return fields;
}

function lengthDelimited(field: number, payload: Uint8Array): Uint8Array[] {
  return [writeVarint(field * 8 + 2), writeVarint(payload.byteLength), payload];
}

function concatBytes(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

/**
 * Edits a model's graph in place at the wire level: every other byte is kept as it is (so fields
 * this protobuf schema does not know survive). `editNode` returns a replacement for a node it
 * changes (only those are re-encoded) or undefined; `dropOutput` removes graph outputs by name.
 */
export function editGraphWire(modelBytes: Uint8Array, edit: { editNode: (n: NodeProto) => NodeProto | undefined; dropOutput: (name: string) => boolean }): Uint8Array {
  const GRAPH = 7;
  const NODE = 1;
  const OUTPUT = 12;
  const parts: Uint8Array[] = [];
  for (const top of wireFields(modelBytes)) {
    if (top.field !== GRAPH || !top.payload) {
      parts.push(top.raw);
      continue;
    }
    const graphParts: Uint8Array[] = [];
    for (const f of wireFields(top.payload)) {
      if (f.field === NODE && f.payload) {
        const changed = edit.editNode(onnx.NodeProto.decode(f.payload));
        graphParts.push(...(changed ? lengthDelimited(NODE, onnx.NodeProto.encode(changed).finish()) : [f.raw]));
      } else if (f.field === OUTPUT && f.payload && edit.dropOutput(onnx.ValueInfoProto.decode(f.payload).name ?? '')) {
        continue;
      } else {
        graphParts.push(f.raw);
      }
    }
    parts.push(...lengthDelimited(GRAPH, concatBytes(graphParts)));
  }
  return concatBytes(parts);
}
