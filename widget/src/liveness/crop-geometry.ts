/**
 * Where a liveness frame is cut from the raw (unmirrored) video frame: the square of FRAME_LIMITS.context
 * face-box sides about the face's centre, kept inside the frame (docs/liveness.md, "A frame"). Pure.
 */
import type { FaceBox } from '../../../src/protocol/liveness-plan';
import { FRAME_LIMITS } from '../../../src/protocol/liveness-plan';

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
  const side = Math.max(1, Math.min(faceSide * FRAME_LIMITS.context, frameWidth, frameHeight));
  const cx = (face.x + face.w / 2) * frameWidth;
  const cy = (face.y + face.h / 2) * frameHeight;
  return {
    x: clamp(cx - side / 2, 0, frameWidth - side),
    y: clamp(cy - side / 2, 0, frameHeight - side),
    side,
  };
}

/** The output side of every frame: FRAME_LIMITS.side within its accepted range. */
export function frameSide(side: number = FRAME_LIMITS.side): number {
  return Math.round(clamp(side, FRAME_LIMITS.minSide, FRAME_LIMITS.maxSide));
}

const MIN_SIZE = 0.001;

/** Four decimals: a tenth of a pixel at 1080p. */
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
