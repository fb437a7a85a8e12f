/**
 * Check (e): passive presentation-attack detection (MiniFASNet V2 and V1SE, mean P(real)) and, as a weak
 * extra signal, the Meso4 face-swap detector. A model that is not installed is left out; with none left
 * the check is `unavailable`: never a made-up score.
 */
import type { CheckResult } from '../check-result';
import { unavailable } from '../check-result';
import type { LivenessModelRunner } from '../liveness-models';
import { LIVENESS_MODELS, antiSpoofScores, deepfakeScore } from '../liveness-models';
import type { PixelRect, RgbImage } from '../rgb-image';

const mean = (values: readonly number[]) => values.reduce((s, v) => s + v, 0) / values.length;

export async function checkPresentation(
  runner: LivenessModelRunner,
  images: readonly RgbImage[],
  faces: readonly (PixelRect | null)[],
  minScore: number,
): Promise<CheckResult> {
  if (!LIVENESS_MODELS.antiSpoof.some((model) => runner.has(model.id))) return unavailable('anti-spoof-not-installed');
  const perCrop: number[] = [];
  for (let i = 0; i < images.length; i++) {
    const face = faces[i];
    if (!face) continue;
    const scores = Object.values(await antiSpoofScores(runner, images[i], face));
    perCrop.push(mean(scores));
  }
  if (perCrop.length === 0) return unavailable('no-face-to-judge');
  const score = mean(perCrop);
  const passed = score >= minScore;
  return { score, status: passed ? 'pass' : 'fail', reasons: passed ? [] : ['presentation-attack-suspected'] };
}

export async function checkDeepfake(
  runner: LivenessModelRunner,
  images: readonly RgbImage[],
  faces: readonly (PixelRect | null)[],
  minScore: number,
): Promise<CheckResult> {
  if (!runner.has(LIVENESS_MODELS.deepfake)) return unavailable('deepfake-model-not-installed');
  const perCrop: number[] = [];
  for (let i = 0; i < images.length; i++) {
    const face = faces[i];
    if (face) perCrop.push(await deepfakeScore(runner, images[i], face));
  }
  if (perCrop.length === 0) return unavailable('no-face-to-judge');
  const score = mean(perCrop);
  const passed = score >= minScore;
  return { score, status: passed ? 'pass' : 'fail', reasons: passed ? [] : ['face-swap-suspected'] };
}
