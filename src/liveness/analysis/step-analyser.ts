/**
 * Analyses one step of a liveness v2 attempt after its frames passed the structural checks: decodes every
 * JPEG, runs the server's detector on every frame, and the step's checks on what it found. Frames live in
 * this call's memory only; what it returns is derived numbers and reason codes.
 */
import type { JpegAdapter } from '../../adapters/jpeg.adapter';
import type { FlashStep, PlanStep, PromptAction } from '../../protocol/liveness-plan';
import type { AttemptCheckName, AttemptState } from '../attempts/attempt-state';
import { REQUIRED_CHECKS } from '../attempts/attempt-verdict';
import type { CheckedFrame } from '../attempts/frame-structure';
import type { CheckResult } from '../check-result';
import { unavailable } from '../check-result';
import type { ActionSample } from '../checks/continuity.check';
import { checkContinuity, noseOffset } from '../checks/continuity.check';
import { checkFlashResponse, FLASH_THRESHOLDS } from '../checks/flash-response.check';
import { checkPassiveFrames } from '../checks/passive.check';
import type { MeasuredFrame } from '../checks/prompt.check';
import { checkPrompt, PROMPT_REACTION_MS, promptProgress } from '../checks/prompt.check';
import type { LivenessModelRunner } from '../liveness-models';
import { detectFaces, LIVENESS_MODELS } from '../liveness-models';
import type { PassiveConfig } from '../passive/passive-config';
import type { AnalysedFrame, FaceAnalyzer, FaceMeasures, MeasureOptions } from './face-analyzer';
import { checkFacePresent, checkIdentity, meanDescriptor } from './face-checks';

/** Landmarks cost ~70–90 ms a frame: the rest step's baseline and each prompt window use a sample. */
export const MEASURED_REST_FRAMES = 5;
export const MEASURED_PROMPT_FRAMES = 10;
/**
 * Identity descriptors (~35–60 ms each): the rest step's mean is the reference; every later step's must each
 * match it. Continuity catches a cut inside a step; attack (d), banked frames of other sessions, failed
 * identity in 29 of 30 attempts with two descriptors a step (30 with three) and continuity in all 30.
 */
export const DESCRIBED_REST_FRAMES = 3;
export const DESCRIBED_FRAMES = 2;
/**
 * Identity in a prompt step is judged on its frames that face the camera as at rest (yaw and pitch within
 * this of the baseline): face-api's descriptor of a 40° turn reads ~0.37 from the same face's frontal one,
 * beyond SAME_PERSON_BELOW (docs/liveness-analysis.md: same person max 0.40, turned against frontal).
 */
export const FRONTAL_MAX_DEGREES = 10;
/**
 * Identity in the flash step is judged on unlit frames whose pose proxy (continuity's nose offset, in
 * inter-ocular distances) is within this of the step's median: a face at rest reads ≤ 0.05 from it, while a
 * visitor still coming back from a turn or a look-up during the lead read 0.09–0.10 in the browser suite with
 * a descriptor already 0.33–0.39 from the rest step's (beyond SAME_PERSON_BELOW).
 */
export const FACING_MAX_OFFSET = 0.05;
/** Passive models on unlit frames of the flash step (the lead and the tail), as they were validated. */
export const PASSIVE_FRAMES = 3;

/** A frame is a 128–256 px square (checked in its header before this): no decoder call may allocate more. */
const FRAME_MAX_PIXELS = 256 * 256;

export interface PassiveOptions {
  enabled: boolean;
  config: PassiveConfig;
}

export interface StepAnalysis {
  checks: Partial<Record<AttemptCheckName, CheckResult>>;
  /** The state with this step's references (baseline, identity) added. */
  state: AttemptState;
  /** A check that decides alone failed: the attempt may end now. */
  failed: boolean;
}

export class StepAnalyser {
  constructor(
    private readonly jpeg: JpegAdapter,
    private readonly analyzer: FaceAnalyzer | null,
    private readonly runner: LivenessModelRunner,
    private readonly passive: PassiveOptions,
  ) {}

  /** `plan` is the attempt's whole plan: the rest step reads the eyes only when a blink will be asked. */
  async analyse(
    step: PlanStep,
    input: readonly CheckedFrame[],
    state: AttemptState,
    plan: readonly PlanStep[],
  ): Promise<StepAnalysis> {
    const decoded = await this.decode(input);
    if (!decoded) {
      const failed: CheckResult = { score: 0, status: 'fail', reasons: ['frame-undecodable'] };
      return { checks: { face: failed }, state, failed: true };
    }
    const frames = await this.detect(decoded);
    const checks: Partial<Record<AttemptCheckName, CheckResult>> = {};
    let next = state;
    const analyzer = this.analyzer;
    let action: ActionSample[] = [];
    if (!analyzer) {
      const pending = unavailable('face-analyzer-pending');
      Object.assign(checks, { face: pending, identity: pending, prompts: pending });
    } else {
      checks.face = checkFacePresent(frames);
      const measured = step.kind === 'prompt' ? await this.measureWindow(analyzer, frames, step.action) : null;
      const poses = measured && (await this.withFrontalPoses(analyzer, frames, measured, next.baseline));
      const describable = describableFrames(step, frames, poses, next.baseline);
      const descriptors = await this.describe(
        analyzer,
        describable,
        step.kind === 'rest' ? DESCRIBED_REST_FRAMES : DESCRIBED_FRAMES,
      );
      if (step.kind === 'rest') {
        const reference = meanDescriptor(descriptors);
        next = {
          ...next,
          identity: reference && Array.from(reference),
          baseline: await this.baseline(analyzer, frames, { eyes: plansBlink(plan) }),
        };
        checks.identity = reference ? { score: 1, status: 'pass', reasons: [] } : unavailable('identity-not-described');
        if (!next.baseline) checks.prompts = { score: 0, status: 'fail', reasons: ['prompt-no-baseline'] };
      } else {
        checks.identity = checkIdentity(descriptors, next.identity);
      }
      if (step.kind === 'prompt') {
        checks.prompts = checkPrompt(step.action, measured ?? [], next.baseline);
        action = actionSamples(step.action, measured ?? [], next.baseline);
      }
    }
    checks.continuity = checkContinuity(frames, action);
    if (step.kind === 'flashes') {
      checks.flash = checkFlashResponse(frames, step);
      Object.assign(checks, await this.passiveChecks(frames, step));
    }
    const failed = Object.entries(checks).some(
      ([name, result]) =>
        result.status === 'fail' &&
        (REQUIRED_CHECKS.includes(name as AttemptCheckName) || name === 'presentation' || name === 'deepfake'),
    );
    return { checks, state: next, failed };
  }

  /**
   * Every frame of the step, or null if any fails to decode. One at a time: decoding in parallel would take
   * no less CPU, and would take every core from whatever else runs on the machine meanwhile.
   */
  private async decode(
    input: readonly CheckedFrame[],
  ): Promise<Array<{ i: number; t: number; image: AnalysedFrame['image'] }> | null> {
    const frames = [];
    try {
      for (const frame of input) {
        frames.push({ i: frame.i, t: frame.t, image: await this.jpeg.decodeFrame(frame.jpeg, FRAME_MAX_PIXELS) });
      }
    } catch {
      return null;
    }
    return frames;
  }

  private async detect(decoded: Array<Omit<AnalysedFrame, 'face' | 'faces'>>): Promise<AnalysedFrame[]> {
    const analyzer = this.analyzer;
    if (!analyzer) return decoded.map((frame) => ({ ...frame, face: null, faces: 0 }));
    const found = await analyzer.detectAll(decoded.map((frame) => frame.image));
    return decoded.map((frame, k) => ({
      ...frame,
      face: found[k].length === 1 ? found[k][0] : null,
      faces: found[k].length,
    }));
  }

  private async describe(
    analyzer: FaceAnalyzer,
    frames: readonly AnalysedFrame[],
    count: number,
  ): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (const frame of spread(withFace(frames), count)) {
      const descriptor = await analyzer.describe(frame.image, frame.face);
      if (descriptor) out.push(descriptor);
    }
    return out;
  }

  /**
   * The median of each measure over a sample of the rest step's frames: one blink does not move it. Without
   * `eyes`, eye openness is the mesh's own (no later verdict reads it).
   */
  private async baseline(
    analyzer: FaceAnalyzer,
    frames: readonly AnalysedFrame[],
    options: MeasureOptions,
  ): Promise<FaceMeasures | null> {
    const measured = await this.measure(analyzer, spread(withFace(frames), MEASURED_REST_FRAMES), options);
    if (measured.length === 0) return null;
    const median = (key: keyof FaceMeasures) => {
      const values = measured.map((frame) => frame.measures[key]).sort((a, b) => a - b);
      return values[Math.floor(values.length / 2)];
    };
    return {
      yaw: median('yaw'),
      pitch: median('pitch'),
      roll: median('roll'),
      eyeOpenness: median('eyeOpenness'),
      mouthOpenness: median('mouthOpenness'),
      smile: median('smile'),
    };
  }

  /**
   * A blink lasts ~100–300 ms: the prompt window is sampled at every other frame at least. Only a blink's
   * verdict reads the eyes, so the other prompts skip the iris model.
   */
  private async measureWindow(
    analyzer: FaceAnalyzer,
    frames: readonly AnalysedFrame[],
    action: PromptAction,
  ): Promise<MeasuredFrame[]> {
    return this.measure(analyzer, spread(withFace(frames), MEASURED_PROMPT_FRAMES), { eyes: action === 'blink' });
  }

  /**
   * The window's measures, and when fewer than DESCRIBED_FRAMES of them face the camera as at rest, the pose of
   * every other frame as well. A visitor still turned from the previous prompt who passes through frontal on
   * the way to the next one can face the camera in none of the sampled frames (browser suite: a return from a
   * 30° turn into a look-up, frontal in 1 frame of 25); describing turned frames instead read 0.40–0.45 from
   * the rest step, a person taken for another.
   */
  private async withFrontalPoses(
    analyzer: FaceAnalyzer,
    frames: readonly AnalysedFrame[],
    measured: MeasuredFrame[],
    baseline: FaceMeasures | null | undefined,
  ): Promise<MeasuredFrame[]> {
    const others = framesToPose(frames, measured, baseline);
    if (others.length === 0) return measured;
    const more = await this.measure(analyzer, others, { eyes: false });
    return [...measured, ...more].sort((a, b) => a.t - b.t);
  }

  private async measure(
    analyzer: FaceAnalyzer,
    frames: ReadonlyArray<AnalysedFrame & { face: NonNullable<AnalysedFrame['face']> }>,
    options: MeasureOptions = {},
  ): Promise<MeasuredFrame[]> {
    const out: MeasuredFrame[] = [];
    for (const frame of frames) {
      const measures = await analyzer.measure(frame.image, frame.face, options);
      if (measures) out.push({ t: frame.t, measures });
    }
    return out;
  }

  private async passiveChecks(
    frames: readonly AnalysedFrame[],
    step: FlashStep,
  ): Promise<Partial<Record<AttemptCheckName, CheckResult>>> {
    if (!this.passive.enabled) {
      const off = unavailable('passive-checks-disabled');
      return { presentation: off, deepfake: off };
    }
    if (!this.runner.has(LIVENESS_MODELS.faceDetector)) {
      const missing = unavailable('face-detector-not-installed');
      return { presentation: missing, deepfake: missing };
    }
    const unlit = unlitFrames(frames, step);
    const picked = [];
    // The models were validated on UltraFace's boxes (passive.check.ts), so they get UltraFace's box.
    for (const frame of spread(unlit, PASSIVE_FRAMES)) {
      const [face] = await detectFaces(this.runner, frame.image);
      if (face) picked.push({ image: frame.image, face });
    }
    const verdict = await checkPassiveFrames(this.runner, picked, this.passive.config);
    const strip = ({ score, status, reasons }: CheckResult): CheckResult => ({ score, status, reasons });
    return { presentation: strip(verdict.presentation), deepfake: strip(verdict.deepfake) };
  }
}

/** The prompted action's progress on each measured frame, for continuity (none without a baseline). */
function actionSamples(
  action: PromptAction,
  measured: readonly MeasuredFrame[],
  baseline: FaceMeasures | null | undefined,
): ActionSample[] {
  return baseline
    ? measured.map((frame) => ({ t: frame.t, progress: promptProgress(action, frame.measures, baseline) }))
    : [];
}

/** Degrees by which a measured pose is turned or tilted from the baseline (the larger of yaw and pitch). */
function offAxis({ measures }: MeasuredFrame, baseline: FaceMeasures): number {
  return Math.max(Math.abs(measures.yaw - baseline.yaw), Math.abs(measures.pitch - baseline.pitch));
}

function isFrontal(frame: MeasuredFrame, baseline: FaceMeasures): boolean {
  return offAxis(frame, baseline) <= FRONTAL_MAX_DEGREES;
}

/**
 * The frames of a prompt step still to be measured so that identity has frontal frames to describe: none when
 * DESCRIBED_FRAMES of the window's measures are frontal already (or there is no baseline), else every frame
 * with a face that the window did not measure.
 */
export function framesToPose(
  frames: readonly AnalysedFrame[],
  measured: readonly MeasuredFrame[],
  baseline: FaceMeasures | null | undefined,
): Array<AnalysedFrame & { face: NonNullable<AnalysedFrame['face']> }> {
  if (!baseline || measured.filter((frame) => isFrontal(frame, baseline)).length >= DESCRIBED_FRAMES) return [];
  const seen = new Set(measured.map((frame) => frame.t));
  return withFace(frames).filter((frame) => !seen.has(frame.t));
}

/**
 * The frames whose measured pose is within FRONTAL_MAX_DEGREES of the baseline; when none is, the one closest
 * to it (all frames when nothing was measured). A visitor going from a look-up straight into a turn, or back,
 * passes frontal diagonally: in the browser suite the closest frame was 12–17° off and read 0.25–0.29 from the
 * rest step, the next closest up to 0.36 (a pitch of 16°), the turned or raised frames 0.39–0.44. A step
 * turned throughout still has only turned frames to describe, and fails as before.
 */
function frontalFrames(
  frames: readonly AnalysedFrame[],
  measured: readonly MeasuredFrame[] | null,
  baseline: FaceMeasures | null | undefined,
): readonly AnalysedFrame[] {
  if (!measured || !baseline) return frames;
  const pick = (chosen: readonly MeasuredFrame[]) => {
    const times = new Set(chosen.map((frame) => frame.t));
    return frames.filter((frame) => times.has(frame.t));
  };
  const frontal = pick(measured.filter((frame) => isFrontal(frame, baseline)));
  if (frontal.length > 0) return frontal;
  const closest = [...measured].sort((a, b) => offAxis(a, baseline) - offAxis(b, baseline)).slice(0, 1);
  return closest.length > 0 ? pick(closest) : frames;
}

/**
 * The flash step's frames before its first flash and after its last (plus `lateMs`, for the light a camera
 * shows late): a saturated colour moves the identity descriptor (one cooperative attempt in the browser suite
 * read as another person under the flashes), and the passive models were validated unlit.
 */
function unlitFrames(frames: readonly AnalysedFrame[], step: FlashStep, lateMs = 0): readonly AnalysedFrame[] {
  return frames.filter((frame) => frame.t < step.leadMs || frame.t > step.durationMs - step.tailMs + lateMs);
}

/**
 * The frames a step's identity descriptors are taken from: in the flash step, those facing the screen as most
 * of the step does, unlit if any are; in a prompt, the frontal ones (frontalFrames).
 */
export function describableFrames(
  step: PlanStep,
  frames: readonly AnalysedFrame[],
  measured: readonly MeasuredFrame[] | null,
  baseline: FaceMeasures | null | undefined,
): readonly AnalysedFrame[] {
  if (step.kind !== 'flashes') return frontalFrames(frames, measured, baseline);
  const unlit = withFace(unlitFrames(frames, step, FLASH_THRESHOLDS.onsetMaxMs));
  // Before the reaction time the visitor is still coming back from the previous prompt: after a look-up, a
  // frame whose nose offset already read as at rest was described 0.34 from the rest step (browser suite).
  const settled = unlit.filter((frame) => frame.t >= PROMPT_REACTION_MS);
  const facingUnlit = facingAsMost(settled, frames);
  if (facingUnlit.length > 0) return facingUnlit;
  // The unlit lead holds one or two settled frames: a visitor still coming back from a turn there, and
  // already moving at the end, left none facing the screen (browser suite: described 0.35–0.49 from the rest
  // step) while the lit frames facing it read 0.03–0.11. Those are described instead.
  const facingLit = facingAsMost(
    withFace(frames).filter((frame) => frame.t >= PROMPT_REACTION_MS),
    frames,
  );
  if (facingLit.length > 0) return facingLit;
  return settled.length > 0 ? settled : unlit.length > 0 ? unlit : frames;
}

/**
 * The `candidates` whose nose offset is within FACING_MAX_OFFSET of the median over all of `frames` (the
 * visitor faces the screen for most of the flash step); all candidates when no frame has usable points, none
 * when no candidate is that close. The flash step has no landmarks to read the pose from, and its lead
 * follows a prompt.
 */
function facingAsMost(
  candidates: readonly AnalysedFrame[],
  frames: readonly AnalysedFrame[],
): readonly AnalysedFrame[] {
  const offsets = new Map(frames.map((frame) => [frame, frame.face ? noseOffset(frame.face.points) : null]));
  const known = [...offsets.values()].filter((offset): offset is [number, number] => offset !== null);
  if (known.length === 0) return candidates;
  const middle = (k: 0 | 1) => known.map((offset) => offset[k]).sort((a, b) => a - b)[Math.floor(known.length / 2)];
  const [mx, my] = [middle(0), middle(1)];
  return candidates.filter((frame) => {
    const offset = offsets.get(frame);
    return !!offset && Math.hypot(offset[0] - mx, offset[1] - my) <= FACING_MAX_OFFSET;
  });
}

function plansBlink(plan: readonly PlanStep[]): boolean {
  return plan.some((step) => step.kind === 'prompt' && step.action === 'blink');
}

function withFace(frames: readonly AnalysedFrame[]) {
  return frames.filter((frame): frame is AnalysedFrame & { face: NonNullable<AnalysedFrame['face']> } => !!frame.face);
}

/** At most `count` items, evenly spread over `items` (first and last included). */
export function spread<T>(items: readonly T[], count: number): T[] {
  if (items.length <= count) return [...items];
  if (count === 1) return [items[Math.floor(items.length / 2)]];
  return Array.from({ length: count }, (_, k) => items[Math.round((k * (items.length - 1)) / (count - 1))]);
}
