/**
 * Attack (i): a still photo animated with expressions by 2D warping, the stand-in for face reenactment.
 * Each expression is an inverse map (where a destination pixel takes its colour from) plus, for the blink
 * and the open mouth, pixels painted over the warp (a lash line, the dark inside of the mouth), applied to
 * the source image before the frame crop.
 */
import type { PixelRect, RgbImage } from '../../rgb-image';
import type { FaceLandmarks } from './faces';
import { landmarks } from './faces';
import type { InverseMap } from './raster';
import { warpRegion } from './raster';

/** How far each expression has gone, 0 (neutral) to 1 (full). */
export interface ExpressionState {
  blink: number;
  smile: number;
  mouth: number;
}

export const NEUTRAL: ExpressionState = { blink: 0, smile: 0, mouth: 0 };

const gauss = (d2: number, r: number) => Math.exp(-d2 / (2 * r * r));

/**
 * The warp of `state`. Blink: inside each eye opening the upper lid slides down, so the eye takes the lid
 * skin above it. Smile: the lip corners move out and up, dragging the cheeks. Open mouth: everything below
 * the lip line (chin, lower lip) moves down, fading towards the sides of the face.
 */
export function expressionMap(face: PixelRect, state: ExpressionState): InverseMap | undefined {
  if (state.blink <= 0 && state.smile <= 0 && state.mouth <= 0) return undefined;
  const lm = landmarks(face);
  const mouthY = (lm.mouthLeft[1] + lm.mouthRight[1]) / 2;
  const mouthCx = (lm.mouthLeft[0] + lm.mouthRight[0]) / 2;
  const drop = state.mouth * face.h * 0.11;
  const pull = state.smile * face.w * 0.07;
  const cornerR = face.w * 0.1;
  return (x, y) => {
    let sx = x;
    let sy = y;
    for (const eye of [lm.rightEye, lm.leftEye]) {
      const ex = (x - eye[0]) / lm.eyeRx;
      const ey = (y - eye[1]) / (lm.eyeRy * 1.6);
      if (ex * ex + ey * ey < 1 && state.blink > 0) {
        // The lid covers the eye from the top: sample skin from above in proportion to the closure.
        sy -= state.blink * lm.eyeRy * 1.6 * Math.sqrt(1 - ex * ex);
      }
    }
    if (pull > 0) {
      for (const [corner, side] of [
        [lm.mouthRight, -1],
        [lm.mouthLeft, 1],
      ] as const) {
        const w = gauss((x - corner[0]) ** 2 + (y - corner[1]) ** 2, cornerR);
        sx -= side * pull * w;
        sy += pull * 0.6 * w;
      }
    }
    if (drop > 0 && y > mouthY) {
      const across = gauss((x - mouthCx) ** 2, face.w * 0.28);
      const below = Math.min(1, (y - mouthY) / (drop + 1));
      sy -= drop * across * below;
    }
    return [sx, sy];
  };
}

/**
 * The still with `state` applied: the warp over the face and a margin, then what a warp cannot move into
 * place painted over it (the lash line of a closed eye, the dark gap of an open mouth).
 */
export function applyExpression(image: RgbImage, face: PixelRect, state: ExpressionState): RgbImage {
  const map = expressionMap(face, state);
  if (!map) return image;
  const margin = { x: face.x - face.w * 0.3, y: face.y - face.h * 0.2, w: face.w * 1.6, h: face.h * 1.6 };
  const out = warpRegion(image, margin, map);
  const lm = landmarks(face);
  if (state.blink >= 0.5) for (const eye of [lm.rightEye, lm.leftEye]) lashLine(out, eye, lm, state.blink);
  if (state.mouth > 0) mouthGap(out, face, lm, state.mouth);
  return out;
}

function blend(image: RgbImage, x: number, y: number, rgb: readonly number[], alpha: number): void {
  if (x < 0 || y < 0 || x >= image.width || y >= image.height || alpha <= 0) return;
  const p = (Math.round(y) * image.width + Math.round(x)) * 3;
  for (let c = 0; c < 3; c++) image.data[p + c] = Math.round(image.data[p + c] * (1 - alpha) + rgb[c] * alpha);
}

function lashLine(image: RgbImage, eye: [number, number], lm: FaceLandmarks, closure: number): void {
  // A closed eye shows a dark curve where the lids meet, slightly below the eye's centre.
  const thickness = Math.max(0.75, lm.eyeRy * 0.22);
  const half = lm.eyeRx * 0.85;
  for (let dx = -half; dx <= half; dx += 0.5) {
    const u = dx / half;
    const cy = eye[1] + lm.eyeRy * 0.4 * (1 - u * u);
    for (let dy = -thickness; dy <= thickness; dy += 0.5) {
      blend(image, eye[0] + dx, cy + dy, [60, 40, 36], 0.5 * closure * (1 - Math.abs(dy) / (thickness + 1)));
    }
  }
}

function mouthGap(image: RgbImage, face: PixelRect, lm: FaceLandmarks, opening: number): void {
  const cx = (lm.mouthLeft[0] + lm.mouthRight[0]) / 2;
  const rx = (lm.mouthLeft[0] - lm.mouthRight[0]) * 0.36;
  const ry = opening * face.h * 0.055;
  const cy = (lm.mouthLeft[1] + lm.mouthRight[1]) / 2 + ry * 0.5;
  for (let y = Math.floor(cy - ry); y <= Math.ceil(cy + ry); y++) {
    for (let x = Math.floor(cx - rx); x <= Math.ceil(cx + rx); x++) {
      const d = ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2;
      if (d < 1) blend(image, x, y, [62, 26, 30], Math.min(1, (1 - d) * 3));
    }
  }
}
