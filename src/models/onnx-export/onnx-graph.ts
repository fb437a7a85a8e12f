/**
 * A small ONNX graph builder that writes the model's protobuf bytes itself (ONNX IR 8, opset 13): enough to
 * re-express the face-analysis networks, which ship as TensorFlow.js weights, for onnxruntime. Pure: no I/O,
 * no onnxruntime; only the field numbers of onnx.proto that these graphs need.
 */

export type AttributeValue = number | number[] | string;

export interface NodeOptions {
  /** The output's name when the graph's users need a fixed one (its outputs); otherwise a fresh one. */
  output?: string;
}

const OPSET = 13;
const IR_VERSION = 8;
const ELEMENT_FLOAT = 1;
const ELEMENT_INT64 = 7;
const ATTRIBUTE_INT = 2;
const ATTRIBUTE_STRING = 3;
const ATTRIBUTE_INTS = 7;

export class OnnxGraph {
  private readonly nodes: Uint8Array[] = [];
  private readonly initializers: Uint8Array[] = [];
  private readonly inputs: Uint8Array[] = [];
  private readonly outputs: Uint8Array[] = [];
  private readonly names = new Set<string>();
  private counter = 0;

  /** A fresh tensor name built from `hint`. */
  name(hint: string): string {
    let name = hint;
    while (this.names.has(name)) name = `${hint}:${++this.counter}`;
    this.names.add(name);
    return name;
  }

  /** A float input of the given dimensions (-1: any size, named by the input). */
  input(name: string, dims: readonly number[]): string {
    this.names.add(name);
    this.inputs.push(valueInfo(name, dims));
    return name;
  }

  output(name: string): void {
    this.outputs.push(valueInfo(name, null));
  }

  /** A constant float tensor; returns its name. */
  floats(hint: string, dims: readonly number[], values: Float32Array): string {
    if (values.length !== dims.reduce((a, b) => a * b, 1)) {
      throw new Error(`${hint}: ${values.length} values for dimensions [${dims.join(', ')}]`);
    }
    const name = this.name(hint);
    const raw = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    this.initializers.push(tensor(name, dims, ELEMENT_FLOAT, raw));
    return name;
  }

  /** A constant int64 vector (shapes, pads, axes); returns its name. */
  int64s(hint: string, values: readonly number[]): string {
    const name = this.name(hint);
    const data = BigInt64Array.from(values.map((value) => BigInt(value)));
    this.initializers.push(tensor(name, [values.length], ELEMENT_INT64, new Uint8Array(data.buffer)));
    return name;
  }

  /** Adds a node of the default domain; returns its (one) output's name. */
  node(
    op: string,
    inputs: readonly string[],
    attributes: Record<string, AttributeValue> = {},
    options: NodeOptions = {},
  ): string {
    const output = options.output ?? this.name(`${op.toLowerCase()}_${this.nodes.length}`);
    this.names.add(output);
    const fields: Uint8Array[] = [];
    for (const input of inputs) fields.push(bytesField(1, text(input)));
    fields.push(bytesField(2, text(output)), bytesField(4, text(op)));
    for (const [key, value] of Object.entries(attributes)) {
      fields.push(bytesField(5, attribute(key, value)));
    }
    this.nodes.push(concat(fields));
    return output;
  }

  /** The serialised ModelProto. */
  toBytes(graphName: string): Uint8Array {
    const graph = concat([
      ...this.nodes.map((node) => bytesField(1, node)),
      bytesField(2, text(graphName)),
      ...this.initializers.map((initializer) => bytesField(5, initializer)),
      ...this.inputs.map((input) => bytesField(11, input)),
      ...this.outputs.map((output) => bytesField(12, output)),
    ]);
    const opset = concat([bytesField(1, text('')), varintField(2, OPSET)]);
    return concat([
      varintField(1, IR_VERSION),
      bytesField(2, text('peerproof')),
      bytesField(7, graph),
      bytesField(8, opset),
    ]);
  }
}

function attribute(name: string, value: AttributeValue): Uint8Array {
  const fields = [bytesField(1, text(name))];
  if (typeof value === 'string') fields.push(bytesField(4, text(value)), varintField(20, ATTRIBUTE_STRING));
  else if (Array.isArray(value)) fields.push(...value.map((v) => varintField(8, v)), varintField(20, ATTRIBUTE_INTS));
  else fields.push(varintField(3, value), varintField(20, ATTRIBUTE_INT));
  return concat(fields);
}

function tensor(name: string, dims: readonly number[], elementType: number, raw: Uint8Array): Uint8Array {
  return concat([
    ...dims.map((dim) => varintField(1, dim)),
    varintField(2, elementType),
    bytesField(8, text(name)),
    bytesField(9, raw),
  ]);
}

/** A float tensor's name, element type and, when known, its dimensions (-1 marks a dynamic one). */
function valueInfo(name: string, dims: readonly number[] | null): Uint8Array {
  const shape = dims
    ? bytesField(
        2,
        concat(dims.map((dim) => bytesField(1, dim < 0 ? bytesField(2, text(`${name}_${dim}`)) : varintField(1, dim)))),
      )
    : new Uint8Array(0);
  const tensorType = concat([varintField(1, ELEMENT_FLOAT), shape]);
  return concat([bytesField(1, text(name)), bytesField(2, bytesField(1, tensorType))]);
}

function text(value: string): Uint8Array {
  return new TextEncoder().encode(value);
}

function varint(value: number): number[] {
  if (!Number.isInteger(value)) throw new Error(`not an integer: ${value}`);
  // Negative values are written as 64-bit two's complement, as protobuf does for int64.
  let big = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  do {
    let byte = Number(big & 0x7fn);
    big >>= 7n;
    if (big > 0n) byte |= 0x80;
    out.push(byte);
  } while (big > 0n);
  return out;
}

function varintField(field: number, value: number): Uint8Array {
  return Uint8Array.from([...varint(field << 3), ...varint(value)]);
}

function bytesField(field: number, value: Uint8Array): Uint8Array {
  return concat([Uint8Array.from([...varint((field << 3) | 2), ...varint(value.length)]), value]);
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((total, part) => total + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
