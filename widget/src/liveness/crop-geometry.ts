/**
 * Where a liveness crop is cut from the raw (unmirrored) video frame: the square of CROP_CONTEXT face-box
 * sides about the face's centre, kept inside the frame (docs/liveness.md), and the face box re-expressed in
 * the crop's own normalised coordinates. Pure.
 */
import type { FaceBox } from '../../../src/protocol/liveness';
import { CROP_CONTEXT, EVIDENCE_LIMITS } from '../../../src/protocol/liveness-script';

/** Output side of every crop: docs/liveness.md recommends 224; within EVIDENCE_LIMITS' 96..320. */
export const CROP_SIDE = 224;

/** A square in the frame's pixels. */
export interface CropSquare {
  x: number;
  y: number;
  side: number;
}

/** `face`: normalised to the frame of `frameWidth` × `frameHeight` pixels. */
export function cropSquare(face: FaceBox, frameWidth: number, frameHeight: number): CropSquare {
  const faceSide = Math.max(face.w * frameWidth, face.h * frameHeight);
  // Clamped to the frame: a face that fills much of it gets less context rather than black borders.
  const side = Math.max(1, Math.min(faceSide * CROP_CONTEXT, frameWidth, frameHeight));
  const cx = (face.x + face.w / 2) * frameWidth;
  const cy = (face.y + face.h / 2) * frameHeight;
  return {
    x: clamp(cx - side / 2, 0, frameWidth - side),
    y: clamp(cy - side / 2, 0, frameHeight - side),
    side,
  };
}

/** The face box normalised to the crop cut at `square` (clamped to it, with a non-zero size). */
export function boxInCrop(face: FaceBox, square: CropSquare, frameWidth: number, frameHeight: number): FaceBox {
  const left = clampUnit((face.x * frameWidth - square.x) / square.side);
  const top = clampUnit((face.y * frameHeight - square.y) / square.side);
  const right = clampUnit(((face.x + face.w) * frameWidth - square.x) / square.side);
  const bottom = clampUnit(((face.y + face.h) * frameHeight - square.y) / square.side);
  return roundBox({ x: left, y: top, w: Math.max(right - left, MIN_SIZE), h: Math.max(bottom - top, MIN_SIZE) });
}

/** The output side: CROP_SIDE within the evidence limits. */
export function cropOutputSide(side: number = CROP_SIDE): number {
  return Math.round(clamp(side, EVIDENCE_LIMITS.minCropSide, EVIDENCE_LIMITS.maxCropSide));
}

const MIN_SIZE = 0.001;

/** Four decimals: a tenth of a pixel at 1080p, and a smaller body. */
export function roundBox(box: FaceBox): FaceBox {
  const round = (value: number) => Math.round(value * 1e4) / 1e4;
  const w = Math.max(round(box.w), MIN_SIZE);
  const h = Math.max(round(box.h), MIN_SIZE);
  const fit = (start: number, size: number) => (round(start) + size > 1 ? round(1 - size) : round(start));
  return { x: fit(box.x, w), y: fit(box.y, h), w, h };
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(Math.max(value, min), Math.max(min, max));
}

function clampUnit(value: number): number {
  return clamp(value, 0, 1);
}
