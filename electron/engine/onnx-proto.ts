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
