/** Packed 8-bit RGB images and the few operations the liveness checks need: pure, no library. */

export interface RgbImage {
  width: number;
  height: number;
  /** width × height × 3 bytes, row-major, R G B. */
  data: Uint8Array;
}

/** A rectangle in pixels (may reach outside the image; readers clamp). */
export interface PixelRect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Rotates or mirrors as EXIF orientation `orientation` says, so the result is upright. */
export function applyOrientation(image: RgbImage, orientation: number): RgbImage {
  if (orientation <= 1 || orientation > 8) return image;
  const { width: w, height: h } = image;
  const swap = orientation >= 5;
  const out: RgbImage = { width: swap ? h : w, height: swap ? w : h, data: new Uint8Array(image.data.length) };
  for (let y = 0; y < out.height; y++) {
    for (let x = 0; x < out.width; x++) {
      // Source pixel for destination (x, y), per the EXIF 2.3 orientation table.
      let sx: number;
      let sy: number;
      switch (orientation) {
        case 2:
          [sx, sy] = [w - 1 - x, y];
          break;
        case 3:
          [sx, sy] = [w - 1 - x, h - 1 - y];
          break;
        case 4:
          [sx, sy] = [x, h - 1 - y];
          break;
        case 5:
          [sx, sy] = [y, x];
          break;
        case 6:
          [sx, sy] = [y, h - 1 - x];
          break;
        case 7:
          [sx, sy] = [w - 1 - y, h - 1 - x];
          break;
        default:
          [sx, sy] = [w - 1 - y, x];
          break;
      }
      const s = (sy * w + sx) * 3;
      const d = (y * out.width + x) * 3;
      out.data[d] = image.data[s];
      out.data[d + 1] = image.data[s + 1];
      out.data[d + 2] = image.data[s + 2];
    }
  }
  return out;
}

/**
 * Bilinear resample of `rect` (clamped to the image's edge pixels) to `width` × `height`. This runs on
 * every model input of every crop and dominated verification time, hence the column tables computed once
 * per call and 8-bit fixed-point weights (2.6× faster than floating point here; results differ by at most
 * one level).
 */
export function cropResize(image: RgbImage, rect: PixelRect, width: number, height: number): RgbImage {
  const out = new Uint8Array(width * height * 3);
  const src = image.data;
  const sx = rect.w / width;
  const sy = rect.h / height;
  const left = new Int32Array(width);
  const right = new Int32Array(width);
  const weight = new Int32Array(width);
  for (let x = 0; x < width; x++) {
    const fx = rect.x + (x + 0.5) * sx - 0.5;
    const x0 = Math.floor(fx);
    weight[x] = Math.round((fx - x0) * 256);
    left[x] = clamp(x0, image.width - 1) * 3;
    right[x] = clamp(x0 + 1, image.width - 1) * 3;
  }
  let d = 0;
  for (let y = 0; y < height; y++) {
    const fy = rect.y + (y + 0.5) * sy - 0.5;
    const y0 = Math.floor(fy);
    const wy = Math.round((fy - y0) * 256);
    const r0 = clamp(y0, image.height - 1) * image.width * 3;
    const r1 = clamp(y0 + 1, image.height - 1) * image.width * 3;
    for (let x = 0; x < width; x++) {
      const wx = weight[x];
      const a = r0 + left[x];
      const b = r0 + right[x];
      const c = r1 + left[x];
      const e = r1 + right[x];
      for (let k = 0; k < 3; k++) {
        const top = src[a + k] * (256 - wx) + src[b + k] * wx;
        const bottom = src[c + k] * (256 - wx) + src[e + k] * wx;
        // Both weights are out of 256: the sum is out of 65536; adding half of it rounds to nearest.
        out[d++] = (top * (256 - wy) + bottom * wy + 32768) >> 16;
      }
    }
  }
  return { width, height, data: out };
}

function clamp(value: number, max: number): number {
  return value < 0 ? 0 : value > max ? max : value;
}

/** Mean R, G, B over `rect` (clamped to the image). */
export function meanColour(image: RgbImage, rect: PixelRect): [number, number, number] {
  const x0 = Math.max(0, Math.floor(rect.x));
  const y0 = Math.max(0, Math.floor(rect.y));
  const x1 = Math.min(image.width, Math.ceil(rect.x + rect.w));
  const y1 = Math.min(image.height, Math.ceil(rect.y + rect.h));
  const sum = [0, 0, 0];
  let n = 0;
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const p = (y * image.width + x) * 3;
      sum[0] += image.data[p];
      sum[1] += image.data[p + 1];
      sum[2] += image.data[p + 2];
      n++;
    }
  }
  return n === 0 ? [0, 0, 0] : [sum[0] / n, sum[1] / n, sum[2] / n];
}

/**
 * The anti-spoofing crop of Silent-Face: the box scaled by `scale` about its centre (capped to the
 * image), shifted to stay inside the image.
 */
export function scaledCrop(image: RgbImage, box: PixelRect, scale: number): PixelRect {
  const s = Math.min(scale, (image.height - 1) / box.h, (image.width - 1) / box.w);
  const w = box.w * s;
  const h = box.h * s;
  const cx = box.x + box.w / 2;
  const cy = box.y + box.h / 2;
  const x = Math.min(Math.max(0, cx - w / 2), image.width - w);
  const y = Math.min(Math.max(0, cy - h / 2), image.height - h);
  return { x, y, w, h };
}

/**
 * Nearest-neighbour resample of `rect` (integer pixels; it may reach outside the image) to `width` ×
 * `height`, with the outside mirrored about the edge pixels (numpy's `reflect`: the edge is not repeated).
 * Source pixel of output x: floor(rect.x + (x + 0.5) × rect.w / width), as PIL's NEAREST resize.
 */
export function resizeNearestReflect(image: RgbImage, rect: PixelRect, width: number, height: number): RgbImage {
  const out = new Uint8Array(width * height * 3);
  const columns = new Int32Array(width);
  for (let x = 0; x < width; x++) {
    columns[x] = reflect(Math.floor(rect.x + ((x + 0.5) * rect.w) / width), image.width) * 3;
  }
  let d = 0;
  for (let y = 0; y < height; y++) {
    const row = reflect(Math.floor(rect.y + ((y + 0.5) * rect.h) / height), image.height) * image.width * 3;
    for (let x = 0; x < width; x++) {
      const s = row + columns[x];
      out[d++] = image.data[s];
      out[d++] = image.data[s + 1];
      out[d++] = image.data[s + 2];
    }
  }
  return { width, height, data: out };
}

/** Index `i` mirrored into 0..size−1 without repeating the edge (…, 2, 1, 0, 1, 2, …, n−2, n−1, n−2, …). */
function reflect(i: number, size: number): number {
  if (size === 1) return 0;
  const period = 2 * (size - 1);
  const m = ((i % period) + period) % period;
  return m < size ? m : period - m;
}
