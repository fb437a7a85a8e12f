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

/** A crop drawn from one frame, not yet encoded: the player may still find a frame closer to its time. */
export interface GrabbedCrop {
  canvas: HTMLCanvasElement;
  t: number;
  box: FaceBox;
}

export class FrameGrabber {
  private readonly lumaCanvas = document.createElement('canvas');
  private readonly side = cropOutputSide();

  constructor(private readonly video: HTMLVideoElement) {
    this.lumaCanvas.width = this.lumaCanvas.height = LUMA_SIDE;
  }

  /** Draws the crop of the current frame about `face` (normalised to the frame), `t` ms into the script. */
  grab(face: FaceBox, t: number): GrabbedCrop {
    const { videoWidth: width, videoHeight: height } = this.video;
    const square = cropSquare(face, width, height);
    const canvas = document.createElement('canvas');
    canvas.width = canvas.height = this.side;
    canvas
      .getContext('2d')
      ?.drawImage(this.video, square.x, square.y, square.side, square.side, 0, 0, this.side, this.side);
    return { canvas, t: Math.round(t), box: boxInCrop(face, square, width, height) };
  }

  encode(grabbed: GrabbedCrop, flashIndex: number | null): LivenessCrop {
    return {
      t: grabbed.t,
      flashIndex,
      width: this.side,
      height: this.side,
      box: grabbed.box,
      jpeg: encodeJpeg(grabbed.canvas),
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
}

function encodeJpeg(canvas: HTMLCanvasElement): string {
  let base64 = '';
  for (const quality of JPEG_QUALITIES) {
    base64 = canvas.toDataURL('image/jpeg', quality).slice('data:image/jpeg;base64,'.length);
    if ((base64.length * 3) / 4 <= EVIDENCE_LIMITS.maxCropBytes / 2) break;
  }
  return base64;
}
