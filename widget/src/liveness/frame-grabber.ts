/**
 * Pixels from the raw (unmirrored) video frame, on canvases that never leave this module except as the
 * JPEG frames of an attempt: the square crop about the face, scaled to the frame side, and the face's
 * brightness for the guidance.
 */
import type { FaceBox } from '../../../src/protocol/liveness-plan';
import { FRAME_LIMITS } from '../../../src/protocol/liveness-plan';
import { cropSquare, frameSide } from './crop-geometry';
import { meanLuma } from './guidance';

const LUMA_SIDE = 24;

/**
 * JPEG size control. Under ~4 KB a frame keeps the longest attempt (14 s at 10 frames/s) under the 600 KB
 * budget (measured: 4.5 KB frames filled 92 % of it in 12.4 s); a frame over 4.1 KB lowers the quality of
 * the next ones, a small one raises it again.
 */
export const JPEG_TUNING = {
  targetBytes: 3600,
  highBytes: 4100,
  lowBytes: 2800,
  initialQuality: 0.5,
  minQuality: 0.15,
  maxQuality: 0.85,
  /** The attempt's JPEG bytes are kept this far under FRAME_LIMITS.maxAttemptBytes. */
  reserveBytes: 20_000,
} as const;

export class FrameGrabber {
  private readonly lumaCanvas = document.createElement('canvas');
  private readonly side = frameSide();
  private quality: number = JPEG_TUNING.initialQuality;
  private attemptBytes = 0;

  constructor(private readonly video: HTMLVideoElement) {
    this.lumaCanvas.width = this.lumaCanvas.height = LUMA_SIDE;
  }

  /** A new attempt: its byte budget starts again. */
  resetBudget(): void {
    this.attemptBytes = 0;
  }

  /** Draws the crop of the current video frame about `face` (normalised to the frame). Cheap and synchronous. */
  grab(face: FaceBox): HTMLCanvasElement {
    const { videoWidth: width, videoHeight: height } = this.video;
    const square = cropSquare(face, width, height);
    const canvas = document.createElement('canvas');
    canvas.width = canvas.height = this.side;
    const context = canvas.getContext('2d');
    if (context) {
      context.imageSmoothingQuality = 'medium';
      context.drawImage(this.video, square.x, square.y, square.side, square.side, 0, 0, this.side, this.side);
    }
    return canvas;
  }

  /**
   * A baseline JPEG of the crop (Chromium's encoder writes baseline), within FRAME_LIMITS.maxJpegBytes, or
   * null when the attempt's byte budget has no room left for it.
   */
  async encode(canvas: HTMLCanvasElement): Promise<Uint8Array<ArrayBuffer> | null> {
    let bytes = await jpegOf(canvas, this.quality);
    // Never over the per-frame limit: encode again at the lowest quality (a 192² face is ~2 KB there).
    if (bytes.length > FRAME_LIMITS.maxJpegBytes) bytes = await jpegOf(canvas, JPEG_TUNING.minQuality);
    if (bytes.length > FRAME_LIMITS.maxJpegBytes) return null;
    this.adapt(bytes.length);
    if (this.attemptBytes + bytes.length > FRAME_LIMITS.maxAttemptBytes - JPEG_TUNING.reserveBytes) return null;
    this.attemptBytes += bytes.length;
    return bytes;
  }

  /**
   * Crops and encodes one frame that is never sent, outside any step and budget: the first crop and the first
   * JPEG set up their canvas and encoder, which stalled a busy device by 400–800 ms inside the first step.
   */
  async warmUp(face: FaceBox): Promise<void> {
    await jpegOf(this.grab(face), this.quality);
  }

  /** Mean luma (0–255) of the face's box in the current frame. */
  faceLuma(face: FaceBox): number {
    const { videoWidth: width, videoHeight: height } = this.video;
    const context = this.lumaCanvas.getContext('2d', { willReadFrequently: true });
    if (!context || width === 0) return 0;
    const [x, y] = [face.x * width, face.y * height];
    const [w, h] = [Math.max(1, face.w * width), Math.max(1, face.h * height)];
    context.drawImage(this.video, x, y, w, h, 0, 0, LUMA_SIDE, LUMA_SIDE);
    return meanLuma(context.getImageData(0, 0, LUMA_SIDE, LUMA_SIDE).data);
  }

  private adapt(size: number): void {
    const { highBytes, lowBytes, minQuality, maxQuality, targetBytes } = JPEG_TUNING;
    // Steps in proportion to how far off the size is: a flash or a turn changes it within a few frames.
    if (size > highBytes) this.quality = Math.max(minQuality, this.quality - 0.05 * Math.min(4, size / targetBytes));
    else if (size < lowBytes) this.quality = Math.min(maxQuality, this.quality + 0.03);
  }
}

function jpegOf(canvas: HTMLCanvasElement, quality: number): Promise<Uint8Array<ArrayBuffer>> {
  return new Promise((resolve, reject) => {
    canvas.toBlob(
      (blob) => {
        if (!blob) reject(new Error('JPEG encoding failed'));
        else blob.arrayBuffer().then((buffer) => resolve(new Uint8Array(buffer)), reject);
      },
      'image/jpeg',
      quality,
    );
  });
}
