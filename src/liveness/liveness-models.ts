/**
 * The models the liveness checks run, with their tensor layouts (models/README.md). Everything here is
 * pre- and post-processing; onnxruntime itself is reached only through a `LivenessModelRunner`, which the
 * service builds on the shared OnnxAdapter.
 */
import type { PixelRect, RgbImage } from './rgb-image';
import { cropResize, scaledCrop } from './rgb-image';

export const LIVENESS_MODELS = {
  faceDetector: 'ultraface-rfb-320',
  antiSpoof: [
    { id: 'minifasnet-v2', scale: 2.7 },
    { id: 'minifasnet-v1se', scale: 4.0 },
  ],
  deepfake: 'meso4-df',
} as const;

export interface LivenessModelRunner {
  /** Whether the model is installed (listed in the manifest and verified). */
  has(modelId: string): boolean;
  /** Runs the model's first input on `data` shaped `dims`; outputs by name. */
  run(modelId: string, data: Float32Array, dims: readonly number[]): Promise<Record<string, Float32Array>>;
}

export interface DetectedFace extends PixelRect {
  score: number;
}

const ULTRA_W = 320;
const ULTRA_H = 240;
const ULTRA_MIN_SCORE = 0.7;
const NMS_IOU = 0.3;

export function iou(a: PixelRect, b: PixelRect): number {
  const w = Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  return inter / (a.w * a.h + b.w * b.h - inter);
}

/** UltraFace RFB-320: the image stretched to 320×240, RGB (x − 127) / 128, NCHW; boxes come decoded. */
export async function detectFaces(runner: LivenessModelRunner, image: RgbImage): Promise<DetectedFace[]> {
  const resized = cropResize(image, { x: 0, y: 0, w: image.width, h: image.height }, ULTRA_W, ULTRA_H);
  const plane = ULTRA_W * ULTRA_H;
  const input = new Float32Array(3 * plane);
  for (let p = 0; p < plane; p++) {
    for (let c = 0; c < 3; c++) input[c * plane + p] = (resized.data[p * 3 + c] - 127) / 128;
  }
  const out = await runner.run(LIVENESS_MODELS.faceDetector, input, [1, 3, ULTRA_H, ULTRA_W]);
  const scores = out.scores;
  const boxes = out.boxes;
  const candidates: DetectedFace[] = [];
  for (let i = 0; i < scores.length / 2; i++) {
    const score = scores[i * 2 + 1];
    if (score < ULTRA_MIN_SCORE) continue;
    const [x1, y1, x2, y2] = boxes.subarray(i * 4, i * 4 + 4);
    candidates.push({
      x: x1 * image.width,
      y: y1 * image.height,
      w: (x2 - x1) * image.width,
      h: (y2 - y1) * image.height,
      score,
    });
  }
  candidates.sort((a, b) => b.score - a.score);
  const kept: DetectedFace[] = [];
  for (const face of candidates) if (kept.every((other) => iou(face, other) < NMS_IOU)) kept.push(face);
  return kept;
}

/** The export outputs logits: P(real) is the softmax's index 1. */
const softmaxReal = (logits: Float32Array): number => {
  const top = Math.max(logits[0], logits[1], logits[2]);
  const e = [0, 1, 2].map((i) => Math.exp(logits[i] - top));
  return e[1] / (e[0] + e[1] + e[2]);
};

/** MiniFASNet: Silent-Face's crop at the model's scale, 80×80, BGR raw 0–255, NCHW; P(real) per model. */
export async function antiSpoofScores(
  runner: LivenessModelRunner,
  image: RgbImage,
  face: PixelRect,
): Promise<Record<string, number>> {
  const scores: Record<string, number> = {};
  for (const model of LIVENESS_MODELS.antiSpoof) {
    if (!runner.has(model.id)) continue;
    const patch = cropResize(image, scaledCrop(image, face, model.scale), 80, 80);
    const plane = 80 * 80;
    const input = new Float32Array(3 * plane);
    for (let p = 0; p < plane; p++) {
      input[p] = patch.data[p * 3 + 2];
      input[plane + p] = patch.data[p * 3 + 1];
      input[2 * plane + p] = patch.data[p * 3];
    }
    const out = await runner.run(model.id, input, [1, 3, 80, 80]);
    scores[model.id] = softmaxReal(out.output);
  }
  return scores;
}

/** Meso4: the face with a margin, 256×256, RGB / 255, NHWC; P(real). */
export async function deepfakeScore(runner: LivenessModelRunner, image: RgbImage, face: PixelRect): Promise<number> {
  const patch = cropResize(image, scaledCrop(image, face, 1.3), 256, 256);
  const input = new Float32Array(patch.data.length);
  for (let i = 0; i < input.length; i++) input[i] = patch.data[i] / 255;
  const out = await runner.run(LIVENESS_MODELS.deepfake, input, [1, 256, 256, 3]);
  return out.dense_1[0];
}
