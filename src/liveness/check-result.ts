/** What every liveness check returns: a score only when it could judge, and reason codes either way. */
export type CheckStatus = 'pass' | 'fail' | 'unavailable';

export interface CheckResult {
  /** 0..1, higher = more likely a live, present, cooperating person; null when the check could not run. */
  score: number | null;
  status: CheckStatus;
  reasons: string[];
}

export const unavailable = (reason: string): CheckResult => ({ score: null, status: 'unavailable', reasons: [reason] });

export const clamp01 = (value: number): number => Math.min(1, Math.max(0, value));
