/**
 * Where each passive model's input is cut from a liveness v2 frame, given the server's UltraFace box in that
 * frame: the geometry each model was trained on (docs/liveness-passive.md, "Geometry"). Pure.
 */
import type { PixelRect } from '../rgb-image';

/** A crop for one model and how it differs from the ideal one. */
export interface ModelCrop {
  /** Integer pixels inside the frame (Silent-Face) or a square that may reach outside it (Meso4). */
  rect: PixelRect;
  /** The context actually used, in face-box sizes. */
  scale: number;
  /** The frame was too small for the model's context, so the scale was reduced (as in training). */
  clamped: boolean;
  /** The crop was moved to stay inside the frame (as in training), so the face is off its centre. */
  shifted: boolean;
}

/**
 * Silent-Face-Anti-Spoofing's patch (`CropImage._get_new_box`): the box scaled by `scale` about its centre,
 * width and height apart (not squared; the patch is then stretched to 80×80). The scale is first reduced so
 * that the patch fits the frame, then the patch is shifted, never padded, to lie inside it, and its corners
 * truncated to whole pixels.
 */
export function silentFaceCrop(frameWidth: number, frameHeight: number, box: PixelRect, scale: number): ModelCrop {
  const applied = Math.min(scale, (frameHeight - 1) / box.h, (frameWidth - 1) / box.w);
  const [left, right, shiftedX] = shiftInside(box.x + box.w / 2, box.w * applied, frameWidth);
  const [top, bottom, shiftedY] = shiftInside(box.y + box.h / 2, box.h * applied, frameHeight);
  const x = Math.trunc(left);
  const y = Math.trunc(top);
  return {
    rect: { x, y, w: Math.trunc(right) - x, h: Math.trunc(bottom) - y },
    scale: applied,
    clamped: applied < scale,
    shifted: shiftedX || shiftedY,
  };
}

/** [start, end, moved] of a span of `size` centred at `centre`, moved to lie within 0..limit. */
function shiftInside(centre: number, size: number, limit: number): [number, number, boolean] {
  let start = centre - size / 2;
  let end = centre + size / 2;
  if (start < 0) [start, end] = [0, end - start];
  if (end > limit) [start, end] = [start - (end - limit), limit];
  return [start, end, start !== centre - size / 2];
}

/**
 * MesoNet's aligned face measured in UltraFace boxes: on MesoNet's own test crops (its training geometry:
 * a square of 2.2 × 1.3 × max(eye distance, eye–mouth distance) about the nose) UltraFace's box is
 * 0.86–1.06 (mean 0.95) of the crop's side high, and its centre 0.054 box heights above the crop's centre
 * (4 crops; the horizontal offset, mean +0.025 sides, varied with the pose and is left out).
 */
export const MESO_GEOMETRY = { sideInBoxHeights: 1.06, centreBelowBoxCentre: 0.054 } as const;

/**
 * Meso4's face: a square of `sideInBoxHeights` box heights about a point a little below the box centre,
 * whole pixels. MesoNet mirrors what lies outside the frame (`np.pad(..., 'reflect')`), so the square is
 * neither shifted nor reduced; `shifted` says that it reaches outside.
 */
export function mesoCrop(frameWidth: number, frameHeight: number, box: PixelRect): ModelCrop {
  const side = Math.max(1, Math.round(box.h * MESO_GEOMETRY.sideInBoxHeights));
  const cx = box.x + box.w / 2;
  const cy = box.y + box.h / 2 + box.h * MESO_GEOMETRY.centreBelowBoxCentre;
  const x = Math.floor(cx - side / 2);
  const y = Math.floor(cy - side / 2);
  const outside = x < 0 || y < 0 || x + side > frameWidth || y + side > frameHeight;
  return { rect: { x, y, w: side, h: side }, scale: MESO_GEOMETRY.sideInBoxHeights, clamped: false, shifted: outside };
}
