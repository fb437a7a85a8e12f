/**
 * Liveness v2 continuity check (docs/liveness-flash.md): the frames of a step come from one unbroken take of
 * one face. A head moves, turns and blinks smoothly at 10 frames/s; a splice of two clips, a cut within a
 * clip or a swap of identity shows as one pair of consecutive frames that differs far more than the others.
 *
 * Per pair of consecutive frames with a face: the box's jump (in face widths) and change of scale, and the
 * dissimilarity of two cheap appearance signatures, a grey thumbnail of the face and one of the whole frame
 * (each normalised to zero mean and unit norm, so a flash's change of brightness or colour does not count).
 */
import type { AnalysedFrame } from '../analysis/face-analyzer';
import type { CheckResult } from '../check-result';
import { clamp01, unavailable } from '../check-result';
import type { PixelRect, RgbImage } from '../rgb-image';
import { cropResize } from '../rgb-image';
import { PROMPT_REACTION_MS } from './prompt.check';

export const CONTINUITY_THRESHOLDS = {
  minFrames: 4,
  thumbnail: 16,
  /** Face box jump allowed between consecutive frames: base plus a speed (face widths per second) × gap. */
  jumpBase: 0.25,
  jumpPerSecond: 2,
  /** |ln(scale change)| allowed: base plus per second of gap. */
  scaleBase: 0.2,
  scalePerSecond: 1,
  /** Face dissimilarity (1 − correlation) above which a pair is a cut whatever the rest of the step does. */
  cutAbsolute: 0.3,
  /**
   * A pair is also a cut when it exceeds both this floor and `cutRelative` × the step's median pair. A blink
   * or an opening mouth changes the face thumbnail by ~0.13 in one pair at 10 frames/s (measured on the
   * widget's own frames); two people spliced read ≥ 0.43.
   */
  cutFloor: 0.2,
  cutRelative: 5,
  /** The same for the whole frame's thumbnail (the background of a spliced clip). */
  sceneAbsolute: 0.35,
  sceneFloor: 0.1,
  /**
   * A head that turns moves its box: a pair whose box, or that of a pair within `movingSpan` of it, moved this
   * far (face widths) is part of a movement, and its face limit rises to `cutRelative` × the largest of those
   * neighbouring pairs' face dissimilarity, up to `movingAbsolute`. A 40° turn at 10 frames/s changes the
   * face thumbnail by up to 0.4 in one pair, and the detector's box of the turned face then changes size
   * (0.2 two pairs later); a cut stays a lone spike above still neighbours, and a cross-fade between two
   * people whose boxes do not move gets no allowance. The whole frame's thumbnail gets the same allowance, up
   * to `sceneAbsolute`: the widget's frame is a square about the face, so a turn changes it as well (0.08 to
   * 0.1 in one pair of the browser suite's 40° turns, against a floor of 0.1).
   */
  movingJump: 0.1,
  /**
   * Or whose pose moved this far: the change of the nose tip's offset from the eyes' midpoint, in inter-ocular
   * distances (the detector's five points). The widget's frame is centred on the face, so a turn need not
   * move the box: the browser suite's 40° turns read 0.13 to 0.39 in their main pair with jumps of 0.10, still
   * frames ≤ 0.05, and a blink ≤ 0.10.
   */
  movingPose: 0.12,
  /**
   * Pairs that start this early in a step (ms) are the visitor still coming back from the previous prompt
   * (the prompt check's reaction time): the return from a 40° turn can fall in the step's first pair, with
   * only still pairs after it (face 0.35–0.46, scene up to 0.24 in the browser suite), so their limits are the
   * absolute ones, whatever the neighbours. A cut exactly between two steps is not seen by a check that reads
   * one step, so this gives an attacker nothing new; identity still compares every step with the rest step.
   */
  settlingMs: PROMPT_REACTION_MS,
  /** Pairs on each side of a pair that count as its neighbours: a turn takes ~0.5 s. */
  movingSpan: 2,
  /**
   * A movement can also be slow in every pair yet add up: a pair is part of one when, over it and its
   * neighbours, the box's centre moved `movingJump` or the pose proxy `movingPose` net (signed sums, so a
   * blink's lids going down and up again cancel). A 30° look-up moves the nose offset by only ~0.1 in all and
   * the box ~0.07 a pair: in the browser suite its last pair changed the face by 0.20 with jump 0.08 and pose
   * 0.10, above a still floor of 0.2, while the window had moved the box 0.2 and the nose 0.14 net. A still
   * cross-fade between two people moves neither. A forger who drifts the box on purpose gets the allowance a
   * single 0.1 jump already gave; a person swapped in that way is identity's to catch.
   */
  movingAbsolute: 0.6,
  /**
   * Or where the server's own measures (the face mesh, on the prompt window's sampled frames) saw the prompted
   * action move this far (in units of its threshold, promptProgress) between the samples either side of it.
   * An opening mouth moves neither the box nor the nose: in the browser suite one pair of it changed the face
   * by 0.21–0.22, beside pairs of 0.05–0.06, and was read as a cut. A still cross-fade measures no action.
   */
  movingAction: 0.3,
  /**
   * The face's dissimilarity (1 − correlation) grows about with the square of how far the picture moved, so a
   * turn's main pair can read far more than 5 × its neighbours when its pose moved only twice as far (browser
   * suite: face 0.39–0.40 beside 0.07–0.08, pose 0.30–0.33 beside 0.15). A pair whose own pose moved more than
   * its neighbours' has its limit raised by the square of that ratio, up to this factor; only when the
   * neighbours turned as well (`movingPose`), so a lone pose jump between still frames (a splice) gets none.
   */
  turnExcessMax: 4,
} as const;

export interface PairMeasure {
  /** Frame times of the pair. */
  from: number;
  to: number;
  jump: number;
  scale: number;
  /** Change of the pose proxy (see `movingPose`); 0 when the detector gave no points. */
  pose: number;
  /** The same two changes as signed vectors: the box centre's (face widths) and the pose proxy's ([0, 0] without points). */
  shift: [number, number];
  poseShift: [number, number];
  face: number;
  scene: number;
  /** The prompted action's measured change across the pair (see `movingAction`); 0 where it was not measured. */
  action: number;
}

/** The server's measure of the prompted action on one sampled frame, in units of its threshold. */
export interface ActionSample {
  t: number;
  progress: number;
}

/** A grey thumbnail of `rect`, zero mean and unit norm (so correlation is a dot product). */
function signature(image: RgbImage, rect: PixelRect, side: number): Float32Array {
  const small = cropResize(image, rect, side, side);
  const grey = new Float32Array(side * side);
  let mean = 0;
  for (let p = 0; p < grey.length; p++) {
    grey[p] = 0.299 * small.data[p * 3] + 0.587 * small.data[p * 3 + 1] + 0.114 * small.data[p * 3 + 2];
    mean += grey[p];
  }
  mean /= grey.length;
  let norm = 0;
  for (let p = 0; p < grey.length; p++) {
    grey[p] -= mean;
    norm += grey[p] * grey[p];
  }
  norm = Math.sqrt(norm) || 1;
  for (let p = 0; p < grey.length; p++) grey[p] /= norm;
  return grey;
}

const dissimilarity = (a: Float32Array, b: Float32Array) => {
  let dot = 0;
  for (let p = 0; p < a.length; p++) dot += a[p] * b[p];
  return 1 - dot;
};

/** The length of the sum of 2-D vectors. */
function netLength(vectors: ReadonlyArray<[number, number]>): number {
  return Math.hypot(
    vectors.reduce((sum, v) => sum + v[0], 0),
    vectors.reduce((sum, v) => sum + v[1], 0),
  );
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** The nose tip's offset from the eyes' midpoint in inter-ocular distances; null without usable points. */
export function noseOffset(points: ReadonlyArray<[number, number]>): [number, number] | null {
  const [rightEye, leftEye, nose] = points;
  if (!rightEye || !leftEye || !nose) return null;
  const eyes = Math.hypot(leftEye[0] - rightEye[0], leftEye[1] - rightEye[1]);
  if (eyes < 1) return null;
  return [(nose[0] - (rightEye[0] + leftEye[0]) / 2) / eyes, (nose[1] - (rightEye[1] + leftEye[1]) / 2) / eyes];
}

/**
 * How far the action moved across [from, to]: between the last sample at or before `from` and the first at or
 * after `to` (the window's samples are a frame in two or three). 0 without samples on both sides.
 */
function actionChange(samples: readonly ActionSample[], from: number, to: number): number {
  const before = samples.filter((s) => s.t <= from).at(-1);
  const after = samples.find((s) => s.t >= to);
  return before && after ? Math.abs(after.progress - before.progress) : 0;
}

/**
 * The pairs of consecutive frames with a face (a frame without one is skipped: the gap grows instead).
 * `action` holds the server's measures of a prompt's action, where the step has any.
 */
export function measureContinuity(
  frames: readonly AnalysedFrame[],
  action: readonly ActionSample[] = [],
): PairMeasure[] {
  const samples = [...action].sort((a, b) => a.t - b.t);
  const side = CONTINUITY_THRESHOLDS.thumbnail;
  const seen = [...frames]
    .filter((f) => f.face)
    .sort((a, b) => a.t - b.t)
    .map((f) => {
      const box = f.face!.box;
      // A little more than the box, so the jaw line and hairline are part of the face's signature.
      const rect = { x: box.x - box.w * 0.1, y: box.y - box.h * 0.1, w: box.w * 1.2, h: box.h * 1.2 };
      const whole = { x: 0, y: 0, w: f.image.width, h: f.image.height };
      return {
        t: f.t,
        box,
        nose: noseOffset(f.face!.points),
        face: signature(f.image, rect, side),
        scene: signature(f.image, whole, side),
      };
    });
  const pairs: PairMeasure[] = [];
  for (let k = 1; k < seen.length; k++) {
    const a = seen[k - 1];
    const b = seen[k];
    const width = (a.box.w + b.box.w) / 2;
    const shift: [number, number] = [
      (b.box.x + b.box.w / 2 - a.box.x - a.box.w / 2) / Math.max(width, 1),
      (b.box.y + b.box.h / 2 - a.box.y - a.box.h / 2) / Math.max(width, 1),
    ];
    const poseShift: [number, number] = a.nose && b.nose ? [b.nose[0] - a.nose[0], b.nose[1] - a.nose[1]] : [0, 0];
    pairs.push({
      from: a.t,
      to: b.t,
      jump: Math.hypot(...shift),
      scale: Math.abs(Math.log(Math.max(b.box.w, 1) / Math.max(a.box.w, 1))),
      pose: Math.hypot(...poseShift),
      shift,
      poseShift,
      face: dissimilarity(a.face, b.face),
      scene: dissimilarity(a.scene, b.scene),
      action: actionChange(samples, a.t, b.t),
    });
  }
  return pairs;
}

/** Each pair's worst ratio to its limits (≥ 1: a break) and every limit it breaks. */
export function pairRatios(pairs: readonly PairMeasure[]): Array<{ ratio: number; reasons: string[] }> {
  const th = CONTINUITY_THRESHOLDS;
  const typicalFace = median(pairs.map((p) => p.face));
  const typicalScene = median(pairs.map((p) => p.scene));
  const faceLimit = Math.min(th.cutAbsolute, Math.max(th.cutFloor, th.cutRelative * typicalFace));
  const sceneLimit = Math.min(th.sceneAbsolute, Math.max(th.sceneFloor, th.cutRelative * typicalScene));
  return pairs.map((p, k) => {
    const seconds = (p.to - p.from) / 1000;
    const near = [...pairs.slice(Math.max(0, k - th.movingSpan), k), ...pairs.slice(k + 1, k + 1 + th.movingSpan)];
    const settling = p.from < th.settlingMs;
    const window = [p, ...near];
    const moving =
      settling ||
      window.some((n) => n.jump >= th.movingJump || n.pose >= th.movingPose || n.action >= th.movingAction) ||
      netLength(window.map((n) => n.shift)) >= th.movingJump ||
      netLength(window.map((n) => n.poseShift)) >= th.movingPose;
    const allowance = (limit: number, absolute: number, of: (n: PairMeasure) => number, excess = 1) =>
      settling
        ? Math.max(limit, absolute)
        : moving
          ? Math.max(limit, Math.min(absolute, th.cutRelative * excess * Math.max(0, ...near.map(of))))
          : limit;
    const pairFaceLimit = allowance(faceLimit, th.movingAbsolute, (n) => n.face, turnExcess(p, near));
    // The frame is a square about the face: a pair whose own pose turned re-centres it, so its scene may
    // change as much as a turn does, even where the pairs either side moved little.
    const turned = p.pose >= th.movingPose;
    const pairSceneLimit = turned
      ? Math.max(sceneLimit, th.sceneAbsolute)
      : allowance(sceneLimit, th.sceneAbsolute, (n) => n.scene);
    const jump = Math.max(
      p.jump / (th.jumpBase + th.jumpPerSecond * seconds),
      p.scale / (th.scaleBase + th.scalePerSecond * seconds),
    );
    const cut = Math.max(p.face / pairFaceLimit, p.scene / pairSceneLimit);
    const reasons = [...(jump >= 1 ? ['continuity-jump'] : []), ...(cut >= 1 ? ['continuity-cut'] : [])];
    return { ratio: Math.max(jump, cut), reasons };
  });
}

/** (own pose change ÷ the neighbours' largest)², within [1, turnExcessMax]; 1 unless the neighbours turned too. */
function turnExcess(p: PairMeasure, near: readonly PairMeasure[]): number {
  const th = CONTINUITY_THRESHOLDS;
  const neighbours = Math.max(0, ...near.map((n) => n.pose));
  if (neighbours < th.movingPose) return 1;
  return Math.min(th.turnExcessMax, Math.max(1, (p.pose / neighbours) ** 2));
}

/** The step's frames form one smooth take: no pair of consecutive frames breaks any limit. */
export function checkContinuity(frames: AnalysedFrame[], action: readonly ActionSample[] = []): CheckResult {
  const pairs = measureContinuity(frames, action);
  if (pairs.length + 1 < CONTINUITY_THRESHOLDS.minFrames) return unavailable('continuity-too-few-frames');
  const ratios = pairRatios(pairs);
  const reasons = [...new Set(ratios.flatMap((r) => r.reasons))];
  const worst = Math.max(...ratios.map((r) => r.ratio));
  // 0.5 at the limit; 1 when nothing moved or changed.
  return { score: clamp01(1 - worst / 2), status: reasons.length ? 'fail' : 'pass', reasons };
}
