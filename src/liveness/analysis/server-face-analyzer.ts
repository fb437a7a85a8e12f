/**
 * The server's own face analysis (liveness v2, docs/liveness-analysis.md): YuNet finds faces and their five
 * points on every frame; MediaPipe's face mesh (468 points) measures pose and expression on the frames that
 * decide something; face-api's recognition network gives the identity descriptor on a few frames. All run on
 * onnxruntime: the mesh, iris and recognition networks ship as TensorFlow.js weights and are re-expressed as
 * ONNX graphs from their verified bytes at load (src/models/onnx-export), which cost 3–9× less CPU than
 * TensorFlow.js's WebAssembly backend on the same frames (bench/face-analysis).
 */
import type { OnnxAdapter } from '../../adapters/onnx.adapter';
import type { ModelRegistryService } from '../../models/model-registry.service';
import {
  FACE_RECOGNITION_INPUT,
  FACE_RECOGNITION_OUTPUT,
  faceRecognitionToOnnx,
} from '../../models/onnx-export/face-recognition-to-onnx';
import { tfjsGraphToOnnx } from '../../models/onnx-export/tfjs-graph-to-onnx';
import type { RgbImage } from '../rgb-image';
import { cropResize } from '../rgb-image';
import { EYE_CORNERS, IRIS_POINTS, IRIS_SIDE, eyeCrop, irisEyeOpenness } from './eye-measures';
import type { FaceAnalyzer, FaceDetection, FaceMeasures, MeasureOptions } from './face-analyzer';
import { MESH_CONTEXT, MESH_MIN_CONFIDENCE, MESH_SIDE, measuresFromMesh, meshCrop } from './mesh-measures';
import { YUNET_MODEL_ID, YunetDetector } from './yunet-detector';

/** Manifest ids of the TensorFlow.js models: each graph or weights manifest, and its weights file. */
export const FACE_ANALYSIS_MODELS = {
  mesh: 'facemesh-468',
  meshWeights: 'facemesh-468-weights',
  iris: 'iris-76',
  irisWeights: 'iris-76-weights',
  recognition: 'face-api-recognition',
  recognitionWeights: 'face-api-recognition-weights',
} as const;

/** The TensorFlow.js graphs' input and output tensor names, which their ONNX graphs keep. */
const GRAPH_INPUT = 'input_1';
const MESH_OUTPUTS = ['Identity_2:0', 'Identity_1:0'] as const;
const IRIS_OUTPUT = 'Identity:0';

/** face-api's recognition network sees a 150-px square about the face. */
const DESCRIPTOR_SIDE = 150;
/**
 * The square cut for the descriptor, in YuNet box widths about the box centre. face-api was trained on its
 * own detector's boxes, which are about YuNet's width and square; 1.1 measured best on the real data
 * (docs/liveness-analysis.md).
 */
export const DESCRIPTOR_CONTEXT = 1.1;

/**
 * Two descriptors of one person lie closer than this (Euclidean, L2-normalised). face-api's own 0.6 is for
 * large faces; on 192-px widget frames of the 8 real people, same-person pairs read median 0.14 (max 0.40,
 * turned or smiling against frontal) and different people median 0.52, min 0.33 (docs/liveness-analysis.md).
 */
export const SAME_PERSON_BELOW = 0.33;

export class ServerFaceAnalyzer implements FaceAnalyzer {
  constructor(
    private readonly detector: YunetDetector,
    private readonly onnx: OnnxAdapter,
  ) {}

  /** Loads every model the analysis needs from the verified registry into the shared adapter. */
  static fromRegistry(registry: ModelRegistryService, onnx: OnnxAdapter): Promise<ServerFaceAnalyzer> {
    return ServerFaceAnalyzer.fromBytes((id) => registry.get(id).file.bytes, onnx);
  }

  /**
   * The same from verified bytes by manifest id, wherever they were checked: the service's registry, or a
   * verifier peer's copies fetched through the swarm (its liveness reviews run this very analysis).
   */
  static async fromBytes(bytes: (modelId: string) => Uint8Array, onnx: OnnxAdapter): Promise<ServerFaceAnalyzer> {
    const { mesh, meshWeights, iris, irisWeights, recognition, recognitionWeights } = FACE_ANALYSIS_MODELS;
    const detector = YunetDetector.load(onnx, bytes(YUNET_MODEL_ID));
    const loads: Array<Promise<unknown>> = [detector];
    const conversions: Array<[string, () => Uint8Array]> = [
      [mesh, () => tfjsGraphToOnnx(bytes(mesh), bytes(meshWeights), mesh)],
      [iris, () => tfjsGraphToOnnx(bytes(iris), bytes(irisWeights), iris)],
      [recognition, () => faceRecognitionToOnnx(bytes(recognition), bytes(recognitionWeights))],
    ];
    // Each conversion takes ~0.1–0.3 s of this thread: the service's other requests get the event loop between.
    for (const [modelId, convert] of conversions) {
      await new Promise((resolve) => setImmediate(resolve));
      loads.push(onnx.load(modelId, convert()));
    }
    await Promise.all(loads);
    return new ServerFaceAnalyzer(await detector, onnx);
  }

  detect(image: RgbImage): Promise<FaceDetection[]> {
    return this.detector.detect(image);
  }

  detectAll(images: readonly RgbImage[]): Promise<FaceDetection[][]> {
    return this.detector.detectAll(images);
  }

  async measure(image: RgbImage, face: FaceDetection, options: MeasureOptions = {}): Promise<FaceMeasures | null> {
    const mesh = await this.mesh(image, face);
    if (!mesh) return null;
    if (options.eyes === false) return measuresFromMesh(mesh);
    // The mesh's own lids under-read closed eyes; the iris model's replace them (eye-measures.ts).
    return { ...measuresFromMesh(mesh), eyeOpenness: await this.eyeOpenness(image, mesh) };
  }

  /**
   * Eye openness from the iris model, mean of both eyes: each eye cut from the frame about the mesh's eye
   * corners, the person's left eye mirrored as MediaPipe's iris graph feeds it (one model for both eyes).
   */
  async eyeOpenness(image: RgbImage, mesh: Float32Array): Promise<number> {
    const per = IRIS_SIDE * IRIS_SIDE * 3;
    const data = new Float32Array(per * 2);
    const right = cropResize(image, eyeCrop(mesh, EYE_CORNERS.right), IRIS_SIDE, IRIS_SIDE).data;
    const left = cropResize(image, eyeCrop(mesh, EYE_CORNERS.left), IRIS_SIDE, IRIS_SIDE).data;
    for (let i = 0; i < per; i++) data[i] = right[i] / 255;
    for (let y = 0; y < IRIS_SIDE; y++) {
      for (let x = 0; x < IRIS_SIDE; x++) {
        const to = per + (y * IRIS_SIDE + x) * 3;
        const from = (y * IRIS_SIDE + (IRIS_SIDE - 1 - x)) * 3;
        for (let k = 0; k < 3; k++) data[to + k] = left[from + k] / 255;
      }
    }
    const out = await this.onnx.run(
      FACE_ANALYSIS_MODELS.iris,
      { [GRAPH_INPUT]: { data, dims: [2, IRIS_SIDE, IRIS_SIDE, 3] } },
      { transferInputs: true },
    );
    const points = out[IRIS_OUTPUT];
    return (irisEyeOpenness(points, 0) + irisEyeOpenness(points, IRIS_POINTS * 3)) / 2;
  }

  /**
   * The 468 mesh points of `face` in the image's pixels (x, y, and z in the same scale), or null when the
   * mesh's own face confidence is too low.
   */
  async mesh(image: RgbImage, face: FaceDetection): Promise<Float32Array | null> {
    const rect = meshCrop(face, MESH_CONTEXT);
    const crop = cropResize(image, rect, MESH_SIDE, MESH_SIDE);
    const data = new Float32Array(crop.data.length);
    for (let i = 0; i < data.length; i++) data[i] = crop.data[i] / 255;
    const out = await this.onnx.run(
      FACE_ANALYSIS_MODELS.mesh,
      { [GRAPH_INPUT]: { data, dims: [1, MESH_SIDE, MESH_SIDE, 3] } },
      { transferInputs: true },
    );
    if (out[MESH_OUTPUTS[1]][0] < MESH_MIN_CONFIDENCE) return null;
    const raw = out[MESH_OUTPUTS[0]];
    const scale = rect.w / MESH_SIDE;
    const points = new Float32Array(raw.length);
    for (let i = 0; i < raw.length; i += 3) {
      points[i] = rect.x + raw[i] * scale;
      points[i + 1] = rect.y + raw[i + 1] * scale;
      points[i + 2] = raw[i + 2] * scale;
    }
    return points;
  }

  async describe(image: RgbImage, face: FaceDetection): Promise<Float32Array | null> {
    const side = Math.max(face.box.w, face.box.h * 0.8) * DESCRIPTOR_CONTEXT;
    const cx = face.box.x + face.box.w / 2;
    const cy = face.box.y + face.box.h / 2;
    const crop = cropResize(
      image,
      { x: cx - side / 2, y: cy - side / 2, w: side, h: side },
      DESCRIPTOR_SIDE,
      DESCRIPTOR_SIDE,
    );
    const out = await this.onnx.run(
      FACE_ANALYSIS_MODELS.recognition,
      {
        [FACE_RECOGNITION_INPUT]: {
          data: Float32Array.from(crop.data),
          dims: [1, DESCRIPTOR_SIDE, DESCRIPTOR_SIDE, 3],
        },
      },
      { transferInputs: true },
    );
    const descriptor = out[FACE_RECOGNITION_OUTPUT];
    let norm = 0;
    for (const value of descriptor) norm += value * value;
    norm = Math.sqrt(norm);
    if (!(norm > 0)) return null;
    return descriptor.map((value) => value / norm);
  }
}

/** Euclidean distance of two L2-normalised descriptors (0 same, 2 opposite). */
export function descriptorDistance(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] - b[i]) ** 2;
  return Math.sqrt(sum);
}
