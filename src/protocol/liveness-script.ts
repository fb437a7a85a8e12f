/**
 * The liveness script (docs/liveness.md): constants, types and the derivation from a nonce. Pure TypeScript
 * without zod, so the widget's liveness chunk plays the script without carrying the evidence schema, which
 * only the service needs (src/protocol/liveness.ts re-exports all of this next to the schema).
 *
 * The script is a function of the nonce alone: whoever holds the evidence can recompute what was asked, so
 * evidence recorded for one challenge fails the prompt and flash checks of any other.
 */
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
  /** The longest gap between frame summaries: below ~3 frames a second the prompts cannot be followed. */
  maxFrameGapMs: 400,
  /** How far a crop may be taken from its scripted time. */
  captureToleranceMs: 150,
} as const;

/** The crop geometry the client uses: a square of this many face-box sides about the face's centre. */
export const CROP_CONTEXT = 3;
