/**
 * The liveness script and the evidence format (docs/liveness.md). Pure TypeScript, shared by the widget
 * (which plays the script and captures the evidence) and the service (which recomputes the script from the
 * challenge's nonce and checks the evidence against it). No Node, no DOM.
 *
 * The script is a function of the nonce alone: whoever holds the evidence can recompute what was asked, so
 * evidence recorded for one challenge fails the prompt and flash checks of any other.
 */
import { z } from 'zod';
import { SEED_PATTERN, Xoshiro128StarStar } from './prng';

export const LIVENESS_VERSION = 1;

/**
 * The liveness stream of a nonce is the PRNG stream of this index (ASCII "LIVE"). Proof-of-inference
 * inputs use indices below 2^11, so a challenge may use one seed for both without the streams meeting.
 */
export const LIVENESS_STREAM_INDEX = 0x4c495645;

export const PROMPT_ACTIONS = ['turn-left', 'turn-right', 'look-up', 'blink', 'smile', 'open-mouth'] as const;
export type PromptAction = (typeof PROMPT_ACTIONS)[number];

/** Saturated screen colours, as sRGB 0–255. Index order is part of the protocol. */
export const FLASH_PALETTE: readonly (readonly [number, number, number])[] = [
  [255, 0, 0],
  [0, 255, 0],
  [0, 0, 255],
  [255, 255, 0],
  [0, 255, 255],
  [255, 0, 255],
];

/** Timeline constants (ms). Part of the protocol: changing one changes every script. */
export const SCRIPT_TIMING = {
  leadIn: 1000,
  promptWindow: 2500,
  promptGap: 500,
  flashLeadIn: 500,
  flashMin: 300,
  flashStep: 50,
  flashSteps: 5,
  tail: 600,
  /** A flash's crop is taken this far into it, once the camera's exposure has followed the screen. */
  captureFraction: 0.6,
  baselineCapture: 500,
} as const;

export interface ScriptPrompt {
  action: PromptAction;
  /** The window, ms from the start of the script, in which the action must be seen. */
  start: number;
  end: number;
}

export interface ScriptFlash {
  /** Index into FLASH_PALETTE. */
  colour: number;
  rgb: readonly [number, number, number];
  start: number;
  end: number;
}

export interface ScriptCapture {
  /** When to capture, ms from the start. */
  t: number;
  /** The flash lit at that moment, or null for an unlit (baseline) capture. */
  flashIndex: number | null;
}

export interface LivenessScript {
  version: number;
  nonce: string;
  prompts: ScriptPrompt[];
  flashes: ScriptFlash[];
  captures: ScriptCapture[];
  durationMs: number;
}

/** Derives the script of a nonce (32 lowercase hex characters, like a challenge seed). */
export function deriveLivenessScript(nonce: string): LivenessScript {
  if (!SEED_PATTERN.test(nonce)) throw new RangeError('nonce must be 32 lowercase hexadecimal characters');
  const rng = Xoshiro128StarStar.forInput(nonce, LIVENESS_STREAM_INDEX);
  // Modulo bias is below 2^-29 for these small ranges: irrelevant for a challenge script.
  const below = (n: number) => rng.nextUint32() % n;
  const timing = SCRIPT_TIMING;

  const actions: PromptAction[] = [...PROMPT_ACTIONS];
  const promptCount = 2 + below(2);
  const prompts: ScriptPrompt[] = [];
  let t = timing.leadIn;
  for (let i = 0; i < promptCount; i++) {
    // A partial Fisher–Yates shuffle: distinct actions in a random order.
    const j = i + below(actions.length - i);
    [actions[i], actions[j]] = [actions[j], actions[i]];
    prompts.push({ action: actions[i], start: t, end: t + timing.promptWindow });
    t += timing.promptWindow + timing.promptGap;
  }

  const flashCount = 5 + below(4);
  const flashes: ScriptFlash[] = [];
  t = t - timing.promptGap + timing.flashLeadIn;
  let previous = -1;
  for (let i = 0; i < flashCount; i++) {
    // Never the same colour twice in a row, so every step changes the light.
    let colour = below(FLASH_PALETTE.length - (previous < 0 ? 0 : 1));
    if (previous >= 0 && colour >= previous) colour++;
    const duration = timing.flashMin + timing.flashStep * below(timing.flashSteps);
    flashes.push({ colour, rgb: FLASH_PALETTE[colour], start: t, end: t + duration });
    previous = colour;
    t += duration;
  }
  const flashEnd = t;

  const captures: ScriptCapture[] = [{ t: timing.baselineCapture, flashIndex: null }];
  flashes.forEach((flash, index) => {
    captures.push({
      t: Math.round(flash.start + (flash.end - flash.start) * timing.captureFraction),
      flashIndex: index,
    });
  });
  captures.push({ t: flashEnd + timing.tail / 2, flashIndex: null });

  return { version: LIVENESS_VERSION, nonce, prompts, flashes, captures, durationMs: flashEnd + timing.tail };
}

/** Bounds of the evidence; the schema enforces them before any check runs. */
export const EVIDENCE_LIMITS = {
  minFrames: 10,
  maxFrames: 600,
  /** 8 flashes + 2 baselines. */
  maxCrops: 10,
  minCropSide: 96,
  maxCropSide: 320,
  /** Per crop, decoded from base64. */
  maxCropBytes: 48 * 1024,
  maxDurationMs: 30_000,
} as const;

const unit = z.number().min(0).max(1);
const angle = z.number().min(-180).max(180);
const ms = z.number().int().min(0).max(EVIDENCE_LIMITS.maxDurationMs);

/** A face box in normalised coordinates of the image it was found in (top-left origin). */
export const faceBoxSchema = z.object({ x: unit, y: unit, w: unit.positive(), h: unit.positive() }).strict();

export const frameSummarySchema = z
  .object({
    t: ms,
    /** Degrees; positive yaw = the person turns to their own left (see docs/liveness.md). */
    yaw: angle,
    /** Degrees; positive pitch = looking up. */
    pitch: angle,
    roll: angle,
    /** Blendshape scores 0..1 (MediaPipe eyeBlink mean, mouthSmile mean, jawOpen). */
    blink: unit,
    smile: unit,
    jawOpen: unit,
    /** The face box in the video frame, normalised to its width and height. */
    box: faceBoxSchema,
  })
  .strict();

// Base64 of at most maxCropBytes bytes: 4 characters per 3 bytes, rounded up.
const maxBase64 = Math.ceil(EVIDENCE_LIMITS.maxCropBytes / 3) * 4;

export const cropSchema = z
  .object({
    t: ms,
    flashIndex: z.number().int().min(0).max(7).nullable(),
    width: z.number().int().min(EVIDENCE_LIMITS.minCropSide).max(EVIDENCE_LIMITS.maxCropSide),
    height: z.number().int().min(EVIDENCE_LIMITS.minCropSide).max(EVIDENCE_LIMITS.maxCropSide),
    /** The face box inside this crop, normalised to the crop, as the client's landmarker saw it. */
    box: faceBoxSchema,
    jpeg: z
      .string()
      .max(maxBase64)
      .regex(/^[A-Za-z0-9+/]+={0,2}$/, 'must be base64'),
  })
  .strict();

export const livenessEvidenceSchema = z
  .object({
    version: z.literal(LIVENESS_VERSION),
    nonce: z.string().regex(SEED_PATTERN),
    frames: z.array(frameSummarySchema).min(EVIDENCE_LIMITS.minFrames).max(EVIDENCE_LIMITS.maxFrames),
    crops: z.array(cropSchema).min(1).max(EVIDENCE_LIMITS.maxCrops),
  })
  .strict();

export type FaceBox = z.infer<typeof faceBoxSchema>;
export type FrameSummary = z.infer<typeof frameSummarySchema>;
export type LivenessCrop = z.infer<typeof cropSchema>;
export type LivenessEvidence = z.infer<typeof livenessEvidenceSchema>;

/** The crop geometry the client uses: a square of this many face-box sides about the face's centre. */
export const CROP_CONTEXT = 3;
