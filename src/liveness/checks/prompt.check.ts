/**
 * Liveness v2's prompt check: the action a prompt step asked for, seen in the server's own measures of the
 * step's frames (FaceAnalyzer.measure), starting from the rest step's baseline. No client number is read.
 */
import type { PromptAction } from '../../protocol/liveness-plan';
import type { FaceMeasures } from '../analysis/face-analyzer';
import type { CheckResult } from '../check-result';
import { clamp01 } from '../check-result';
import { EYES_CLOSED_RATIO } from '../analysis/eye-measures';
import {
  LOOK_UP_MIN_DEGREES,
  MOUTH_OPEN_ABOVE,
  SMILE_RATIO_ABOVE_REST,
  TURN_MIN_DEGREES,
} from '../analysis/mesh-measures';

/**
 * How far from the baseline each action must go: the engine's thresholds (docs/liveness-analysis.md),
 * each taken against the visitor's own rest step.
 */
export const PROMPT_THRESHOLDS = {
  turnDegrees: TURN_MIN_DEGREES,
  lookUpDegrees: LOOK_UP_MIN_DEGREES,
  /** Eye openness at most this fraction of the baseline's. */
  blinkRatio: EYES_CLOSED_RATIO,
  /** Smile measure at least this multiple of the baseline's. */
  smileRatio: SMILE_RATIO_ABOVE_REST,
  /** Mouth openness at least this much above the baseline (rest reads ≤ 0.12, open above 0.18). */
  mouthOpenDelta: MOUTH_OPEN_ABOVE - 0.12,
} as const;

/** A visitor reads the prompt before acting: frames before this (ms into the step) cannot show the answer yet. */
export const PROMPT_REACTION_MS = 300;
/**
 * How much further (in threshold units) the window's peak must go than the frames before the reaction time.
 * A person still coming back from the previous prompt (a turned head reads as a little smile) starts part
 * of the way; a clip that ignores the reveal shows the action already done, or no rise after it.
 */
export const PROMPT_MIN_RISE = 0.5;

/**
 * An expression read off a face still turned from the previous prompt is not an expression: a head coming
 * back from a 40° turn read as an open mouth (`open-mouth-not-at-rest-before` in 2 of 30 cooperative
 * attempts). Before the reaction time, expressions count only on frames facing within this many degrees of
 * the baseline's yaw and pitch.
 */
export const EXPRESSION_SETTLED_DEGREES = 10;

const EXPRESSIONS: ReadonlySet<PromptAction> = new Set(['blink', 'smile', 'open-mouth']);

export interface MeasuredFrame {
  t: number;
  measures: FaceMeasures;
}

/** How far one frame has gone towards `action` from `baseline`, in units of the action's threshold (1 = done). */
export function promptProgress(action: PromptAction, m: FaceMeasures, baseline: FaceMeasures): number {
  const T = PROMPT_THRESHOLDS;
  switch (action) {
    case 'turn-left':
      return (m.yaw - baseline.yaw) / T.turnDegrees;
    case 'turn-right':
      return (baseline.yaw - m.yaw) / T.turnDegrees;
    case 'look-up':
      return (m.pitch - baseline.pitch) / T.lookUpDegrees;
    case 'blink':
      return baseline.eyeOpenness > 0 ? (1 - m.eyeOpenness / baseline.eyeOpenness) / (1 - T.blinkRatio) : 0;
    case 'smile':
      return baseline.smile > 0 ? (m.smile / baseline.smile - 1) / (T.smileRatio - 1) : 0;
    case 'open-mouth':
      return (m.mouthOpenness - baseline.mouthOpenness) / T.mouthOpenDelta;
  }
}

export function checkPrompt(
  action: PromptAction,
  frames: readonly MeasuredFrame[],
  baseline: FaceMeasures | null,
): CheckResult {
  if (!baseline) return { score: 0, status: 'fail', reasons: ['prompt-no-baseline'] };
  const early = frames.filter(
    (frame) => frame.t < PROMPT_REACTION_MS && (!EXPRESSIONS.has(action) || settled(frame.measures, baseline)),
  );
  const window = frames.filter((frame) => frame.t >= PROMPT_REACTION_MS);
  if (window.length === 0) return { score: 0, status: 'fail', reasons: ['prompt-not-measured'] };
  const before = Math.max(0, ...early.map((frame) => promptProgress(action, frame.measures, baseline)));
  const peak = Math.max(...window.map((frame) => promptProgress(action, frame.measures, baseline)));
  // The action was done before anyone could react, or did not rise after the reveal: a clip that ignores it.
  if (before >= 1 || (before >= PROMPT_MIN_RISE && peak - before < PROMPT_MIN_RISE)) {
    return { score: 0, status: 'fail', reasons: [`${action}-not-at-rest-before`] };
  }
  return peak >= 1
    ? { score: 1, status: 'pass', reasons: [] }
    : { score: clamp01(peak), status: 'fail', reasons: [`${action}-missing`] };
}

function settled(m: FaceMeasures, baseline: FaceMeasures): boolean {
  return (
    Math.abs(m.yaw - baseline.yaw) <= EXPRESSION_SETTLED_DEGREES &&
    Math.abs(m.pitch - baseline.pitch) <= EXPRESSION_SETTLED_DEGREES
  );
}
