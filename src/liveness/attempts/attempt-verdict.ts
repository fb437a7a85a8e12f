/**
 * The verdict of a liveness v2 attempt from its checks: any required check that failed, or could not run,
 * vetoes; otherwise the weighted score must reach the site's threshold.
 */
import type { LivenessHint } from '../../protocol/challenge-wire';
import { LIVENESS_HINTS } from '../../protocol/challenge-wire';
import type { CheckResult } from '../check-result';
import type { AttemptCheckName, AttemptState } from './attempt-state';

/** A check that must pass: an `unavailable` one fails the attempt, so a missing part never lets one through. */
export const REQUIRED_CHECKS: readonly AttemptCheckName[] = ['face', 'identity', 'prompts', 'flash', 'continuity'];

/** Weights of the combined score; a check without a score drops out and the rest are renormalised. */
export const CHECK_WEIGHTS: Record<AttemptCheckName, number> = {
  face: 0.1,
  identity: 0.15,
  prompts: 0.25,
  flash: 0.25,
  continuity: 0.1,
  presentation: 0.1,
  deepfake: 0.05,
};

export interface AttemptVerdict {
  passed: boolean;
  /** 0..1; at most half the threshold when a required check failed. */
  score: number;
  reasons: string[];
  hints: LivenessHint[];
}

export function attemptVerdict(state: AttemptState, threshold: number): AttemptVerdict {
  const checks = state.checks;
  let weighted = 0;
  let total = 0;
  for (const [name, weight] of Object.entries(CHECK_WEIGHTS) as [AttemptCheckName, number][]) {
    const score = checks[name]?.score;
    if (score === null || score === undefined) continue;
    weighted += weight * score;
    total += weight;
  }
  const raw = total > 0 ? weighted / total : 0;
  const reasons = [...new Set(Object.values(checks).flatMap((check: CheckResult) => check.reasons))];
  const vetoes = REQUIRED_CHECKS.filter((name) => checks[name]?.status !== 'pass');
  for (const name of vetoes) if (!checks[name]) reasons.push(`${name}-not-checked`);
  // The passive checks fail only where their veto is on (passive.check.ts); a failure vetoes too.
  const passiveVeto = (['presentation', 'deepfake'] as const).some((name) => checks[name]?.status === 'fail');
  const vetoed = vetoes.length > 0 || passiveVeto;
  const score = vetoed ? Math.min(raw, threshold / 2) : raw;
  const passed = !vetoed && score >= threshold;
  if (!vetoed && !passed) reasons.push('score-below-threshold');
  return { passed, score, reasons, hints: passed ? [] : attemptHints(reasons) };
}

/**
 * What a visitor who failed may be told: enough to do better (face the camera, follow the prompts, stay in
 * the screen's light), never which model judged what, which would help a forger tune.
 */
export function attemptHints(reasons: readonly string[]): LivenessHint[] {
  const hints = new Set<LivenessHint>();
  for (const reason of reasons) {
    if (/^(?:face-not-present|several-faces|identity-|frame-undecodable)/.test(reason)) hints.add('face-not-found');
    else if (/^(?:prompt-|blink-|smile-|open-mouth-|turn-|look-up-|not-at-rest)/.test(reason))
      hints.add('prompts-missed');
    else if (reason.startsWith('flash-')) hints.add('flash-not-reflected');
    else if (/^(?:frame|frames|attempt-bytes)/.test(reason)) hints.add('evidence-invalid');
  }
  if (hints.size === 0) hints.add('try-again');
  return LIVENESS_HINTS.filter((hint) => hints.has(hint));
}
