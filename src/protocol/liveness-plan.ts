/**
 * Liveness v2 (docs/liveness.md): the plan of one attempt, the steps the service reveals one at a time, and
 * the frame format with its MAC. Pure TypeScript without zod, Node or DOM, shared by the service, the
 * widget's liveness chunk and any independent client.
 *
 * The plan comes from a seed that only the service knows and reveals step by step, so nothing can be
 * rendered before the attempt: v1's plan was a function of the public challenge nonce.
 */
import { SEED_PATTERN, Xoshiro128StarStar } from './prng';

export const LIVENESS_PLAN_VERSION = 2;

/** The liveness PRNG stream of a seed (ASCII "LIVE"), as in v1. */
export const PLAN_STREAM_INDEX = 0x4c495645;

export const MOVEMENTS = ['turn-left', 'turn-right', 'look-up'] as const;
export const EXPRESSIONS = ['blink', 'smile', 'open-mouth'] as const;
export type Movement = (typeof MOVEMENTS)[number];
export type Expression = (typeof EXPRESSIONS)[number];
export type PromptAction = Movement | Expression;

/** Saturated screen colours, sRGB 0–255; index order is part of the protocol. */
export const FLASH_COLOURS: readonly (readonly [number, number, number])[] = [
  [255, 0, 0],
  [0, 255, 0],
  [0, 0, 255],
  [255, 255, 0],
  [0, 255, 255],
  [255, 0, 255],
];

/** Timeline constants (ms); part of the protocol. */
export const PLAN_TIMING = {
  rest: 1200,
  prompt: 2500,
  flashLead: 400,
  flashMin: 300,
  flashStep: 50,
  flashSteps: 5,
  flashTail: 600,
} as const;

export interface RestStep {
  index: number;
  kind: 'rest';
  durationMs: number;
}

export interface PromptStep {
  index: number;
  kind: 'prompt';
  action: PromptAction;
  durationMs: number;
}

export interface PlannedFlash {
  /** Index into FLASH_COLOURS. */
  colour: number;
  rgb: readonly [number, number, number];
  durationMs: number;
}

export interface FlashStep {
  index: number;
  kind: 'flashes';
  /** Unlit before the first colour and after the last. */
  leadMs: number;
  tailMs: number;
  flashes: PlannedFlash[];
  durationMs: number;
}

export type PlanStep = RestStep | PromptStep | FlashStep;

/** What the service reveals: a planned step with its frame key, or the end of the attempt. */
export type RevealedStep = (PlanStep & { key: string }) | { index: number; kind: 'done' };

/**
 * The steps of an attempt: rest, then 2 or 3 distinct prompts with at least one expression and at least one
 * movement (a rigid photo puppet cannot blink or smile), then one flash step.
 */
export function deriveAttemptPlan(seed: string): PlanStep[] {
  if (!SEED_PATTERN.test(seed)) throw new RangeError('seed must be 32 lowercase hexadecimal characters');
  const rng = Xoshiro128StarStar.forInput(seed, PLAN_STREAM_INDEX);
  // Modulo bias is below 2^-29 for these small ranges.
  const below = (n: number) => rng.nextUint32() % n;
  const pick = <T>(items: readonly T[]): T => items[below(items.length)];

  const actions: PromptAction[] = [pick(EXPRESSIONS), pick(MOVEMENTS)];
  if (below(2) === 1) {
    const rest = [...EXPRESSIONS, ...MOVEMENTS].filter((action) => !actions.includes(action));
    actions.push(pick(rest));
  }
  // Fisher–Yates: the expression is not always first.
  for (let i = actions.length - 1; i > 0; i--) {
    const j = below(i + 1);
    [actions[i], actions[j]] = [actions[j], actions[i]];
  }

  const steps: PlanStep[] = [{ index: 0, kind: 'rest', durationMs: PLAN_TIMING.rest }];
  for (const action of actions) {
    steps.push({ index: steps.length, kind: 'prompt', action, durationMs: PLAN_TIMING.prompt });
  }
  steps.push(flashStep(steps.length, below));
  return steps;
}

function flashStep(index: number, below: (n: number) => number): FlashStep {
  const count = 5 + below(4);
  const flashes: PlannedFlash[] = [];
  let previous = -1;
  for (let i = 0; i < count; i++) {
    // Never the same colour twice in a row, so every flash changes the light.
    let colour = below(FLASH_COLOURS.length - (previous < 0 ? 0 : 1));
    if (previous >= 0 && colour >= previous) colour++;
    const durationMs = PLAN_TIMING.flashMin + PLAN_TIMING.flashStep * below(PLAN_TIMING.flashSteps);
    flashes.push({ colour, rgb: FLASH_COLOURS[colour], durationMs });
    previous = colour;
  }
  const lit = flashes.reduce((sum, flash) => sum + flash.durationMs, 0);
  return {
    index,
    kind: 'flashes',
    leadMs: PLAN_TIMING.flashLead,
    tailMs: PLAN_TIMING.flashTail,
    flashes,
    durationMs: PLAN_TIMING.flashLead + lit + PLAN_TIMING.flashTail,
  };
}

/** Where each flash lies on the step's own clock (ms since the step was revealed to the client). */
export function flashWindows(step: FlashStep): Array<{ colour: number; start: number; end: number }> {
  let t = step.leadMs;
  return step.flashes.map((flash) => {
    const window = { colour: flash.colour, start: t, end: t + flash.durationMs };
    t += flash.durationMs;
    return window;
  });
}

/** A face box in a video frame, each side as a fraction of the frame (the widget's guidance and crop). */
export interface FaceBox {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Frame geometry and the bounds every step's frames must meet (docs/liveness.md, "A frame"). */
export const FRAME_LIMITS = {
  /** The crop is a square of this many face-box sides about the face's centre, clamped to the video frame. */
  context: 4,
  /** Recommended side in pixels, and the accepted range. */
  side: 192,
  minSide: 128,
  maxSide: 256,
  /** Per frame, decoded from base64. */
  maxJpegBytes: 12 * 1024,
  /** JPEG bytes of a whole attempt. */
  maxAttemptBytes: 600 * 1000,
  maxFramesPerStep: 60,
  /** Frame times may run this far past the step's duration. */
  overrunMs: 400,
  /** Gaps between consecutive frames: 4 to 33 frames a second. */
  minGapMs: 30,
  maxGapMs: 250,
  /** A frame must fall within this much of the step's start and of its end. */
  edgeMs: 250,
  /** Server time between revealing a step and receiving its frames: no sooner than duration − early, no later than duration + late. */
  earlyMs: 500,
  lateMs: 4000,
  /** Frames a second the widget aims at. */
  targetFps: 10,
} as const;

/** The domain-separated message a step key is derived with: key = HMAC-SHA256(attempt seed bytes, this). */
export function stepKeyMessage(stepIndex: number): string {
  return `pp-liveness-step/v2\n${stepIndex}`;
}

/** The message a frame's MAC covers: mac = HMAC-SHA256(step key, this), base64url. */
export function frameMacMessage(attempt: string, stepIndex: number, i: number, t: number, jpegSha256Hex: string) {
  return `pp-liveness-frame/v2\n${attempt}\n${stepIndex}\n${i}\n${t}\n${jpegSha256Hex}`;
}
