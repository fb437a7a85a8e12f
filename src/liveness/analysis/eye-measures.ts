/**
 * Eye openness from MediaPipe's iris landmark model (76 points per eye: 71 eye-contour and brow points, then
 * 5 iris points). The 468-point mesh alone under-reads closed eyes (real full blinks read 0.53–0.87 of the
 * person's rest value, never near 0); the iris model sees each eye at 64 px and follows the lids.
 * Pure geometry: the crop rectangles and the openness of the model's output. Point order as MediaPipe's iris
 * graph and `@vladmandic/human`'s `iris.ts`, from which the crop rule is taken.
 */
import type { PixelRect } from '../rgb-image';

/** The iris model's input side. */
export const IRIS_SIDE = 64;
/** The eye square: the box of the two eye corners enlarged this many times about its centre, then squared. */
export const IRIS_EYE_SCALE = 2.3;
/** Points per eye in the model's output (x, y, z each, in input pixels). */
export const IRIS_POINTS = 76;

/** Mesh corner indices of each eye; "right" is the person's own right (image left). */
export const EYE_CORNERS = {
  right: [33, 133],
  left: [263, 362],
} as const;

/**
 * In the model's output: the lower lid runs corner to corner over points 0–8, the upper lid over 9–15
 * (MediaPipe's `EyeLower0` and `EyeUpper0`). The three middle pairs give the aperture, as for the mesh.
 */
const LOWER_LID = [0, 1, 2, 3, 4, 5, 6, 7, 8] as const;
const UPPER_MIDDLE = [11, 12, 13] as const;
const LOWER_MIDDLE = [3, 4, 5] as const;

/**
 * The eyes are closed (a blink) when eye openness falls below this share of the attempt's rest value (the
 * median of the rest step's frames), in at least one frame of the prompt window. On the real recordings,
 * full blinks read 0.14–0.24 of the person's rest at their deepest frame; open eyes that look down read down
 * to ~0.7, and lrwp9a's labelled blink, whose lids only lower (0.63), is not a closed eye at this threshold
 * (docs/liveness-analysis.md).
 */
export const EYES_CLOSED_RATIO = 0.5;

/** The square (in the image's pixels) the iris model sees for one eye, from the mesh's eye corners. */
export function eyeCrop(mesh: Float32Array, corners: readonly [number, number]): PixelRect {
  const [a, b] = corners;
  const ax = mesh[a * 3];
  const ay = mesh[a * 3 + 1];
  const bx = mesh[b * 3];
  const by = mesh[b * 3 + 1];
  const side = Math.max(Math.abs(ax - bx), Math.abs(ay - by)) * IRIS_EYE_SCALE;
  const cx = (ax + bx) / 2;
  const cy = (ay + by) / 2;
  return { x: cx - side / 2, y: cy - side / 2, w: side, h: side };
}

/**
 * Eye openness of one eye from its 76 output points (offset `from` into `out`): mean aperture of the three
 * middle lid pairs over the corner-to-corner width, the mesh's scale (open ~0.25–0.35).
 */
export function irisEyeOpenness(out: Float32Array, from: number): number {
  const x = (i: number) => out[from + i * 3];
  const y = (i: number) => out[from + i * 3 + 1];
  const dist = (i: number, j: number) => Math.hypot(x(i) - x(j), y(i) - y(j));
  let aperture = 0;
  for (let k = 0; k < UPPER_MIDDLE.length; k++) aperture += dist(UPPER_MIDDLE[k], LOWER_MIDDLE[k]);
  aperture /= UPPER_MIDDLE.length;
  const width = dist(LOWER_LID[0], LOWER_LID[LOWER_LID.length - 1]);
  return width > 0 ? aperture / width : 0;
}
