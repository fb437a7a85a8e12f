/**
 * Check (d): screen-light reflectance. The screen flashes saturated colours in a random order; a face a
 * few tens of centimetres away reflects them, so the face's chromaticity moves towards each flash colour.
 * A replayed or pre-rendered video was lit by other colours (or none), so its colour changes do not
 * correlate with this challenge's sequence. Measured on the face's central region, which is skin, not
 * background; and the background must move less than the face, because the screen lights near things
 * more than far ones (a crop tinted all over by an editor fails that).
 */
import type { LivenessCrop, LivenessScript } from '../../protocol/liveness';
import type { CheckResult } from '../check-result';
import { clamp01, unavailable } from '../check-result';
import type { PixelRect, RgbImage } from '../rgb-image';
import { meanColour } from '../rgb-image';

/** Least standard deviation of the face's chromaticity across flashes: below it, nothing was lit. */
export const MIN_FLASH_AMPLITUDE = 0.004;
/** The face's colour response must exceed the background's by this factor. */
export const MIN_FACE_TO_BACKGROUND = 1.25;

const chroma = ([r, g, b]: readonly number[]): [number, number, number] => {
  const sum = r + g + b + 1e-6;
  return [r / sum, g / sum, b / sum];
};

/** Pearson correlation of two equal-length vectors (0 when either is constant). */
export function pearson(a: readonly number[], b: readonly number[]): number {
  const n = a.length;
  const ma = a.reduce((s, v) => s + v, 0) / n;
  const mb = b.reduce((s, v) => s + v, 0) / n;
  let num = 0;
  let da = 0;
  let db = 0;
  for (let i = 0; i < n; i++) {
    num += (a[i] - ma) * (b[i] - mb);
    da += (a[i] - ma) ** 2;
    db += (b[i] - mb) ** 2;
  }
  return da === 0 || db === 0 ? 0 : num / Math.sqrt(da * db);
}

/** Per-channel chromaticity of each lit crop, centred on the channel's mean over the lit crops. */
function centredResponse(samples: [number, number, number][]): number[] {
  const means = [0, 1, 2].map((c) => samples.reduce((s, v) => s + v[c], 0) / samples.length);
  return samples.flatMap((v) => [v[0] - means[0], v[1] - means[1], v[2] - means[2]]);
}

const rms = (values: readonly number[]) => Math.sqrt(values.reduce((s, v) => s + v * v, 0) / values.length);

/** The central half of the face box: cheeks, nose and forehead, little hair or background. */
function skinRegion(face: PixelRect): PixelRect {
  return { x: face.x + face.w * 0.25, y: face.y + face.h * 0.25, w: face.w * 0.5, h: face.h * 0.5 };
}

/** A band along the crop's top edge and its upper corners, which the face does not cover. */
function backgroundRegions(image: RgbImage): PixelRect[] {
  const band = Math.max(4, Math.round(image.height * 0.08));
  const side = Math.max(4, Math.round(image.width * 0.1));
  return [
    { x: 0, y: 0, w: side, h: image.height * 0.5 },
    { x: image.width - side, y: 0, w: side, h: image.height * 0.5 },
    { x: side, y: 0, w: image.width - 2 * side, h: band },
  ];
}

export function checkFlashes(
  crops: readonly LivenessCrop[],
  images: readonly RgbImage[],
  faces: readonly (PixelRect | null)[],
  script: LivenessScript,
  minCorrelation: number,
): CheckResult {
  const face: [number, number, number][] = [];
  const background: [number, number, number][] = [];
  const expected: [number, number, number][] = [];
  crops.forEach((crop, i) => {
    const box = faces[i];
    if (crop.flashIndex === null || !box || !images[i]) return;
    const flash = script.flashes[crop.flashIndex];
    if (!flash) return;
    face.push(chroma(meanColour(images[i], skinRegion(box))));
    const regions = backgroundRegions(images[i]).map((region) => meanColour(images[i], region));
    background.push(chroma([0, 1, 2].map((c) => regions.reduce((s, v) => s + v[c], 0) / regions.length)));
    expected.push(chroma(flash.rgb));
  });
  if (face.length < 3) return unavailable('too-few-lit-crops-with-a-face');

  const faceResponse = centredResponse(face);
  const correlation = pearson(faceResponse, centredResponse(expected));
  const amplitude = rms(faceResponse);
  const backgroundAmplitude = rms(centredResponse(background));
  const reasons: string[] = [];
  if (correlation < minCorrelation) reasons.push('flash-correlation-low');
  if (amplitude < MIN_FLASH_AMPLITUDE) reasons.push('flash-response-too-weak');
  if (amplitude < backgroundAmplitude * MIN_FACE_TO_BACKGROUND) reasons.push('flash-response-not-on-face');
  return { score: clamp01(correlation), status: reasons.length === 0 ? 'pass' : 'fail', reasons };
}
