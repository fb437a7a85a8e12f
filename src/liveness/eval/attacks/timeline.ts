/**
 * When things happen inside a revealed step, on the step's clock: frame times a 10 frames/s camera would
 * give, how far a performer has gone into a prompt at time t, and which flash colour is on screen.
 */
import type { FlashStep, PlanStep, PromptAction } from '../../../protocol/liveness-plan';
import { FRAME_LIMITS, flashWindows } from '../../../protocol/liveness-plan';
import { Xoshiro128StarStar } from '../../../protocol/prng';
import type { ExpressionState } from './expressions';
import { NEUTRAL } from './expressions';
import type { Rgb } from './raster';

/** A PRNG in [0, 1) for jitter only: attacks are reproducible from their seed string. */
export function uniform(seed: string): () => number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) hash = Math.imul(hash ^ seed.charCodeAt(i), 0x01000193) >>> 0;
  const hex = (hash.toString(16).padStart(8, '0') + seed.length.toString(16).padStart(8, '0')).repeat(2);
  const rng = Xoshiro128StarStar.forInput(hex, 0x41545443);
  return () => rng.nextUint32() / 2 ** 32;
}

/** Frame times of a step: ~100 ms apart with a little jitter, the first within 40 ms, the last past the end. */
export function frameTimes(durationMs: number, random: () => number): number[] {
  const times: number[] = [];
  const gap = 1000 / FRAME_LIMITS.targetFps;
  for (let t = Math.round(random() * 40); t <= durationMs + 50; t += Math.round(gap - 15 + random() * 30)) {
    times.push(t);
  }
  return times;
}

export interface Pose {
  yaw: number;
  pitch: number;
}

/** What a person does at `t` into a prompt step: react, move in, hold, return. */
export interface Performance {
  pose: Pose;
  expression: ExpressionState;
}

/** 0..1: how far into the action at `t`, for a performer who reacts after `reactionMs`. */
export function envelope(t: number, reactionMs: number, holdMs = 800, rampMs = 250): number {
  const u = t - reactionMs;
  if (u <= 0) return 0;
  if (u < rampMs) return u / rampMs;
  if (u < rampMs + holdMs) return 1;
  if (u < 2 * rampMs + holdMs) return 1 - (u - rampMs - holdMs) / rampMs;
  return 0;
}

/** Full amplitude of each movement, in degrees (what a cooperative person typically does when asked). */
export const TURN_DEGREES = 25;
export const LOOK_UP_DEGREES = 18;

export function perform(action: PromptAction | null, t: number, reactionMs: number): Performance {
  if (!action) return { pose: { yaw: 0, pitch: 0 }, expression: NEUTRAL };
  // A blink is quick: closed for about a quarter of a second.
  const k = envelope(t, reactionMs, action === 'blink' ? 250 : 800, action === 'blink' ? 80 : 250);
  const pose: Pose = {
    yaw: action === 'turn-left' ? TURN_DEGREES * k : action === 'turn-right' ? -TURN_DEGREES * k : 0,
    pitch: action === 'look-up' ? LOOK_UP_DEGREES * k : 0,
  };
  const expression: ExpressionState = {
    blink: action === 'blink' ? k : 0,
    smile: action === 'smile' ? k : 0,
    mouth: action === 'open-mouth' ? k : 0,
  };
  return { pose, expression };
}

/** The colour on screen at `t` of a flash step, or null while unlit. */
export function colourAt(step: FlashStep, t: number): Rgb | null {
  const index = flashWindows(step).findIndex((w) => t >= w.start && t < w.end);
  return index < 0 ? null : step.flashes[index].rgb;
}

/** The prompt action of a step, or null for rest and flash steps. */
export const actionOf = (step: PlanStep): PromptAction | null => (step.kind === 'prompt' ? step.action : null);
