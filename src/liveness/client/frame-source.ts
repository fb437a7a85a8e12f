/**
 * Liveness v2: what feeds the reference client (src/liveness/client/) with frames. The client runs the
 * attempt over HTTP (reveal, MACs, posting); a source only decides what the camera would show during a
 * revealed step. The widget's camera, the test visitors and every attack in the attack kit are sources.
 */
import type { PlanStep } from '../../protocol/liveness-plan';

/** One captured frame: `t` in ms on the step's clock (since the reveal reached the client), a baseline JPEG. */
export interface CapturedFrame {
  t: number;
  jpeg: Uint8Array;
}

export interface StepContext {
  /** The attempt id and the number of the attempt within the challenge (0-based). */
  attempt: string;
  attemptNumber: number;
  challengeId: string;
}

export interface FrameSource {
  /**
   * The frames of one revealed step, in time order. A live source takes about `step.durationMs` of wall time;
   * an offline source may answer at once (the client then waits until the step's server-side window opens).
   */
  capture(step: PlanStep, context: StepContext): Promise<CapturedFrame[]>;
}
