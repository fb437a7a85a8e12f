/**
 * Pixel operations of the attack kit: the frame crop the widget sends (a square of FRAME_LIMITS.context face
 * sides about the face), warps given as inverse maps, and colour casts. Pure, no library: attacks must be
 * reproducible from a seed on any machine.
 */
import { FRAME_LIMITS } from '../../../protocol/liveness-plan';
import type { PixelRect, RgbImage } from '../../rgb-image';
import { uniform } from './timeline';

/** Source point of destination point (x, y), both in source-image pixels. */
export type InverseMap = (x: number, y: number) => [number, number];

/** The square the widget crops: context × the face box's larger side about its centre, clamped to the image. */
export function frameRect(image: RgbImage, face: PixelRect): PixelRect {
  const side = Math.min(Math.max(face.w, face.h) * FRAME_LIMITS.context, image.width, image.height);
  const cx = face.x + face.w / 2;
  const cy = face.y + face.h / 2;
  const x = Math.min(Math.max(0, cx - side / 2), image.width - side);
  const y = Math.min(Math.max(0, cy - side / 2), image.height - side);
  return { x, y, w: side, h: side };
}

/**
 * Renders `rect` of `image` to a `side`×`side` frame through `map` (applied in source pixels before
 * sampling), bilinear, edges extended: one pass for the crop and every warp, so warps cost no extra
 * resampling blur.
 */
export function renderFrame(image: RgbImage, rect: PixelRect, side: number, map?: InverseMap): RgbImage {
  const out = new Uint8Array(side * side * 3);
  const { width: w, height: h, data } = image;
  const scale = rect.w / side;
  let d = 0;
  for (let v = 0; v < side; v++) {
    for (let u = 0; u < side; u++) {
      let x = rect.x + (u + 0.5) * scale - 0.5;
      let y = rect.y + (v + 0.5) * scale - 0.5;
      if (map) [x, y] = map(x, y);
      const x0 = Math.floor(x);
      const y0 = Math.floor(y);
      const fx = x - x0;
      const fy = y - y0;
      const xa = clamp(x0, w - 1) * 3;
      const xb = clamp(x0 + 1, w - 1) * 3;
      const ra = clamp(y0, h - 1) * w * 3;
      const rb = clamp(y0 + 1, h - 1) * w * 3;
      for (let c = 0; c < 3; c++) {
        const top = data[ra + xa + c] * (1 - fx) + data[ra + xb + c] * fx;
        const bottom = data[rb + xa + c] * (1 - fx) + data[rb + xb + c] * fx;
        out[d++] = Math.round(top * (1 - fy) + bottom * fy);
      }
    }
  }
  return { width: side, height: side, data: out };
}

function clamp(value: number, max: number): number {
  return value < 0 ? 0 : value > max ? max : value;
}

/** Composes inverse maps: the destination goes through `outer` first (it was applied last). */
export function compose(...maps: Array<InverseMap | undefined>): InverseMap {
  const list = maps.filter((m): m is InverseMap => m !== undefined).reverse();
  return (x, y) => {
    let p: [number, number] = [x, y];
    for (const map of list) p = map(p[0], p[1]);
    return p;
  };
}

/**
 * A flat photo turned about the face's vertical (yaw) and horizontal (pitch) axes, seen in perspective from
 * `distance` face widths, plus a shift and an in-plane roll: the best any rigid warp of one picture can do.
 * Degrees; yaw > 0 turns the face towards the person's own left (image right, unmirrored).
 */
export function rigidPose(
  face: PixelRect,
  pose: { yaw: number; pitch: number; roll?: number; dx?: number; dy?: number; scale?: number },
  distance = 3,
): InverseMap {
  const cx = face.x + face.w / 2;
  const cy = face.y + face.h / 2;
  const focal = Math.max(face.w, face.h) * distance;
  const a = (-pose.yaw * Math.PI) / 180;
  const b = (pose.pitch * Math.PI) / 180;
  const r = ((pose.roll ?? 0) * Math.PI) / 180;
  const scale = pose.scale ?? 1;
  const [cosA, sinA, cosB, sinB, cosR, sinR] = [
    Math.cos(a),
    Math.sin(a),
    Math.cos(b),
    Math.sin(b),
    Math.cos(r),
    Math.sin(r),
  ];
  return (x, y) => {
    // Undo shift, scale and roll, then the two perspective turns (each inverted in closed form).
    let px = (x - cx - (pose.dx ?? 0)) / scale;
    let py = (y - cy - (pose.dy ?? 0)) / scale;
    [px, py] = [cosR * px + sinR * py, -sinR * px + cosR * py];
    const sx = px / (cosA - (px * sinA) / focal);
    py = py * (1 + (sx * sinA) / focal);
    const sy = py / (cosB - (py * sinB) / focal);
    const ox = sx * (1 + (sy * sinB) / focal);
    return [cx + ox, cy + sy];
  };
}

/** Per-pixel weights of the face, its near ring (hair, ears, neck) and the rest, from the face box. */
export function regionWeight(face: PixelRect, x: number, y: number): { face: number; ring: number } {
  const rx = face.w * 0.5;
  const ry = face.h * 0.55;
  const d = Math.sqrt(((x - face.x - face.w / 2) / rx) ** 2 + ((y - face.y - face.h / 2) / ry) ** 2);
  const faceWeight = d <= 0.9 ? 1 : d >= 1.1 ? 0 : (1.1 - d) / 0.2;
  const ringWeight = d <= 1 ? 0 : d >= 2.2 ? 0 : d < 1.3 ? (d - 1) / 0.3 : (2.2 - d) / 0.9;
  return { face: faceWeight, ring: Math.max(0, ringWeight) };
}

/** Maps a rect of a source image to the rendered frame's pixels. */
export function toFrame(rect: PixelRect, side: number, r: PixelRect): PixelRect {
  const k = side / rect.w;
  return { x: (r.x - rect.x) * k, y: (r.y - rect.y) * k, w: r.w * k, h: r.h * k };
}

export type Rgb = readonly [number, number, number];
export type LightMode = 'physical' | 'face-only' | 'flat' | 'cast';

/**
 * Light from a screen added to a frame in place. 'physical': added light ∝ albedo × colour, strongest on the
 * face, less on the ring, little on the background (as a screen 30–40 cm away lights a person);
 * 'face-only': the same light on the face outline and none outside; 'flat': one colour laid evenly over the
 * whole frame regardless of what is under it; 'cast': the whole frame multiplied towards the colour, as an
 * offline renderer colour-grades a picture.
 */
export function addLight(frame: RgbImage, face: PixelRect, rgb: Rgb, strength: number, mode: LightMode): void {
  const { width: w, height: h, data } = frame;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const p = (y * w + x) * 3;
      let weight = 1;
      if (mode === 'physical' || mode === 'face-only') {
        const region = regionWeight(face, x, y);
        weight = mode === 'face-only' ? region.face : region.face + 0.45 * region.ring + 0.08;
        if (mode === 'physical') weight = Math.min(1, weight);
      }
      if (weight <= 0) continue;
      for (let c = 0; c < 3; c++) {
        const added = mode === 'flat' ? rgb[c] * 0.35 : data[p + c] * (rgb[c] / 255) * 1.2;
        data[p + c] = Math.min(255, Math.round(data[p + c] + strength * weight * added));
      }
    }
  }
}

/** Entries in the shared noise table: ~9 frames' worth, so windows at random offsets rarely repeat. */
const NOISE_TABLE_SIZE = 1 << 20;
let noiseTable: Float32Array | undefined;

/** Triangular noise in [−1, 1] (the sum of two uniforms), drawn once from a fixed seed. */
function sharedNoise(random: () => number): Float32Array {
  const table = new Float32Array(NOISE_TABLE_SIZE);
  for (let k = 0; k < table.length; k++) table[k] = random() + random() - 1;
  return table;
}

/**
 * Gaussian-ish sensor noise, so identical renders never encode to identical bytes. Each frame reads the
 * shared table from an offset of its own: two PRNG draws a frame instead of two a channel, which cost the
 * attack kit about half its rendering time.
 */
export function addNoise(frame: RgbImage, random: () => number, amplitude = 1.2): void {
  const table = (noiseTable ??= sharedNoise(uniform('sensor-noise')));
  const pixels = new Uint8ClampedArray(frame.data.buffer, frame.data.byteOffset, frame.data.length);
  let k = Math.floor(random() * NOISE_TABLE_SIZE);
  for (let i = 0; i < pixels.length; i++) {
    // A clamped array rounds and clamps on store.
    pixels[i] = pixels[i] + table[k] * amplitude;
    k = (k + 1) & (NOISE_TABLE_SIZE - 1);
  }
}

/** A copy of `image` with `rect` (clamped) remapped through `map` at full resolution; the rest unchanged. */
export function warpRegion(image: RgbImage, rect: PixelRect, map: InverseMap): RgbImage {
  const { width: w, height: h, data } = image;
  const out = data.slice();
  const x0 = Math.max(0, Math.floor(rect.x));
  const y0 = Math.max(0, Math.floor(rect.y));
  const x1 = Math.min(w, Math.ceil(rect.x + rect.w));
  const y1 = Math.min(h, Math.ceil(rect.y + rect.h));
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const [sx, sy] = map(x, y);
      const fx0 = Math.floor(sx);
      const fy0 = Math.floor(sy);
      const fx = sx - fx0;
      const fy = sy - fy0;
      const xa = clamp(fx0, w - 1) * 3;
      const xb = clamp(fx0 + 1, w - 1) * 3;
      const ra = clamp(fy0, h - 1) * w * 3;
      const rb = clamp(fy0 + 1, h - 1) * w * 3;
      const d = (y * w + x) * 3;
      for (let c = 0; c < 3; c++) {
        const top = data[ra + xa + c] * (1 - fx) + data[ra + xb + c] * fx;
        const bottom = data[rb + xa + c] * (1 - fx) + data[rb + xb + c] * fx;
        out[d + c] = Math.round(top * (1 - fy) + bottom * fy);
      }
    }
  }
  return { width: w, height: h, data: out };
}
