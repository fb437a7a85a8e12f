/**
 * Liveness v2's passive checks on a few frames of an attempt: presentation attacks (MiniFASNet V2 and
 * V1SE, the mean of their P(real)) and face swaps (Meso4), each model fed the crop it was trained on
 * (docs/liveness-passive.md). A check below its threshold fails, and so vetoes the attempt, only where its
 * veto is on; otherwise it passes with a `…-score-low` reason and its low score only weighs on the combined
 * one. A model that is not installed is left out; with none left the check is `unavailable`.
 */
import type { CheckResult } from '../check-result';
import { unavailable } from '../check-result';
import type { DetectedFace, LivenessModelRunner } from '../liveness-models';
import type { PassiveConfig } from '../passive/passive-config';
import type { ModelReading } from '../passive/passive-models';
import { ANTI_SPOOF_MODELS, DEEPFAKE_MODEL, readFrame } from '../passive/passive-models';
import type { RgbImage } from '../rgb-image';

/**
 * One frame and the server's UltraFace box in it (`detectFaces`): the geometry was measured on UltraFace's
 * boxes, so another detector's box needs the evaluation run again (`npm run eval:passive`).
 */
export interface PassiveFrame {
  image: RgbImage;
  face: DetectedFace;
}

export interface PassiveCheckResult extends CheckResult {
  /** Mean P(real) over the frames, per model that ran. */
  perModel: Record<string, number>;
}

export interface PassiveVerdict {
  presentation: PassiveCheckResult;
  deepfake: PassiveCheckResult;
}

/** Three frames cost ~30 ms of model time each on one core; more buys little and costs linearly. */
export const PASSIVE_MAX_FRAMES = 8;

export async function checkPassiveFrames(
  runner: LivenessModelRunner,
  frames: readonly PassiveFrame[],
  config: PassiveConfig,
): Promise<PassiveVerdict> {
  if (frames.length > PASSIVE_MAX_FRAMES) {
    throw new RangeError(`at most ${PASSIVE_MAX_FRAMES} frames, got ${frames.length}`);
  }
  for (const { image, face } of frames) assertUsableBox(image, face);
  const readings = await Promise.all(frames.map(({ image, face }) => readFrame(runner, image, face)));
  return {
    presentation: judge(
      readings,
      ANTI_SPOOF_MODELS.map((model) => model.id).filter((id) => runner.has(id)),
      { threshold: config.antiSpoofThreshold, veto: config.antiSpoofVeto },
      { missing: 'anti-spoof-not-installed', vetoed: 'presentation-attack-suspected', low: 'presentation-score-low' },
    ),
    deepfake: judge(
      readings,
      [DEEPFAKE_MODEL].filter((id) => runner.has(id)),
      { threshold: config.deepfakeThreshold, veto: config.deepfakeVeto },
      { missing: 'deepfake-model-not-installed', vetoed: 'face-swap-suspected', low: 'face-swap-score-low' },
    ),
  };
}

interface Reasons {
  missing: string;
  vetoed: string;
  low: string;
}

/** The score is the mean over frames of each frame's mean over the installed models `ran`. */
function judge(
  readings: readonly Record<string, ModelReading>[],
  ran: readonly string[],
  rule: { threshold: number; veto: boolean },
  reasons: Reasons,
): PassiveCheckResult {
  if (ran.length === 0) return { ...unavailable(reasons.missing), perModel: {} };
  if (readings.length === 0) return { ...unavailable('no-face-to-judge'), perModel: {} };
  const perModel = Object.fromEntries(ran.map((id) => [id, mean(readings.map((frame) => frame[id].pReal))]));
  const score = mean(readings.map((frame) => mean(ran.map((id) => frame[id].pReal))));
  if (score >= rule.threshold) return { score, status: 'pass', reasons: [], perModel };
  return rule.veto
    ? { score, status: 'fail', reasons: [reasons.vetoed], perModel }
    : { score, status: 'pass', reasons: [reasons.low], perModel };
}

/** A box the caller's detector produced: finite, with some area inside the frame. */
function assertUsableBox(image: RgbImage, face: DetectedFace): void {
  const values = [face.x, face.y, face.w, face.h];
  const inside = face.x < image.width && face.y < image.height && face.x + face.w > 0 && face.y + face.h > 0;
  if (!values.every(Number.isFinite) || face.w < 1 || face.h < 1 || !inside) {
    throw new RangeError(`face box ${JSON.stringify(values)} is not inside the ${image.width}×${image.height} frame`);
  }
}

const mean = (values: readonly number[]) => values.reduce((sum, v) => sum + v, 0) / values.length;
