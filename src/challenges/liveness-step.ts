/**
 * The liveness step of a challenge: which level a request gets, what the widget is told about the script,
 * and which coarse hints a failed attempt shows the visitor. Plain functions; ChallengesService runs them.
 */
import { ForbiddenError } from '../common/domain-error';
import type { LivenessChallengeDto, LivenessHint } from '../protocol/challenge-wire';
import { LIVENESS_HINTS } from '../protocol/challenge-wire';
import { deriveLivenessScript } from '../protocol/liveness';
import type { SiteEntity, VerificationLevel } from '../sites/site.entity';

/**
 * The level a challenge request gets: the site's own, a stronger one when asked for, and `compute` on a
 * liveness site only where the site allows camera-less visitors (the token then says `compute`).
 */
export function chooseLevel(site: SiteEntity, requested: VerificationLevel | undefined): VerificationLevel {
  if (requested === undefined) return site.level;
  if (requested === 'liveness' || site.level === 'compute' || site.livenessFallback) return requested;
  throw new ForbiddenError('level-not-allowed', 'This site requires the liveness level; it allows no fallback');
}

export function livenessChallenge(site: SiteEntity, seed: string): LivenessChallengeDto {
  return { nonce: seed, script: deriveLivenessScript(seed), fallback: site.livenessFallback };
}

const FACE_REASONS = new Set([
  'no-face-in-crop',
  'several-faces-in-crop',
  'face-box-mismatch',
  'no-face-to-judge',
  'too-few-lit-crops-with-a-face',
]);
const PROMPT_REASON = /^(?:[a-z-]+-(?:missing|not-at-rest-before)|prompts-out-of-order)$/;
const EVIDENCE_REASON =
  /^(?:evidence-malformed|nonce-mismatch|duration-implausible|timestamps-not-increasing|crop-.+|frames?-.+)$/;

/**
 * What the widget may tell a visitor who failed: enough to do better next time (face the camera, follow
 * the prompts, stay in the screen's light), never which model judged what, which would help a forger tune.
 */
export function livenessHints(reasons: readonly string[]): LivenessHint[] {
  const hints = new Set<LivenessHint>();
  for (const reason of reasons) {
    if (FACE_REASONS.has(reason)) hints.add('face-not-found');
    else if (PROMPT_REASON.test(reason)) hints.add('prompts-missed');
    else if (reason.startsWith('flash-')) hints.add('flash-not-reflected');
    else if (EVIDENCE_REASON.test(reason)) hints.add('evidence-invalid');
  }
  if (hints.size === 0) hints.add('try-again');
  return LIVENESS_HINTS.filter((hint) => hints.has(hint));
}
