/**
 * face-api's face recognition network (a ResNet-34-like net that gives a 128-d descriptor, MIT) as an ONNX
 * model. face-api defines the network in code and ships only its weights map, so this mirrors its
 * `FaceRecognitionNet.forwardInput` layer by layer: each convolution's scale layer (x·w + b per channel) is
 * folded into the convolution's own weights and bias. Input: a [1, 150, 150, 3] NHWC float image of RGB 0–255;
 * output `descriptor`: [1, 128], as face-api returns it (not yet L2-normalised).
 */
import { OnnxGraph } from './onnx-graph';
import type { NamedWeight, WeightsManifestGroup } from './tfjs-weights';
import { decodeTfjsWeights, hwioToOihw } from './tfjs-weights';

export const FACE_RECOGNITION_INPUT = 'image';
export const FACE_RECOGNITION_OUTPUT = 'descriptor';
const SIDE = 150;
/** face-api's mean RGB, subtracted before dividing by 255. */
const MEAN_RGB = [122.782, 117.001, 104.298];

/** Residual stages in face-api's order: a `_down` stage halves the size (and doubles the channels). */
const STAGES = [
  'conv32_1',
  'conv32_2',
  'conv32_3',
  'conv64_down',
  'conv64_1',
  'conv64_2',
  'conv64_3',
  'conv128_down',
  'conv128_1',
  'conv128_2',
  'conv256_down',
  'conv256_1',
  'conv256_2',
  'conv256_down_out',
];

export function faceRecognitionToOnnx(manifestJson: Uint8Array, weights: Uint8Array): Uint8Array {
  const groups = JSON.parse(new TextDecoder().decode(manifestJson)) as WeightsManifestGroup[];
  const weightMap = decodeTfjsWeights(groups, weights);
  const graph = new OnnxGraph();
  const net = new NetBuilder(graph, weightMap);
  const input = graph.input(FACE_RECOGNITION_INPUT, [1, SIDE, SIDE, 3]);
  const nchw = graph.node('Transpose', [input], { perm: [0, 3, 1, 2] });
  const mean = graph.floats('mean_rgb', [1, 3, 1, 1], Float32Array.from(MEAN_RGB));
  const scale = graph.floats('byte_scale', [1], Float32Array.of(255));
  let out = graph.node('Div', [graph.node('Sub', [nchw, mean]), scale]);
  out = net.conv(out, 'conv32_down', { stride: 2, relu: true, same: false });
  out = graph.node('MaxPool', [out], { kernel_shape: [3, 3], strides: [2, 2] });
  // 150 → 72 (7×7, stride 2, valid) → 35 (3×3 max pool, stride 2, valid); each down stage halves it.
  let size = Math.floor((Math.floor((SIDE - 7) / 2) + 1 - 3) / 2) + 1;
  for (const stage of STAGES) {
    if (!stage.includes('_down')) {
      out = net.residual(out, stage);
      continue;
    }
    out = net.residualDown(out, stage, size);
    size = Math.floor(size / 2);
  }
  const pooled = graph.node('Flatten', [graph.node('GlobalAveragePool', [out])]);
  const fc = weightMap.get('fc');
  if (!fc) throw new Error('face recognition weights have no fc');
  const projection = graph.floats('fc', fc.shape, Float32Array.from(fc.data));
  graph.node('MatMul', [pooled, projection], {}, { output: FACE_RECOGNITION_OUTPUT });
  graph.output(FACE_RECOGNITION_OUTPUT);
  return graph.toBytes('face-recognition');
}

class NetBuilder {
  constructor(
    private readonly graph: OnnxGraph,
    private readonly weights: Map<string, NamedWeight>,
  ) {}

  /** face-api's convLayer: convolution, bias, scale layer, optional ReLU; 'same' padding unless `same` is false. */
  conv(x: string, prefix: string, { stride = 1, relu = true, same = true } = {}): string {
    const filters = this.weight(`${prefix}/conv/filters`);
    const bias = this.weight(`${prefix}/conv/bias`).data;
    const scale = this.weight(`${prefix}/scale/weights`).data;
    const shift = this.weight(`${prefix}/scale/biases`).data;
    const [kh, kw, cin, cout] = filters.shape;
    const oihw = hwioToOihw(filters, scale);
    const folded = Float32Array.from({ length: cout }, (_, o) => bias[o] * scale[o] + shift[o]);
    const conv = this.graph.node(
      'Conv',
      [x, this.graph.floats(`${prefix}/weight`, [cout, cin, kh, kw], oihw), this.graph.floats(`${prefix}/bias`, [cout], folded)],
      { kernel_shape: [kh, kw], strides: [stride, stride], auto_pad: same ? 'SAME_UPPER' : 'VALID' },
    );
    return relu ? this.graph.node('Relu', [conv]) : conv;
  }

  residual(x: string, prefix: string): string {
    const inner = this.conv(this.conv(x, `${prefix}/conv1`), `${prefix}/conv2`, { relu: false });
    return this.graph.node('Relu', [this.graph.node('Add', [inner, x])]);
  }

  /**
   * face-api's residualDown: a strided 'valid' convolution path, zero-padded at the bottom and right when it
   * comes out one smaller than the 2×2 average-pooled shortcut (`size`, the input's side, settles which), and
   * the shortcut zero-padded to the doubled channels.
   */
  residualDown(x: string, prefix: string, size: number): string {
    let inner = this.conv(x, `${prefix}/conv1`, { stride: 2, same: false });
    inner = this.conv(inner, `${prefix}/conv2`, { relu: false });
    const kernel = this.weight(`${prefix}/conv1/conv/filters`).shape[0];
    if (Math.floor((size - kernel) / 2) + 1 < Math.floor(size / 2)) {
      inner = this.graph.node('Pad', [inner, this.graph.int64s(`${prefix}/pad`, [0, 0, 0, 0, 0, 0, 1, 1])]);
    }
    let shortcut = this.graph.node('AveragePool', [x], { kernel_shape: [2, 2], strides: [2, 2] });
    const cin = this.weight(`${prefix}/conv1/conv/filters`).shape[2];
    const cout = this.weight(`${prefix}/conv2/conv/filters`).shape[3];
    if (cout !== cin) {
      shortcut = this.graph.node('Pad', [shortcut, this.graph.int64s(`${prefix}/channels`, [0, 0, 0, 0, 0, cout - cin, 0, 0])]);
    }
    return this.graph.node('Relu', [this.graph.node('Add', [shortcut, inner])]);
  }

  private weight(name: string): NamedWeight {
    const found = this.weights.get(name);
    if (!found) throw new Error(`face recognition weights have no ${name}`);
    return found;
  }
}
