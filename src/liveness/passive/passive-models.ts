/**
 * The passive models on one liveness v2 frame, each fed the input it was trained on (models/README.md for
 * the tensors, docs/liveness-passive.md for the geometry). onnxruntime is reached only through the runner.
 */
import type { LivenessModelRunner } from '../liveness-models';
import type { PixelRect, RgbImage } from '../rgb-image';
import { cropResize, resizeNearestReflect } from '../rgb-image';
import type { ModelCrop } from './passive-geometry';
import { mesoCrop, silentFaceCrop } from './passive-geometry';

/** Silent-Face's models with the context (in face boxes) each was trained on: the number in their file names. */
export const ANTI_SPOOF_MODELS = [
  { id: 'minifasnet-v2', scale: 2.7 },
  { id: 'minifasnet-v1se', scale: 4.0 },
] as const;

export const DEEPFAKE_MODEL = 'meso4-df';

const SILENT_FACE_SIDE = 80;
const MESO_SIDE = 256;

/** What one model said about one frame. */
export interface ModelReading {
  /** P(real), 0..1. */
  pReal: number;
  crop: ModelCrop;
}

/**
 * MiniFASNet: the Silent-Face patch resized bilinearly to 80×80 (cv2.resize), BGR, raw 0–255 floats (their
 * ToTensor skips the division by 255), NCHW; the three logits' softmax, index 1 = real.
 */
export async function readAntiSpoof(
  runner: LivenessModelRunner,
  modelId: string,
  scale: number,
  image: RgbImage,
  face: PixelRect,
): Promise<ModelReading> {
  const crop = silentFaceCrop(image.width, image.height, face, scale);
  const patch = cropResize(image, crop.rect, SILENT_FACE_SIDE, SILENT_FACE_SIDE);
  const plane = SILENT_FACE_SIDE * SILENT_FACE_SIDE;
  const input = new Float32Array(3 * plane);
  for (let p = 0; p < plane; p++) {
    input[p] = patch.data[p * 3 + 2];
    input[plane + p] = patch.data[p * 3 + 1];
    input[2 * plane + p] = patch.data[p * 3];
  }
  const out = await runner.run(modelId, input, [1, 3, SILENT_FACE_SIDE, SILENT_FACE_SIDE]);
  return { pReal: softmaxAt(out.output, 1), crop };
}

/**
 * Meso4: MesoNet's aligned face, resized to 256×256 by nearest neighbour (Keras' `flow_from_directory`
 * default, which MesoNet trained and tested with; bilinear blur reads as "fake" to it), RGB / 255, NHWC.
 */
export async function readDeepfake(
  runner: LivenessModelRunner,
  image: RgbImage,
  face: PixelRect,
): Promise<ModelReading> {
  const crop = mesoCrop(image.width, image.height, face);
  const patch = resizeNearestReflect(image, crop.rect, MESO_SIDE, MESO_SIDE);
  const input = new Float32Array(patch.data.length);
  for (let i = 0; i < input.length; i++) input[i] = patch.data[i] / 255;
  const out = await runner.run(DEEPFAKE_MODEL, input, [1, MESO_SIDE, MESO_SIDE, 3]);
  return { pReal: out.dense_1[0], crop };
}

/** Every installed passive model on one frame, concurrently (the runner spreads them over its workers). */
export async function readFrame(
  runner: LivenessModelRunner,
  image: RgbImage,
  face: PixelRect,
): Promise<Record<string, ModelReading>> {
  const jobs: Promise<[string, ModelReading]>[] = [];
  for (const model of ANTI_SPOOF_MODELS) {
    if (runner.has(model.id)) {
      jobs.push(readAntiSpoof(runner, model.id, model.scale, image, face).then((r) => [model.id, r]));
    }
  }
  if (runner.has(DEEPFAKE_MODEL)) jobs.push(readDeepfake(runner, image, face).then((r) => [DEEPFAKE_MODEL, r]));
  return Object.fromEntries(await Promise.all(jobs));
}

function softmaxAt(logits: Float32Array, index: number): number {
  const top = Math.max(...logits);
  let sum = 0;
  for (const value of logits) sum += Math.exp(value - top);
  return Math.exp(logits[index] - top) / sum;
}
