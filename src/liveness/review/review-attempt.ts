/**
 * A liveness review's verdict: the attempt's analysed steps run again, in order, through the same
 * StepAnalyser and verdict the service ran step by step (liveness-attempts.service.ts), with the review's
 * settings. The state goes through JSON between steps, as the service's goes through its database, so a
 * peer reaches the service's numbers exactly when its models and code are the same.
 */
import type { LivenessReviewSettings, SealedAttempt } from '../../protocol/liveness-review';
import { deriveAttemptPlan } from '../../protocol/liveness-plan';
import type { StepAnalyser } from '../analysis/step-analyser';
import type { AttemptState } from '../attempts/attempt-state';
import { EMPTY_STATE, mergeChecks } from '../attempts/attempt-state';
import type { AttemptVerdict } from '../attempts/attempt-verdict';
import { attemptVerdict } from '../attempts/attempt-verdict';
import type { CheckedFrame } from '../attempts/frame-structure';

/** Evidence whose steps do not follow the attempt's plan from its first step. */
export class ReviewEvidenceError extends Error {
  readonly code = 'review-evidence-invalid';
}

export async function reviewAttempt(
  analyser: StepAnalyser,
  attempt: SealedAttempt,
  settings: Pick<LivenessReviewSettings, 'threshold' | 'endOnFailure'>,
): Promise<AttemptVerdict> {
  const plan = deriveAttemptPlan(attempt.seed);
  let state: AttemptState = EMPTY_STATE;
  for (const [position, kept] of attempt.steps.entries()) {
    const step = plan[kept.index];
    if (kept.index !== position || !step) throw new ReviewEvidenceError(`step ${kept.index} out of the plan's order`);
    const frames: CheckedFrame[] = kept.frames.map((frame) => ({
      i: frame.i,
      t: frame.t,
      width: frame.width,
      height: frame.height,
      jpeg: Buffer.from(frame.jpeg, 'base64'),
    }));
    const analysis = await analyser.analyse(step, frames, state, plan);
    state = JSON.parse(JSON.stringify(mergeChecks(analysis.state, analysis.checks))) as AttemptState;
    if (analysis.failed && settings.endOnFailure) break;
  }
  return attemptVerdict(state, settings.threshold);
}
