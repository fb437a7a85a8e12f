/**
 * The liveness chunk's entry (widget/dist/liveness.js, loaded by the widget with a dynamic import()): shows
 * the overlay, opens the camera, loads the face landmarker from the service, guides the face into the oval,
 * plays the challenge's script and resolves with the evidence. Raw frames never leave the browser and
 * nothing is logged. The contract is widget/src/liveness-contract.ts.
 */
import type { FrameSummary, LivenessCrop, LivenessEvidence, LivenessScript } from '../../../src/protocol/liveness';
import { LIVENESS_VERSION, deriveLivenessScript } from '../../../src/protocol/liveness-script';
import type { RunLiveness, RunLivenessOptions } from '../liveness-contract';
import { LivenessCaptureError } from '../liveness-contract';
import { attachStream, openCamera, stopCamera } from './camera';
import { FrameGrabber } from './frame-grabber';
import { FaceTracker } from './landmarker';
import type { OverlayPhase } from './overlay';
import { LivenessOverlay } from './overlay';
import { overlayTextsFor } from './overlay-texts';
import type { CaptureSession } from './script-player';
import { ScriptStalled, playScript, runGuidance } from './script-player';

export { LivenessCaptureError };

/** How often the script is played when takes are spoiled; the last take plays on whatever happens. */
const MAX_SCRIPT_ATTEMPTS = 3;

export const runLiveness: RunLiveness = async (options) => {
  if (options.signal.aborted) throw new LivenessCaptureError('capture-cancelled');
  // The script comes from the nonce, never from the service's copy of it (docs/liveness.md).
  const script = deriveLivenessScript(options.challenge.nonce);
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
    options.onPhase?.(next);
  };
  // The 11 MB of WebAssembly load while the visitor reads the intro.
  const trackerLoading = FaceTracker.load(options.serviceBase);
  trackerLoading.catch(() => undefined);
  let stream: MediaStream | null = null;
  try {
    phase('intro');
    await untilAborted(startClicked, cancel.signal);
    phase('camera');
    stream = await untilAborted(openCamera(), cancel.signal, stopCamera);
    await untilAborted(attachStream(overlay.video, stream), cancel.signal);
    const tracker = await untilAborted(trackerLoading, cancel.signal);
    const session = { video: overlay.video, tracker, grabber: new FrameGrabber(overlay.video), overlay };
    const { frames, crops } = await guideAndPlay({ ...session, signal: cancel.signal }, script, phase);
    phase('done');
    const evidence: LivenessEvidence = { version: LIVENESS_VERSION, nonce: script.nonce, frames, crops };
    return evidence;
  } catch (error) {
    throw error instanceof LivenessCaptureError ? error : new LivenessCaptureError('camera-failed');
  } finally {
    options.signal.removeEventListener('abort', onAbort);
    stopCamera(stream);
    overlay.remove();
    // Whether it was used, is still loading or failed: the landmarker's WebAssembly memory is freed.
    trackerLoading.then((tracker) => tracker.close()).catch(() => undefined);
  }
};

/** A spoiled take (a hidden tab, a stall, the face gone) is played again, a few times, from the guidance. */
async function guideAndPlay(
  session: CaptureSession,
  script: LivenessScript,
  phase: (next: OverlayPhase) => void,
): Promise<{ frames: FrameSummary[]; crops: LivenessCrop[] }> {
  for (let attempt = 1; ; attempt++) {
    phase('guidance');
    await runGuidance(session);
    phase('script');
    try {
      return await playScript({ ...session, restartOnStall: attempt < MAX_SCRIPT_ATTEMPTS }, script);
    } catch (error) {
      if (!(error instanceof ScriptStalled)) throw error;
    }
  }
}

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
