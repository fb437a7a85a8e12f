/**
 * YuNet (libfacedetection.train, Apache-2.0): the server's fast face detector for liveness v2, with five
 * points per face. The model runs through the shared OnnxAdapter; everything here is the pre- and
 * post-processing of OpenCV's `FaceDetectorYN` (scores √(cls·obj), anchor-free boxes per stride, NMS).
 */
import type { OnnxAdapter } from '../../adapters/onnx.adapter';
import type { RgbImage } from '../rgb-image';
import { cropResize } from '../rgb-image';
import type { FaceDetection } from './face-analyzer';

/** The manifest id of `yunet_s_dynamic.onnx` (input [N,3,H,W] with H and W multiples of 32). */
export const YUNET_MODEL_ID = 'yunet-s-dynamic';

const STRIDES = [8, 16, 32] as const;

export interface YunetOptions {
  /** Lowest √(cls·obj) kept. OpenCV's sample uses 0.9; frames here are small and soft, so a little lower. */
  minScore: number;
  /** Boxes overlapping a higher-scoring one by more than this IoU are dropped (OpenCV's default 0.3). */
  nmsIou: number;
  /**
   * Images are scaled so their longer side is at least this many pixels before detection: YuNet misses faces
   * under ~20 px, and a 128-px frame has faces of ~32 px. 0 disables upscaling.
   */
  minInputSide: number;
  /** Images are scaled down so their longer side is at most this (cost grows with the pixel count). */
  maxInputSide: number;
}

export const DEFAULT_YUNET_OPTIONS: YunetOptions = { minScore: 0.6, nmsIou: 0.3, minInputSide: 160, maxInputSide: 640 };

/** Raw outputs by name, as the OnnxAdapter returns them. */
export type YunetOutputs = Readonly<Record<string, Float32Array>>;

export class YunetDetector {
  constructor(
    private readonly onnx: OnnxAdapter,
    private readonly options: YunetOptions = DEFAULT_YUNET_OPTIONS,
    private readonly modelId: string = YUNET_MODEL_ID,
  ) {}

  /** Loads the model's verified bytes into the adapter's workers, then returns a detector on it. */
  static async load(
    onnx: OnnxAdapter,
    modelBytes: Uint8Array,
    options: YunetOptions = DEFAULT_YUNET_OPTIONS,
    modelId: string = YUNET_MODEL_ID,
  ): Promise<YunetDetector> {
    await onnx.load(modelId, modelBytes);
    return new YunetDetector(onnx, options, modelId);
  }

  /** Every face, best first, in the image's own pixels. */
  async detect(image: RgbImage): Promise<FaceDetection[]> {
    const [faces] = await this.detectAll([image]);
    return faces;
  }

  /**
   * `detect` of each image, in order. Images of one size run as one batch, a worker call for up to
   * DETECT_BATCH frames instead of one each: the same faces, with a fraction of the calls' overhead.
   */
  async detectAll(images: readonly RgbImage[]): Promise<FaceDetection[][]> {
    const found: FaceDetection[][] = [];
    for (const batch of sameSizeRuns(images, DETECT_BATCH)) found.push(...(await this.detectBatch(batch)));
    return found;
  }

  private async detectBatch(images: readonly RgbImage[]): Promise<FaceDetection[][]> {
    const { width: imageWidth, height: imageHeight } = images[0];
    const longer = Math.max(imageWidth, imageHeight);
    let scale = 1;
    if (this.options.minInputSide > 0 && longer < this.options.minInputSide) scale = this.options.minInputSide / longer;
    if (longer > this.options.maxInputSide) scale = this.options.maxInputSide / longer;
    const width = Math.max(1, Math.round(imageWidth * scale));
    const height = Math.max(1, Math.round(imageHeight * scale));
    const input = toInput(images, width, height);
    const outputs = await this.onnx.run(this.modelId, { input: input.feed }, { transferInputs: true });
    // Back to the image's pixels (the padding is at the right and bottom, so no offset).
    const sx = imageWidth / width;
    const sy = imageHeight / height;
    return images.map((_, n) =>
      decodeYunet(batchItem(outputs, n, images.length), input.paddedWidth, input.paddedHeight, this.options).map(
        (face) => ({
          score: face.score,
          box: { x: face.box.x * sx, y: face.box.y * sy, w: face.box.w * sx, h: face.box.h * sy },
          points: face.points.map(([x, y]) => [x * sx, y * sy] as [number, number]),
        }),
      ),
    );
  }
}

/** Frames in one detector call: 16 frames of 192 px are a 7 MB input. */
export const DETECT_BATCH = 16;

/** Consecutive runs of same-sized images, each at most `limit` long. */
function sameSizeRuns(images: readonly RgbImage[], limit: number): RgbImage[][] {
  const runs: RgbImage[][] = [];
  for (const image of images) {
    const run = runs[runs.length - 1];
    const fits = run && run.length < limit && run[0].width === image.width && run[0].height === image.height;
    if (fits) run.push(image);
    else runs.push([image]);
  }
  return runs;
}

/** Image `n`'s part of a batch's outputs: every output is `count` equal blocks, one per image. */
function batchItem(outputs: YunetOutputs, n: number, count: number): YunetOutputs {
  return Object.fromEntries(
    Object.entries(outputs).map(([name, values]) => {
      const size = values.length / count;
      return [name, values.subarray(n * size, (n + 1) * size)];
    }),
  );
}

/** BGR 0–255, NCHW, each image zero-padded at the right and bottom to multiples of 32 (YuNet's own layout). */
function toInput(
  images: readonly RgbImage[],
  width: number,
  height: number,
): { feed: { data: Float32Array; dims: number[] }; paddedWidth: number; paddedHeight: number } {
  const paddedWidth = Math.ceil(width / 32) * 32;
  const paddedHeight = Math.ceil(height / 32) * 32;
  const plane = paddedWidth * paddedHeight;
  const data = new Float32Array(images.length * 3 * plane);
  images.forEach((image, n) => {
    const resized =
      width === image.width && height === image.height
        ? image
        : cropResize(image, { x: 0, y: 0, w: image.width, h: image.height }, width, height);
    const src = resized.data;
    const base = n * 3 * plane;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const s = (y * width + x) * 3;
        const d = base + y * paddedWidth + x;
        data[d] = src[s + 2];
        data[plane + d] = src[s + 1];
        data[2 * plane + d] = src[s];
      }
    }
  });
  return { feed: { data, dims: [images.length, 3, paddedHeight, paddedWidth] }, paddedWidth, paddedHeight };
}

/**
 * Decodes YuNet's twelve outputs for an input of `width` × `height` (multiples of 32), as OpenCV's
 * FaceDetectorYN does: per stride s and cell (r, c), centre ((c + dx)·s, (r + dy)·s), size (e^dw·s, e^dh·s),
 * points ((c + kx)·s, (r + ky)·s); then non-maximum suppression. Pure, for tests.
 */
export function decodeYunet(
  outputs: YunetOutputs,
  width: number,
  height: number,
  options: Pick<YunetOptions, 'minScore' | 'nmsIou'> = DEFAULT_YUNET_OPTIONS,
): FaceDetection[] {
  const candidates: FaceDetection[] = [];
  for (const stride of STRIDES) {
    const cols = width / stride;
    const rows = height / stride;
    const cls = outputs[`cls_${stride}`];
    const obj = outputs[`obj_${stride}`];
    const bbox = outputs[`bbox_${stride}`];
    const kps = outputs[`kps_${stride}`];
    if (!cls || !obj || !bbox || !kps) throw new Error(`YuNet output for stride ${stride} is missing`);
    if (cls.length !== rows * cols)
      throw new Error(`YuNet cls_${stride} has ${cls.length} cells, expected ${rows * cols}`);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const i = r * cols + c;
        const score = Math.sqrt(clamp01(cls[i]) * clamp01(obj[i]));
        if (score < options.minScore) continue;
        const cx = (c + bbox[i * 4]) * stride;
        const cy = (r + bbox[i * 4 + 1]) * stride;
        const w = Math.exp(bbox[i * 4 + 2]) * stride;
        const h = Math.exp(bbox[i * 4 + 3]) * stride;
        const points: Array<[number, number]> = [];
        for (let k = 0; k < 5; k++)
          points.push([(c + kps[i * 10 + 2 * k]) * stride, (r + kps[i * 10 + 2 * k + 1]) * stride]);
        candidates.push({ box: { x: cx - w / 2, y: cy - h / 2, w, h }, score, points });
      }
    }
  }
  candidates.sort((a, b) => b.score - a.score);
  const kept: FaceDetection[] = [];
  for (const face of candidates) {
    if (kept.every((other) => boxIou(face, other) <= options.nmsIou)) kept.push(face);
  }
  return kept;
}

function boxIou(a: FaceDetection, b: FaceDetection): number {
  const w = Math.min(a.box.x + a.box.w, b.box.x + b.box.w) - Math.max(a.box.x, b.box.x);
  const h = Math.min(a.box.y + a.box.h, b.box.y + b.box.h) - Math.max(a.box.y, b.box.y);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  return inter / (a.box.w * a.box.h + b.box.w * b.box.h - inter);
}

function clamp01(value: number): number {
  return value < 0 ? 0 : value > 1 ? 1 : value;
}
