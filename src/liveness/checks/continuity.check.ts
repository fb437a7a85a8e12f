/**
 * Placeholder until the continuity check lands: the face's box and appearance must change smoothly from
 * frame to frame. It reports `unavailable`, which fails the attempt (a required check).
 */
import type { AnalysedFrame } from '../analysis/face-analyzer';
import type { CheckResult } from '../check-result';
import { unavailable } from '../check-result';

export function checkContinuity(frames: AnalysedFrame[]): CheckResult {
  void frames;
  return unavailable('flash-check-pending');
}
