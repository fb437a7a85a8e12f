/**
 * The capture's loops over video frames: the guidance until the face has been steady in the oval, then one
 * attempt of liveness v2, step by step as the service reveals them (docs/liveness.md). Each step is
 * shown on its own clock (ms since its reveal arrived), its frames are cropped, encoded and MACed while it
 * plays, and handed in when it ends; the answer reveals the next step, until `done`.
 *
 * The landmarker's results drive the guidance and where the crop is cut, nothing else: the service measures
 * poses and expressions in the pixels itself.
 */
import type { LivenessHint } from '../../../src/protocol/challenge-wire';
import type { FaceBox } from '../../../src/protocol/liveness-plan';
import type { FlashStep, PlanStep } from '../../../src/protocol/liveness-plan';
import { FRAME_LIMITS, flashWindows } from '../../../src/protocol/liveness-plan';
import type { GuidanceHint } from '../liveness-contract';
import { LivenessCaptureError } from '../liveness-contract';
import type { AttemptClient, WireFrame } from './attempt-client';
import type { FrameGrabber } from './frame-grabber';
import { frameMac, importStepKey, toBase64 } from './frame-mac';
import { landmarkBox } from './frame-summary';
import { SteadyGate, decideGuidance } from './guidance';
import type { FaceTracker } from './landmarker';
import type { LivenessOverlay } from './overlay';
import type { ShownFrame, VideoFrameClock } from './video-frames';
import { CropSchedule, FRAME_INTERVAL_MS } from './crop-schedule';

/**
 * During a step a detection runs between two frames only when it should end before the next frame is due
 * (plus this slack). A detection blocks the main thread: ~50 ms on a laptop, but 180–480 ms on 2 shared
 * cores under load, where running it on every animation frame gave ~7 frames/s and gaps past the plan's
 * 250 ms. A fast device keeps its guidance at 15+ detections a second; a slow one detects only when
 * STEP_DETECT_FALLBACK_MS have passed without one, so the face-lost hint still appears. The crop (four
 * face sides, usually clamped to the frame's height) has room for the head's movement in between.
 *
 * None runs during the flash step, whose colours must be painted on time: a detection holds back the
 * animation frame that paints the next colour (browser suite: a colour painted ~200 ms late failed the flash
 * check), and the box from the step before still frames a visitor who faces the screen.
 */
const DETECT_SLACK_MS = 60;
const STEP_DETECT_FALLBACK_MS = 2000;
/** A detection slower than this never runs during a step, fallback or not: it alone would break the gap limit. */
const MAX_STEP_DETECT_MS = FRAME_LIMITS.maxGapMs - 100;
/**
 * After a prompt step the frames are handed in this long after its end, so the next step (revealed by the
 * answer) starts once the visitor has looked back at the screen: a person comes back from a turn or a look-up
 * ~0.3–0.4 s after the prompt goes and takes ~0.45 s to do it. Once the service answered a step in well under
 * a second, the next step often began with the visitor still turned or looking up: in four browser runs, every
 * identity reject of the cooperative visitor and 6 of its 10 flash-step rejects began that way.
 */
export const PROMPT_SETTLE_MS = 800;

/** A running estimate of how long a detection blocks the main thread, ms; the guidance's runs seed it. */
export class DetectionCost {
  private estimate = 60;

  measure<T>(run: () => T): T {
    const start = performance.now();
    const result = run();
    // Rises at once after a slow detection, falls slowly: one quick run on a busy machine proves little.
    const spent = performance.now() - start;
    this.estimate = spent > this.estimate ? spent : 0.8 * this.estimate + 0.2 * spent;
    return result;
  }

  /** Whether a detection started `sinceFrame` ms after the last frame would end in time for the next. */
  fits(sinceFrame: number): boolean {
    return sinceFrame + this.estimate <= FRAME_INTERVAL_MS + DETECT_SLACK_MS;
  }

  /** Whether the overdue detection (none for STEP_DETECT_FALLBACK_MS) may run at all. */
  affordable(): boolean {
    return this.estimate <= MAX_STEP_DETECT_MS;
  }
}

export interface CaptureSession {
  video: HTMLVideoElement;
  tracker: FaceTracker;
  grabber: FrameGrabber;
  overlay: LivenessOverlay;
  signal: AbortSignal;
  /** How long detections take on this device, measured in the guidance and during steps. */
  cost: DetectionCost;
  /** Which camera frame the video shows, where the browser tells. */
  frames: VideoFrameClock;
}

/** Resolves with the face's box once the face has been `ok` for the guidance's steady time. */
export async function runGuidance(session: CaptureSession): Promise<FaceBox> {
  const gate = new SteadyGate();
  for (;;) {
    const now = await animationFrame(session.signal);
    const boxes = session.cost.measure(() => faceBoxes(session, now));
    const luma = boxes.length === 1 ? session.grabber.faceLuma(boxes[0]) : null;
    const hint = decideGuidance(boxes, luma);
    session.overlay.showGuidance(hint);
    if (gate.update(hint, now)) return boxes[0];
  }
}

export interface AttemptResult {
  attempt: string;
  passed: boolean;
  hints: LivenessHint[];
}

/** One attempt: starts it, plays every revealed step and hands in its frames, until the service says `done`. */
export async function runAttempt(
  session: CaptureSession,
  client: AttemptClient,
  face: FaceBox,
): Promise<AttemptResult> {
  session.grabber.resetBudget();
  await session.grabber.warmUp(face);
  let answer = await client.start(session.signal);
  const tracking = { face, nextIndex: 0, cost: session.cost };
  while (answer.step.kind !== 'done') {
    const step = answer.step;
    const frames = await playStep(session, step, answer.attempt, tracking);
    session.overlay.showStep(null);
    if (step.kind === 'prompt') await pause(PROMPT_SETTLE_MS, session.signal);
    answer = await client.submit(answer.attempt, step.index, frames, session.signal);
  }
  session.overlay.showStep(null);
  return { attempt: answer.attempt, passed: answer.verdict?.passed === true, hints: answer.verdict?.hints ?? [] };
}

/**
 * Shows `step` for its duration and captures its frames at ~10 per second. `tracking` carries the face's
 * latest box and the next frame index across steps (indices rise across the whole attempt).
 *
 * The step's clock starts at the first animation frame after its reveal, not when the reveal arrived: a
 * device that stalls meanwhile (a busy main thread, a collection) would otherwise miss the step's start by
 * the stall (`frames-miss-step-start` at 628 and 806 ms in the browser suite). The service's own clock,
 * which allows the step's duration plus 4 s for the frames to arrive, absorbs the shift.
 */
export async function playStep(
  session: CaptureSession,
  step: PlanStep & { key: string },
  attempt: string,
  tracking: { face: FaceBox; nextIndex: number; cost: DetectionCost },
): Promise<WireFrame[]> {
  const { overlay, grabber, signal } = session;
  const keying = importStepKey(step.key);
  await animationFrame(signal);
  const revealedAt = performance.now();
  const pending: Promise<WireFrame | null>[] = [];
  const schedule = new CropSchedule();
  // The face's box from the guidance or the previous step is fresh.
  let lastDetect = performance.now();
  overlay.showStep(step.kind);
  if (step.kind === 'prompt') overlay.showPrompt(step.action);
  const capture = (t: number, shown: ShownFrame | null) => {
    const canvas = grabber.grab(tracking.face);
    const i = tracking.nextIndex++;
    pending.push(sealFrame(grabber, canvas, keying, { attempt, step: step.index, i, t }));
    schedule.taken(t, shown?.serial ?? null);
  };
  for (;;) {
    const now = await animationFrame(signal);
    // The frame first, before the slower detection.
    const sinceReveal = Math.round(performance.now() - revealedAt);
    const shown = session.frames.current();
    const onStepClock = shown && { ...shown, at: shown.presentedAt - revealedAt };
    if (now - revealedAt > step.durationMs) {
      // A late animation frame (a stalled device) still gives the step its frame near the end.
      if (schedule.last < step.durationMs - FRAME_INTERVAL_MS) {
        const t = schedule.next(onStepClock, sinceReveal, true);
        if (t !== null && t <= step.durationMs + FRAME_LIMITS.overrunMs) capture(t, shown);
      }
      break;
    }
    if (step.kind === 'flashes') overlay.showFlash(flashAt(step, now - revealedAt));
    const t = schedule.next(onStepClock, sinceReveal);
    // Never both in one animation frame: the detection's time then falls between two frames, not before one.
    if (t !== null) capture(t, shown);
    else if (
      step.kind !== 'flashes' &&
      (tracking.cost.fits(sinceReveal - schedule.last) ||
        (now - lastDetect >= STEP_DETECT_FALLBACK_MS && tracking.cost.affordable()))
    ) {
      lastDetect = now;
      const boxes = tracking.cost.measure(() => faceBoxes(session, now));
      if (boxes.length === 1) tracking.face = boxes[0];
      overlay.showStepGuidance(stepHint(decideGuidance(boxes, null)));
    }
  }
  overlay.showFlash(null);
  overlay.showStepGuidance(null);
  const frames = (await Promise.all(pending)).filter((frame): frame is WireFrame => frame !== null);
  if (frames.length === 0) throw new LivenessCaptureError('face-lost');
  return frames;
}

async function sealFrame(
  grabber: FrameGrabber,
  canvas: HTMLCanvasElement,
  keying: Promise<CryptoKey>,
  at: { attempt: string; step: number; i: number; t: number },
): Promise<WireFrame | null> {
  const jpeg = await grabber.encode(canvas);
  if (!jpeg) return null;
  const mac = await frameMac(await keying, { ...at, jpeg });
  return { i: at.i, t: at.t, jpeg: toBase64(jpeg), mac };
}

/** The colour lit at `t` on the step's clock: unlit for leadMs, the colours back to back, unlit after. */
export function flashAt(step: FlashStep, t: number): readonly [number, number, number] | null {
  const lit = flashWindows(step).findIndex((window) => t >= window.start && t < window.end);
  return lit >= 0 ? step.flashes[lit].rgb : null;
}

/** During a step only what the visitor can fix is said: a turned head is off-centre on purpose. */
function stepHint(hint: GuidanceHint): GuidanceHint | null {
  return hint === 'no-face' || hint === 'several-faces' || hint === 'too-far' || hint === 'too-close' ? hint : null;
}

function faceBoxes(session: CaptureSession, now: number): FaceBox[] {
  return session.tracker
    .detect(session.video, now)
    .map((face) => landmarkBox(face.landmarks))
    .filter((box): box is FaceBox => box !== null);
}

/** The next animation frame's time (performance.now() clock); rejects with `capture-cancelled` on abort. */
/** Waits `ms` on animation frames (so a cancel ends it at once). */
async function pause(ms: number, signal: AbortSignal): Promise<void> {
  const start = performance.now();
  while ((await animationFrame(signal)) - start < ms);
}

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
