/**
 * Reads a TensorFlow.js weights manifest and its weights file into named arrays: float32, float32 quantized
 * to float16 (the face mesh) or to uint8 with a scale and minimum (face-api), and int32. Anything else is refused, so a model in an unexpected encoding
 * fails at load with its name, never runs on misread numbers.
 */

export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; original_dtype?: string; scale?: number; min?: number };
}

export interface WeightsManifestGroup {
  paths: string[];
  weights: WeightSpec[];
}

export interface NamedWeight {
  shape: number[];
  data: Float32Array | Int32Array;
}

/** Every weight of the manifest by name, decoded from `bytes` (the one weights file) in manifest order. */
export function decodeTfjsWeights(groups: readonly WeightsManifestGroup[], bytes: Uint8Array): Map<string, NamedWeight> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Map<string, NamedWeight>();
  let at = 0;
  for (const spec of groups.flatMap((group) => group.weights)) {
    const count = spec.shape.reduce((a, b) => a * b, 1);
    const encoding = spec.quantization?.dtype ?? spec.dtype;
    const width = encoding === 'float16' ? 2 : encoding === 'uint8' ? 1 : 4;
    if (at + count * width > bytes.length) throw new Error(`weights file ends inside ${spec.name}`);
    out.set(spec.name, { shape: spec.shape, data: readValues(view, at, count, spec) });
    at += count * width;
  }
  if (at !== bytes.length) throw new Error(`weights file has ${bytes.length - at} bytes the manifest does not name`);
  return out;
}

/** Plain loops over typed arrays: the recognition network alone has 5.8 million weights to decode at load. */
function readValues(view: DataView, at: number, count: number, spec: WeightSpec): Float32Array | Int32Array {
  const encoding = spec.quantization?.dtype;
  if (spec.dtype === 'int32' && !encoding) {
    const out = new Int32Array(count);
    for (let k = 0; k < count; k++) out[k] = view.getInt32(at + 4 * k, true);
    return out;
  }
  if (spec.dtype !== 'float32') throw new Error(`${spec.name}: unsupported dtype ${spec.dtype}`);
  const out = new Float32Array(count);
  if (!encoding) {
    for (let k = 0; k < count; k++) out[k] = view.getFloat32(at + 4 * k, true);
  } else if (encoding === 'float16') {
    for (let k = 0; k < count; k++) out[k] = half(view.getUint16(at + 2 * k, true));
  } else if (encoding === 'uint8' && typeof spec.quantization?.scale === 'number' && typeof spec.quantization.min === 'number') {
    const { scale, min } = spec.quantization;
    for (let k = 0; k < count; k++) out[k] = view.getUint8(at + k) * scale + min;
  } else {
    throw new Error(`${spec.name}: unsupported quantization ${encoding}`);
  }
  return out;
}

/** IEEE 754 binary16 to a number. */
function half(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/**
 * A TensorFlow convolution filter [h, w, in, out] as ONNX's [out, in, h, w], each output channel's weights
 * multiplied by `scale[out]` when given (a per-channel scale layer folded into the convolution).
 */
export function hwioToOihw(filter: NamedWeight, scale?: ArrayLike<number>): Float32Array {
  const [kh, kw, cin, cout] = filter.shape;
  const out = new Float32Array(filter.data.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let i = 0; i < cin; i++)
        for (let o = 0; o < cout; o++)
          out[((o * cin + i) * kh + y) * kw + x] = filter.data[((y * kw + x) * cin + i) * cout + o] * (scale ? scale[o] : 1);
  return out;
}
