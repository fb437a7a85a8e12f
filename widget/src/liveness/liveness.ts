/**
 * The liveness chunk's entry (widget/dist/liveness.js, loaded by the widget with a dynamic import()): shows
 * the overlay, opens the camera, loads the face landmarker from the service, guides the face into the oval
 * and plays attempts of liveness v2 over the step route until one passes, the service allows no more, or
 * the visitor cancels. Face frames leave the page only as the attempt's JPEG frames to the service; nothing
 * is logged. The contract is widget/src/liveness-contract.ts.
 */
import type { RunLiveness, RunLivenessOptions } from '../liveness-contract';
import { LivenessCaptureError, LivenessServiceError } from '../liveness-contract';
import { AttemptClient } from './attempt-client';
import { attachStream, openCamera, stopCamera } from './camera';
import { FrameGrabber } from './frame-grabber';
import { FaceTracker } from './landmarker';
import type { OverlayPhase } from './overlay';
import { LivenessOverlay } from './overlay';
import { overlayTextsFor } from './overlay-texts';
import { DetectionCost, runAttempt, runGuidance } from './step-player';
import { VideoFrameClock } from './video-frames';

export { LivenessCaptureError, LivenessServiceError };

/** The service's default (docs/liveness.md); the challenge says its own. */
const DEFAULT_MAX_ATTEMPTS = 3;

export const runLiveness: RunLiveness = async (options) => {
  if (options.signal.aborted) throw new LivenessCaptureError('capture-cancelled');
  const cancel = new AbortController();
  const onAbort = () => cancel.abort();
  options.signal.addEventListener('abort', onAbort, { once: true });
  let started!: () => void;
  const startClicked = new Promise<void>((resolve) => (started = resolve));
  const overlay = new LivenessOverlay(overlayTextsFor(options.language), options.language, {
    start: () => started(),
    cancel: onAbort,
  });
  const phase = (next: OverlayPhase) => {
    overlay.setPhase(next);
    if (next !== 'retry') options.onPhase?.(next);
  };
  // The 11 MB of WebAssembly load while the visitor reads the intro.
  const trackerLoading = FaceTracker.load(options.serviceBase);
  trackerLoading.catch(() => undefined);
  let stream: MediaStream | null = null;
  let frames: VideoFrameClock | null = null;
  try {
    phase('intro');
    await untilAborted(startClicked, cancel.signal);
    phase('camera');
    stream = await untilAborted(openCamera(), cancel.signal, stopCamera);
    await untilAborted(attachStream(overlay.video, stream), cancel.signal);
    const tracker = await untilAborted(trackerLoading, cancel.signal);
    const grabber = new FrameGrabber(overlay.video);
    frames = new VideoFrameClock(overlay.video);
    const session = { video: overlay.video, tracker, grabber, overlay, cost: new DetectionCost(), frames };
    const client = new AttemptClient(options.serviceBase, options.challengeId);
    const maxAttempts = options.liveness.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    for (let number = 1; ; number++) {
      phase('guidance');
      const face = await runGuidance({ ...session, signal: cancel.signal });
      phase('script');
      const result = await untilAborted(runAttempt({ ...session, signal: cancel.signal }, client, face), cancel.signal);
      if (result.passed) {
        phase('done');
        return { attempt: result.attempt };
      }
      // The service counts attempts too; this only spares the visitor a Retry it would refuse.
      if (number >= maxAttempts) throw new LivenessServiceError('liveness-failed', result.hints);
      await untilAborted(overlay.offerRetry(options.verdictTexts, result.hints), cancel.signal);
    }
  } catch (error) {
    if (cancel.signal.aborted) throw new LivenessCaptureError('capture-cancelled');
    if (error instanceof LivenessCaptureError || error instanceof LivenessServiceError) throw error;
    throw new LivenessCaptureError('camera-failed', String(error));
  } finally {
    options.signal.removeEventListener('abort', onAbort);
    frames?.stop();
    stopCamera(stream);
    overlay.remove();
    // Whether it was used, is still loading or failed: the landmarker's WebAssembly memory is freed.
    trackerLoading.then((tracker) => tracker.close()).catch(() => undefined);
  }
};

/**
 * Races `promise` against the abort signal: rejects with `capture-cancelled` on abort, and hands a value that
 * arrives too late to `discard` (a camera stream opened after the visitor cancelled is stopped at once).
 */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal, discard?: (late: T) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new LivenessCaptureError('capture-cancelled'));
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        if (signal.aborted) discard?.(value);
        else resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

export type { RunLivenessOptions };
