/**
 * Liveness v2 flash check (docs/liveness-flash.md): the colour statistics of one frame in regions derived
 * from the server's face box. Light from the screen falls off with distance, so the regions are ordered by
 * how far they usually are from the screen: face skin, the near ring (hair, ears, neck) and the far
 * background (the crop's corners). Everything is measured in linear light, where a light source multiplies
 * the albedo and adds to the other lights; in sRGB values it would not.
 */
import type { FaceDetection } from '../analysis/face-analyzer';
import type { RgbImage } from '../rgb-image';

/** sRGB level → linear light (IEC 61966-2-1). */
export const SRGB_TO_LINEAR: Float32Array = (() => {
  const table = new Float32Array(256);
  for (let v = 0; v < 256; v++) {
    const s = v / 255;
    table[v] = s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  }
  return table;
})();

/**
 * Region bounds in normalised elliptical distance from the face box's centre (1 = the box's edge). Skin stays
 * inside the outline so that hair at the box's corners does not count as skin; the ring starts just outside
 * (hair, ears, jaw line, neck); the far background is what lies beyond about 1.5 face widths from the centre
 * and above the chin: below it, a 4-face-wide crop shows shoulders and chest, which are nearly as close to the
 * screen as the face.
 */
export const REGIONS = {
  skinMax: 0.85,
  albedoMax: 0.95,
  ringMin: 1.15,
  ringMax: 1.75,
  farMin: 2.8,
  /** Eyes are excluded from skin within this many face widths of each eye point; the mouth likewise. */
  eyeRadius: 0.16,
  mouthMargin: 0.1,
  /** Quantiles of the face for the albedo test: dark (brows, eyes, lashes, shadows) and bright skin. */
  lowQuantile: 0.1,
  highQuantile: 0.9,
} as const;

/** Mean linear RGB of each region, and low and high quantiles (linear) of each channel over the face. */
export interface FrameColour {
  skin: [number, number, number];
  ring: [number, number, number];
  far: [number, number, number];
  low: [number, number, number];
  high: [number, number, number];
  /** Pixels in each region (the far background may be empty when the face fills the crop). */
  counts: { skin: number; ring: number; far: number };
}

/** The five points, or where a detector without points would put them on an upright frontal face. */
function facePoints(face: FaceDetection): Array<[number, number]> {
  if (face.points.length >= 5) return face.points;
  const { x, y, w, h } = face.box;
  return [
    [x + 0.32 * w, y + 0.4 * h],
    [x + 0.68 * w, y + 0.4 * h],
    [x + 0.5 * w, y + 0.58 * h],
    [x + 0.36 * w, y + 0.76 * h],
    [x + 0.64 * w, y + 0.76 * h],
  ];
}

/** One pass over the frame: every pixel is assigned to at most one mean region and maybe the albedo set. */
export function frameColour(image: RgbImage, face: FaceDetection): FrameColour {
  const { x: bx, y: by, w: bw, h: bh } = face.box;
  const cx = bx + bw / 2;
  const cy = by + bh / 2;
  const ax = bw / 2;
  const ay = bh / 2;
  const [eyeR, eyeL, , mouthR, mouthL] = facePoints(face);
  const eye2 = (REGIONS.eyeRadius * bw) ** 2;
  const margin = REGIONS.mouthMargin * bw;
  const mouth = {
    x0: Math.min(mouthR[0], mouthL[0]) - margin,
    x1: Math.max(mouthR[0], mouthL[0]) + margin,
    y0: Math.min(mouthR[1], mouthL[1]) - margin,
    y1: Math.max(mouthR[1], mouthL[1]) + margin,
  };
  const sums = { skin: [0, 0, 0], ring: [0, 0, 0], far: [0, 0, 0] };
  const counts = { skin: 0, ring: 0, far: 0 };
  const histograms = [new Uint32Array(256), new Uint32Array(256), new Uint32Array(256)];
  let albedoCount = 0;
  const skin2 = REGIONS.skinMax ** 2;
  const albedo2 = REGIONS.albedoMax ** 2;
  const ringMin2 = REGIONS.ringMin ** 2;
  const ringMax2 = REGIONS.ringMax ** 2;
  const farMin2 = REGIONS.farMin ** 2;
  const { width, height, data } = image;
  for (let y = 0; y < height; y++) {
    const dy = (y + 0.5 - cy) / ay;
    for (let x = 0; x < width; x++) {
      const dx = (x + 0.5 - cx) / ax;
      const rho2 = dx * dx + dy * dy;
      const p = (y * width + x) * 3;
      let sum: number[] | null = null;
      if (rho2 <= albedo2) {
        histograms[0][data[p]]++;
        histograms[1][data[p + 1]]++;
        histograms[2][data[p + 2]]++;
        albedoCount++;
        if (rho2 <= skin2 && !isFeature(x + 0.5, y + 0.5)) {
          sum = sums.skin;
          counts.skin++;
        }
      } else if (rho2 >= ringMin2 && rho2 <= ringMax2) {
        sum = sums.ring;
        counts.ring++;
      } else if (rho2 >= farMin2 && dy < 1) {
        sum = sums.far;
        counts.far++;
      }
      if (sum) {
        sum[0] += SRGB_TO_LINEAR[data[p]];
        sum[1] += SRGB_TO_LINEAR[data[p + 1]];
        sum[2] += SRGB_TO_LINEAR[data[p + 2]];
      }
    }
  }
  const mean = (sum: number[], n: number): [number, number, number] =>
    n === 0 ? [0, 0, 0] : [sum[0] / n, sum[1] / n, sum[2] / n];
  const quantiles = (q: number) =>
    histograms.map((histogram) => quantileLinear(histogram, albedoCount, q)) as [number, number, number];
  return {
    skin: mean(sums.skin, counts.skin),
    ring: mean(sums.ring, counts.ring),
    far: mean(sums.far, counts.far),
    low: quantiles(REGIONS.lowQuantile),
    high: quantiles(REGIONS.highQuantile),
    counts,
  };

  function isFeature(px: number, py: number): boolean {
    if ((px - eyeR[0]) ** 2 + (py - eyeR[1]) ** 2 <= eye2) return true;
    if ((px - eyeL[0]) ** 2 + (py - eyeL[1]) ** 2 <= eye2) return true;
    return px >= mouth.x0 && px <= mouth.x1 && py >= mouth.y0 && py <= mouth.y1;
  }
}

/** The q-quantile of a 256-bin histogram in linear light, interpolated inside the bin (smooth under noise). */
function quantileLinear(histogram: Uint32Array, total: number, q: number): number {
  if (total === 0) return 0;
  const target = q * total;
  let seen = 0;
  for (let v = 0; v < 256; v++) {
    const next = seen + histogram[v];
    if (next >= target && histogram[v] > 0) {
      const level = v - 0.5 + (target - seen) / histogram[v];
      const lo = Math.max(0, Math.min(255, Math.floor(level)));
      const hi = Math.min(255, lo + 1);
      const f = Math.max(0, Math.min(1, level - lo));
      return SRGB_TO_LINEAR[lo] * (1 - f) + SRGB_TO_LINEAR[hi] * f;
    }
    seen = next;
  }
  return SRGB_TO_LINEAR[255];
}
