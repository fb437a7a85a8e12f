/**
 * The liveness step of a challenge: which level a request gets and what the widget is told about liveness.
 * Plain functions; ChallengesService runs them.
 */
import { ForbiddenError } from '../common/domain-error';
import { MAX_ATTEMPTS } from '../liveness/attempts/liveness-attempts.service';
import type { LivenessChallengeDto } from '../protocol/challenge-wire';
import { LIVENESS_PLAN_VERSION } from '../protocol/liveness-plan';
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

/**
 * What a liveness challenge tells the widget: v2 reveals the plan step by step during an attempt
 * (`POST /api/v1/challenges/:id/liveness`): nothing about the plan is known before an attempt starts.
 */
export function livenessChallenge(site: SiteEntity): LivenessChallengeDto {
  return {
    version: LIVENESS_PLAN_VERSION,
    maxAttempts: MAX_ATTEMPTS,
    fallback: site.livenessFallback,
  };
}
