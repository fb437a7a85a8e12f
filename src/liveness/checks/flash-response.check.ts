/**
 * Placeholder until the flash-physics check lands: the flash step's response, frame by frame. It reports
 * `unavailable`, and the attempt verdict treats a required check that could not run as a failure, so no
 * attempt passes without it.
 */
import type { FlashStep } from '../../protocol/liveness-plan';
import type { AnalysedFrame } from '../analysis/face-analyzer';
import type { CheckResult } from '../check-result';
import { unavailable } from '../check-result';

export function checkFlashResponse(frames: AnalysedFrame[], step: FlashStep): CheckResult {
  void frames;
  void step;
  return unavailable('flash-check-pending');
}
