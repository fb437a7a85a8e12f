/**
 * When each of the script's crops is taken. Called on every animation frame with the face's latest box (a
 * few tens of milliseconds old: a face moves little in that time), it takes a capture on the frame nearest
 * its time: the first at or after it, or the last one before it when that is nearer (a slow device, a busy
 * main thread). Pure apart from the grabber it is given, so the timing rules are unit-tested.
 */
import type { FaceBox, LivenessCrop, ScriptCapture } from '../../../src/protocol/liveness';
import { EVIDENCE_LIMITS } from '../../../src/protocol/liveness-script';

/** A crop is taken at most this far from its scripted time, as the service's structure check allows. */
export const CAPTURE_TOLERANCE_MS = EVIDENCE_LIMITS.captureToleranceMs;

/** Draws a crop of the current frame (cheap), and encodes one that was kept (a JPEG: dearer). */
export interface CropGrabber<Grabbed extends { t: number }> {
  grab(face: FaceBox, t: number): Grabbed;
  encode(grabbed: Grabbed, flashIndex: number | null): LivenessCrop;
}

export class CaptureSchedule<Grabbed extends { t: number }> {
  private readonly pending: ScriptCapture[];
  private candidate: Grabbed | null = null;

  constructor(
    captures: readonly ScriptCapture[],
    private readonly grabber: CropGrabber<Grabbed>,
  ) {
    this.pending = [...captures];
  }

  /** Called every animation frame at `t` with the face's latest box (null: none yet); returns finished crops. */
  onTick(t: number, face: FaceBox | null): LivenessCrop[] {
    const capture = this.pending[0];
    if (!capture || !face) return [];
    if (t < capture.t) {
      if (t >= capture.t - CAPTURE_TOLERANCE_MS) this.candidate = this.grabber.grab(face, t);
      return [];
    }
    const earlier = this.candidate;
    const grabbed = earlier && capture.t - earlier.t < t - capture.t ? earlier : this.grabber.grab(face, t);
    this.pending.shift();
    this.candidate = null;
    // One late frame may be due for the next capture as well.
    return [this.grabber.encode(grabbed, capture.flashIndex), ...this.onTick(t, face)];
  }
}
