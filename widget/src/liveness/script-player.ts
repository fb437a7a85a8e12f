/**
 * The capture's two loops over video frames: the guidance until the face has been steady in the oval, then
 * the script (prompts, flashes, a frame summary per processed frame, the crops at the script's capture
 * times). One animation-frame loop each, so the screen and the detection stay in step.
 */
import type { FaceBox, FrameSummary, LivenessCrop, LivenessScript } from '../../../src/protocol/liveness';
import { EVIDENCE_LIMITS, SCRIPT_TIMING } from '../../../src/protocol/liveness-script';
import { LivenessCaptureError } from '../liveness-contract';
import { CaptureSchedule } from './capture-schedule';
import type { FrameGrabber } from './frame-grabber';
import type { FaceObservation } from './frame-summary';
import { landmarkBox, summariseFrame } from './frame-summary';
import { SteadyGate, decideGuidance } from './guidance';
import type { FaceTracker } from './landmarker';
import type { LivenessOverlay } from './overlay';

/** At most ~30 summaries a second: well inside the evidence's 60 fps and 600-frame limits on a long script. */
const MIN_FRAME_INTERVAL_MS = 33;

/**
 * While the screen flashes the head holds still, so the face is detected only this often. A detection
 * blocks the main thread for tens of milliseconds on a slow device: run on every frame it delays each
 * colour's paint, and the camera frame that shows it, past the colour's crop, which then shows the previous
 * colour. Not much longer: with one stalled frame on top it must stay within the evidence's 400 ms gap.
 */
const FLASH_FRAME_INTERVAL_MS = 150;

/**
 * The take is spoiled: the tab was hidden, the device stalled or the face left the frame, so the frame
 * summaries have a longer gap, or a crop missed its moment by more, than the service's structure check
 * accepts (EVIDENCE_LIMITS). Rather than send evidence sure to fail, the script is played again from the
 * guidance.
 */
export class ScriptStalled extends Error {
  constructor() {
    super('script-stalled');
    this.name = 'ScriptStalled';
  }
}

export interface CaptureSession {
  video: HTMLVideoElement;
  tracker: FaceTracker;
  grabber: FrameGrabber;
  overlay: LivenessOverlay;
  signal: AbortSignal;
  /** Whether a spoiled take restarts the script (false: play on, and let the service judge it). */
  restartOnStall?: boolean;
}

/** Resolves once the face has been `ok` for the guidance's steady time. */
export async function runGuidance(session: CaptureSession): Promise<void> {
  const gate = new SteadyGate();
  for (;;) {
    const now = await animationFrame(session.signal);
    const faces = session.tracker.detect(session.video, now);
    const boxes = faces.map((face) => landmarkBox(face.landmarks)).filter((box): box is FaceBox => box !== null);
    const luma = boxes.length === 1 ? session.grabber.faceLuma(boxes[0]) : null;
    const hint = decideGuidance(boxes, luma);
    session.overlay.showGuidance(hint);
    if (gate.update(hint, now)) return;
  }
}

export async function playScript(
  session: CaptureSession,
  script: LivenessScript,
): Promise<{ frames: FrameSummary[]; crops: LivenessCrop[] }> {
  const { overlay, tracker, grabber, video, signal } = session;
  const frames: FrameSummary[] = [];
  const crops: LivenessCrop[] = [];
  const captures = new CaptureSchedule(script.captures, grabber);
  let lastFace: FaceBox | null = null;
  const start = await animationFrame(signal);
  for (let now = start; now - start <= script.durationMs; now = await animationFrame(signal)) {
    const t = now - start;
    showTimeline(overlay, script, t);
    // Every animation frame, before the slower detection: a crop's time depends on the screen's pace only.
    crops.push(...captures.onTick(t, lastFace));
    const last = frames.at(-1);
    if (session.restartOnStall && isSpoiled(script, crops, last, t)) {
      overlay.showFlash(null);
      overlay.showPrompt(null);
      throw new ScriptStalled();
    }
    if (last && t - last.t < (isFlashing(script, t) ? FLASH_FRAME_INTERVAL_MS : MIN_FRAME_INTERVAL_MS)) continue;
    const face = singleFace(tracker.detect(video, now));
    const summary = face && summariseFrame(t, face);
    if (summary && frames.length < EVIDENCE_LIMITS.maxFrames && (!last || summary.t > last.t)) {
      frames.push(summary);
    }
    if (summary) lastFace = summary.box;
  }
  overlay.showFlash(null);
  overlay.showPrompt(null);
  if (frames.length < EVIDENCE_LIMITS.minFrames || crops.length !== script.captures.length) {
    throw new LivenessCaptureError('face-lost');
  }
  return { frames, crops };
}

/** Whether the take already breaks a timing rule of the evidence: the last summary too old, or a crop off time. */
export function isSpoiled(
  script: LivenessScript,
  crops: readonly LivenessCrop[],
  lastFrame: FrameSummary | undefined,
  t: number,
): boolean {
  if (lastFrame && t - lastFrame.t > EVIDENCE_LIMITS.maxFrameGapMs) return true;
  return crops.some((crop, i) => Math.abs(crop.t - script.captures[i].t) > EVIDENCE_LIMITS.captureToleranceMs);
}

/** With two faces in view the summary could follow either: such frames are left out. */
function singleFace(faces: FaceObservation[]): FaceObservation | null {
  return faces.length === 1 ? faces[0] : null;
}

/** From the hold-still lead-in before the first flash to the last capture, which follows the flashes. */
function isFlashing(script: LivenessScript, t: number): boolean {
  const first = script.flashes[0];
  const lastCapture = script.captures.at(-1);
  return !!first && !!lastCapture && t >= first.start - SCRIPT_TIMING.flashLeadIn && t <= lastCapture.t;
}

function showTimeline(overlay: LivenessOverlay, script: LivenessScript, t: number): void {
  const prompt = script.prompts.find((p) => t >= p.start && t < p.end);
  const flash = script.flashes.find((f) => t >= f.start && t < f.end);
  const flashing = script.flashes.length > 0 && t >= script.flashes[0].start - 500;
  overlay.showPrompt(prompt?.action ?? null, !prompt && flashing);
  overlay.showFlash(flash?.rgb ?? null);
}

/** The next animation frame's time (performance.now() clock); rejects with `capture-cancelled` on abort. */
function animationFrame(signal: AbortSignal): Promise<number> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(new LivenessCaptureError('capture-cancelled'));
      return;
    }
    const onAbort = () => {
      cancelAnimationFrame(id);
      reject(new LivenessCaptureError('capture-cancelled'));
    };
    const id = requestAnimationFrame((now) => {
      signal.removeEventListener('abort', onAbort);
      resolve(now);
    });
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
