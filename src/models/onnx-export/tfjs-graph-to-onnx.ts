/**
 * Re-expresses a TensorFlow.js graph model (`model.json` and its weights) as an ONNX model, so onnxruntime's
 * native kernels run it instead of TensorFlow.js's WebAssembly ones (face mesh and iris: ~3× less CPU,
 * bench/face-analysis). Only the operations of MediaPipe's face mesh and iris graphs are known; any other
 * fails the conversion by name. The ONNX graph takes and returns what the TensorFlow.js graph does (NHWC
 * input, outputs named as its output tensors, e.g. `Identity_2:0`) and computes in NCHW inside.
 */
import { OnnxGraph } from './onnx-graph';
import type { NamedWeight, WeightsManifestGroup } from './tfjs-weights';
import { decodeTfjsWeights, hwioToOihw } from './tfjs-weights';

interface TfNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, { s?: string; i?: string; list?: { i?: string[]; s?: string[] } }>;
}

interface TfModelJson {
  modelTopology: { node: TfNode[] };
  weightsManifest: WeightsManifestGroup[];
}

/** A converted activation: its ONNX name, and whether it is NCHW (4-D, converted) or as TensorFlow has it. */
interface Activation {
  name: string;
  nchw: boolean;
}

const TO_NCHW = [0, 3, 1, 2];
const TO_NHWC = [0, 2, 3, 1];
/** NHWC axis → NCHW axis. */
const AXIS_TO_NCHW = [0, 2, 3, 1];

export function tfjsGraphToOnnx(modelJson: Uint8Array, weights: Uint8Array, graphName: string): Uint8Array {
  const json = JSON.parse(new TextDecoder().decode(modelJson)) as TfModelJson;
  return new GraphConverter(json, decodeTfjsWeights(json.weightsManifest, weights)).convert(graphName);
}

class GraphConverter {
  private readonly graph = new OnnxGraph();
  private readonly activations = new Map<string, Activation>();

  constructor(
    private readonly json: TfModelJson,
    private readonly weights: Map<string, NamedWeight>,
  ) {}

  convert(graphName: string): Uint8Array {
    for (const node of this.json.modelTopology.node) {
      if (node.op === 'Const') continue;
      this.activations.set(node.name, this.convertNode(node));
    }
    return this.graph.toBytes(graphName);
  }

  private convertNode(node: TfNode): Activation {
    const inputs = node.input ?? [];
    switch (node.op) {
      case 'Placeholder': {
        const dims = (node.attr?.shape as { shape?: { dim?: Array<{ size: string }> } } | undefined)?.shape?.dim;
        const input = this.graph.input(node.name, dims?.map((dim) => Number(dim.size)) ?? [-1, -1, -1, -1]);
        return { name: this.graph.node('Transpose', [input], { perm: TO_NCHW }), nchw: true };
      }
      case '_FusedConv2D':
        return this.fusedConv(node, inputs);
      case 'DepthwiseConv2dNative':
        return this.depthwiseConv(node, inputs);
      case 'AddV2': {
        const [a, b] = [this.nchw(inputs[0]), this.nchw(inputs[1])];
        return { name: this.graph.node('Add', [a, b]), nchw: true };
      }
      case 'Prelu':
        return this.prelu(this.nchw(inputs[0]), inputs[1]);
      case 'Sigmoid': {
        const x = this.activation(inputs[0]);
        return { name: this.graph.node('Sigmoid', [x.name]), nchw: x.nchw };
      }
      case 'MaxPool':
        return this.maxPool(node, inputs);
      case 'Pad':
        return this.pad(inputs);
      case 'Reshape': {
        const shape = this.graph.int64s(`${node.name}/shape`, Array.from(this.constant(inputs[1]).data));
        return { name: this.graph.node('Reshape', [this.nhwc(inputs[0]), shape]), nchw: false };
      }
      case 'ConcatV2':
        return this.concat(inputs);
      case 'Identity': {
        const output = `${node.name}:0`;
        this.graph.node('Identity', [this.nhwc(inputs[0])], {}, { output });
        this.graph.output(output);
        return { name: output, nchw: false };
      }
      default:
        throw new Error(`${node.name}: TensorFlow.js operation ${node.op} has no ONNX conversion`);
    }
  }

  /** Conv2D + BiasAdd (+ Prelu or Relu): TensorFlow's HWIO filter becomes ONNX's OIHW. */
  private fusedConv(node: TfNode, inputs: string[]): Activation {
    const fused = (node.attr?.fused_ops?.list?.s ?? []).map((op) => Buffer.from(op, 'base64').toString('latin1'));
    if (fused[0] !== 'BiasAdd' || fused.length > 2) throw new Error(`${node.name}: fused ${fused.join('+')}`);
    const filter = this.constant(inputs[1]);
    const [kh, kw, cin, cout] = filter.shape;
    const weight = this.graph.floats(`${node.name}/weight`, [cout, cin, kh, kw], hwioToOihw(filter));
    const bias = this.graph.floats(`${node.name}/bias`, [cout], Float32Array.from(this.constant(inputs[2]).data));
    const conv = this.graph.node('Conv', [this.nchw(inputs[0]), weight, bias], {
      ...windowAttributes(node, 'strides'),
      kernel_shape: [kh, kw],
      dilations: pair(node, 'dilations'),
    });
    if (fused[1] === 'Prelu') return this.prelu(conv, inputs[3]);
    if (fused[1] === 'Relu') return { name: this.graph.node('Relu', [conv]), nchw: true };
    if (fused[1] !== undefined) throw new Error(`${node.name}: fused ${fused[1]}`);
    return { name: conv, nchw: true };
  }

  /** TensorFlow's [h, w, channels, multiplier] filter becomes a grouped convolution's [channels·multiplier, 1, h, w]. */
  private depthwiseConv(node: TfNode, inputs: string[]): Activation {
    const filter = this.constant(inputs[1]);
    const [kh, kw, channels, multiplier] = filter.shape;
    const out = new Float32Array(filter.data.length);
    for (let y = 0; y < kh; y++)
      for (let x = 0; x < kw; x++)
        for (let c = 0; c < channels; c++)
          for (let m = 0; m < multiplier; m++)
            out[((c * multiplier + m) * kh + y) * kw + x] = filter.data[((y * kw + x) * channels + c) * multiplier + m];
    const weight = this.graph.floats(`${node.name}/weight`, [channels * multiplier, 1, kh, kw], out);
    const conv = this.graph.node('Conv', [this.nchw(inputs[0]), weight], {
      ...windowAttributes(node, 'strides'),
      kernel_shape: [kh, kw],
      dilations: pair(node, 'dilations'),
      group: channels,
    });
    return { name: conv, nchw: true };
  }

  /** TensorFlow.js's Prelu: x where x > 0, else alpha·x, with alpha per channel. */
  private prelu(x: string, alphaName: string): Activation {
    const alpha = this.constant(alphaName);
    const slope = this.graph.floats(`${alphaName}/slope`, [alpha.data.length, 1, 1], Float32Array.from(alpha.data));
    return { name: this.graph.node('PRelu', [x, slope]), nchw: true };
  }

  private maxPool(node: TfNode, inputs: string[]): Activation {
    const ksize = (node.attr?.ksize?.list?.i ?? []).map(Number);
    const pool = this.graph.node('MaxPool', [this.nchw(inputs[0])], {
      ...windowAttributes(node, 'strides'),
      kernel_shape: [ksize[1], ksize[2]],
    });
    return { name: pool, nchw: true };
  }

  /** TensorFlow's [[before, after]] per NHWC axis becomes ONNX's [NCHW befores…, NCHW afters…]. */
  private pad(inputs: string[]): Activation {
    const paddings = Array.from(this.constant(inputs[1]).data);
    if (paddings.length !== 8) throw new Error(`${inputs[1]}: padding of rank ${paddings.length / 2}`);
    const before = [0, 3, 1, 2].map((axis) => paddings[axis * 2]);
    const after = [0, 3, 1, 2].map((axis) => paddings[axis * 2 + 1]);
    const pads = this.graph.int64s(`${inputs[1]}/pads`, [...before, ...after]);
    return { name: this.graph.node('Pad', [this.nchw(inputs[0]), pads]), nchw: true };
  }

  private concat(inputs: string[]): Activation {
    const parts = inputs.slice(0, -1).map((name) => this.activation(name));
    const [axisValue] = Array.from(this.constant(inputs[inputs.length - 1]).data);
    if (parts.every((part) => part.nchw)) {
      const axis = AXIS_TO_NCHW[axisValue < 0 ? axisValue + 4 : axisValue];
      return { name: this.graph.node('Concat', parts.map((part) => part.name), { axis }), nchw: true };
    }
    const names = inputs.slice(0, -1).map((name) => this.nhwc(name));
    return { name: this.graph.node('Concat', names, { axis: axisValue }), nchw: false };
  }

  private activation(name: string): Activation {
    const found = this.activations.get(name);
    if (!found) throw new Error(`tensor ${name} is used before it is computed`);
    return found;
  }

  private nchw(name: string): string {
    const found = this.activation(name);
    if (found.nchw) return found.name;
    return this.graph.node('Transpose', [found.name], { perm: TO_NCHW });
  }

  private nhwc(name: string): string {
    const found = this.activation(name);
    if (!found.nchw) return found.name;
    return this.graph.node('Transpose', [found.name], { perm: TO_NHWC });
  }

  private constant(name: string): NamedWeight {
    const weight = this.weights.get(name);
    if (!weight) throw new Error(`constant ${name} is not in the weights`);
    return weight;
  }
}

/** Strides and TensorFlow's SAME (extra padding at the end, as ONNX's SAME_UPPER) or VALID padding. */
function windowAttributes(node: TfNode, key: 'strides'): Record<string, number[] | string> {
  const padding = Buffer.from(node.attr?.padding?.s ?? '', 'base64').toString('latin1');
  if (padding !== 'SAME' && padding !== 'VALID') throw new Error(`${node.name}: padding ${padding || 'unknown'}`);
  return { strides: pair(node, key), auto_pad: padding === 'SAME' ? 'SAME_UPPER' : 'VALID' };
}

/** The spatial pair of an NHWC attribute list such as strides [1, 2, 2, 1]. */
function pair(node: TfNode, key: string): number[] {
  const values = (node.attr?.[key]?.list?.i ?? ['1', '1', '1', '1']).map(Number);
  return [values[1], values[2]];
}
