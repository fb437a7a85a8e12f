/**
 * What an attempt keeps between its steps: derived numbers only. The rest step's measures and identity
 * descriptor are the references later steps are compared with; both are dropped when the attempt ends.
 */
import type { CheckResult } from '../check-result';
import type { FaceMeasures } from '../analysis/face-analyzer';

export const ATTEMPT_CHECKS = [
  'face',
  'identity',
  'prompts',
  'flash',
  'continuity',
  'presentation',
  'deepfake',
] as const;
export type AttemptCheckName = (typeof ATTEMPT_CHECKS)[number];

export interface AttemptState {
  /** Median measures of the rest step (the baseline prompts are judged from). */
  baseline: FaceMeasures | null;
  /** Mean identity descriptor of the rest step (L2-normalised), as plain numbers. */
  identity: number[] | null;
  /** Each check's result so far, merged over the steps that ran it. */
  checks: Partial<Record<AttemptCheckName, CheckResult>>;
}

export const EMPTY_STATE: AttemptState = { baseline: null, identity: null, checks: {} };

/** A check run on several steps: any failure fails it, else any `unavailable` leaves it so; lowest score. */
export function mergeCheck(a: CheckResult | undefined, b: CheckResult): CheckResult {
  if (!a) return b;
  const status = a.status === 'fail' || b.status === 'fail' ? 'fail' : a.status === 'unavailable' ? a.status : b.status;
  const scores = [a.score, b.score].filter((score): score is number => score !== null);
  return {
    status,
    score: status === 'unavailable' ? null : scores.length > 0 ? Math.min(...scores) : null,
    reasons: [...new Set([...a.reasons, ...b.reasons])],
  };
}

export function mergeChecks(
  state: AttemptState,
  results: Partial<Record<AttemptCheckName, CheckResult>>,
): AttemptState {
  const checks = { ...state.checks };
  for (const [name, result] of Object.entries(results) as [AttemptCheckName, CheckResult][]) {
    checks[name] = mergeCheck(checks[name], result);
  }
  return { ...state, checks };
}
