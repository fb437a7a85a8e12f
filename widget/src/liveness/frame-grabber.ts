/**
 * Pixels from the raw (unmirrored) video frame, on canvases that never leave this module: the JPEG crops of
 * the evidence and the face's brightness for the guidance. Nothing else of a frame leaves the browser.
 */
import type { FaceBox, LivenessCrop } from '../../../src/protocol/liveness';
import { EVIDENCE_LIMITS } from '../../../src/protocol/liveness-script';
import { boxInCrop, cropOutputSide, cropSquare } from './crop-geometry';
import { meanLuma } from './guidance';

/** Tried in order until a crop fits well under the evidence's per-crop limit (a 224² face is ~10–20 KB). */
const JPEG_QUALITIES = [0.85, 0.7, 0.5, 0.3];
const LUMA_SIDE = 24;

export class FrameGrabber {
  private readonly cropCanvas = document.createElement('canvas');
  private readonly lumaCanvas = document.createElement('canvas');
  private readonly side = cropOutputSide();

  constructor(private readonly video: HTMLVideoElement) {
    this.cropCanvas.width = this.cropCanvas.height = this.side;
    this.lumaCanvas.width = this.lumaCanvas.height = LUMA_SIDE;
  }

  /** The crop of the current frame about `face` (normalised to the frame), taken `t` ms into the script. */
  crop(face: FaceBox, t: number, flashIndex: number | null): LivenessCrop {
    const { videoWidth: width, videoHeight: height } = this.video;
    const square = cropSquare(face, width, height);
    const context = this.cropCanvas.getContext('2d');
    if (!context) throw new Error('no 2d canvas');
    context.drawImage(this.video, square.x, square.y, square.side, square.side, 0, 0, this.side, this.side);
    return {
      t: Math.round(t),
      flashIndex,
      width: this.side,
      height: this.side,
      box: boxInCrop(face, square, width, height),
      jpeg: this.encodeJpeg(),
    };
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

  private encodeJpeg(): string {
    let base64 = '';
    for (const quality of JPEG_QUALITIES) {
      base64 = this.cropCanvas.toDataURL('image/jpeg', quality).slice('data:image/jpeg;base64,'.length);
      if ((base64.length * 3) / 4 <= EVIDENCE_LIMITS.maxCropBytes / 2) break;
    }
    return base64;
  }
}
