/**
 * The checks a step's frames must pass before a single pixel is decoded (docs/liveness.md, "A frame"):
 * server time since the reveal, counts, order, gaps, the step's edges, sizes, the JPEG header, the byte
 * budgets and every MAC. Each refusal has its own code. Plain functions; the MACs use node:crypto.
 */
import type { PlanStep } from '../../protocol/liveness-plan';
import { FRAME_LIMITS } from '../../protocol/liveness-plan';
import { frameMac, macMatches } from './attempt-keys';
import type { LivenessFrameDto } from './attempt.dto';

export const FRAME_REJECTIONS = [
  'frames-too-early',
  'frames-too-late',
  'frames-missing',
  'frames-too-many',
  'frame-index-not-increasing',
  'frame-time-out-of-range',
  'frame-time-not-increasing',
  'frame-gap-too-short',
  'frame-gap-too-long',
  'frames-miss-step-start',
  'frames-miss-step-end',
  'frame-too-large',
  'frame-not-baseline-jpeg',
  'frame-size-invalid',
  'attempt-bytes-exceeded',
  'frame-mac-invalid',
] as const;
export type FrameRejection = (typeof FRAME_REJECTIONS)[number];

/** A frame that passed every structural check: its bytes are still undecoded. */
export interface CheckedFrame {
  i: number;
  t: number;
  jpeg: Uint8Array;
  width: number;
  height: number;
}

export interface StepContext {
  attempt: string;
  step: PlanStep;
  /** The step's frame key (base64url), derived from the attempt seed. */
  key: string;
  /** Index of the last frame accepted in earlier steps (-1 before any). */
  lastFrame: number;
  /** JPEG bytes accepted in earlier steps. */
  attemptBytes: number;
  /** Server ms between revealing the step and receiving its frames. */
  elapsedMs: number;
}

export type StructureResult =
  { ok: true; frames: CheckedFrame[]; bytes: number } | { ok: false; code: FrameRejection; message: string };

const reject = (code: FrameRejection, message: string): StructureResult => ({ ok: false, code, message });

export function checkStepFrames(frames: readonly LivenessFrameDto[], ctx: StepContext): StructureResult {
  const { durationMs } = ctx.step;
  const L = FRAME_LIMITS;
  // Server time first: it needs nothing from the body and bounds how long a forger may compute.
  if (ctx.elapsedMs < durationMs - L.earlyMs) {
    return reject('frames-too-early', `The step lasts ${durationMs} ms; its frames came after ${ctx.elapsedMs} ms`);
  }
  if (ctx.elapsedMs > durationMs + L.lateMs) {
    return reject('frames-too-late', `The step's frames came ${ctx.elapsedMs} ms after it was revealed`);
  }
  if (frames.length === 0) return reject('frames-missing', 'A step needs frames');
  if (frames.length > L.maxFramesPerStep) {
    return reject('frames-too-many', `At most ${L.maxFramesPerStep} frames a step, got ${frames.length}`);
  }

  let previous: LivenessFrameDto | null = null;
  for (const frame of frames) {
    if (frame.i <= (previous ? previous.i : ctx.lastFrame)) {
      return reject(
        'frame-index-not-increasing',
        `Frame ${frame.i} does not follow frame ${previous?.i ?? ctx.lastFrame}`,
      );
    }
    if (frame.t > durationMs + L.overrunMs) {
      return reject('frame-time-out-of-range', `Frame ${frame.i} at ${frame.t} ms lies past the step`);
    }
    if (previous) {
      const gap = frame.t - previous.t;
      if (gap <= 0) return reject('frame-time-not-increasing', `Frame ${frame.i}'s time does not increase`);
      if (gap < L.minGapMs)
        return reject('frame-gap-too-short', `Frames ${previous.i} and ${frame.i}: ${gap} ms apart`);
      if (gap > L.maxGapMs) return reject('frame-gap-too-long', `Frames ${previous.i} and ${frame.i}: ${gap} ms apart`);
    }
    previous = frame;
  }
  if (frames[0].t > L.edgeMs) return reject('frames-miss-step-start', `The first frame is at ${frames[0].t} ms`);
  if (frames[frames.length - 1].t < durationMs - L.edgeMs) {
    return reject('frames-miss-step-end', `The last frame is at ${frames[frames.length - 1].t} ms of ${durationMs}`);
  }

  const checked: CheckedFrame[] = [];
  let bytes = 0;
  for (const frame of frames) {
    const jpeg = Buffer.from(frame.jpeg, 'base64');
    if (jpeg.length > L.maxJpegBytes) {
      return reject('frame-too-large', `Frame ${frame.i} has ${jpeg.length} bytes; at most ${L.maxJpegBytes}`);
    }
    bytes += jpeg.length;
    if (ctx.attemptBytes + bytes > L.maxAttemptBytes) {
      return reject('attempt-bytes-exceeded', `The attempt's frames exceed ${L.maxAttemptBytes} bytes`);
    }
    const size = baselineJpegSize(jpeg);
    if (!size) return reject('frame-not-baseline-jpeg', `Frame ${frame.i} is not a baseline JPEG`);
    if (size.width !== size.height || size.width < L.minSide || size.width > L.maxSide) {
      return reject(
        'frame-size-invalid',
        `Frame ${frame.i} is ${size.width}×${size.height}; frames are squares of ${L.minSide}–${L.maxSide} px`,
      );
    }
    const expected = frameMac(ctx.key, ctx.attempt, ctx.step.index, frame.i, frame.t, jpeg);
    if (!macMatches(expected, frame.mac)) {
      return reject('frame-mac-invalid', `Frame ${frame.i}'s MAC does not match this attempt and step`);
    }
    checked.push({ i: frame.i, t: frame.t, jpeg, width: size.width, height: size.height });
  }
  return { ok: true, frames: checked, bytes };
}

/**
 * The size in a baseline JPEG's SOF0 header, or null when the bytes are no baseline JPEG (progressive and
 * other codings decode slower and are not what the widget sends). Reads markers only, no pixel.
 */
export function baselineJpegSize(bytes: Uint8Array): { width: number; height: number } | null {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return null;
  let offset = 2;
  while (offset + 4 <= bytes.length) {
    if (bytes[offset] !== 0xff) return null;
    const marker = bytes[offset + 1];
    if (marker === 0xff) {
      offset++;
      continue;
    }
    const length = (bytes[offset + 2] << 8) | bytes[offset + 3];
    if (length < 2) return null;
    if (marker === 0xc0) {
      if (offset + 9 > bytes.length) return null;
      const height = (bytes[offset + 5] << 8) | bytes[offset + 6];
      const width = (bytes[offset + 7] << 8) | bytes[offset + 8];
      return width > 0 && height > 0 ? { width, height } : null;
    }
    // Any other start-of-frame (progressive, lossless, arithmetic) or the scan before a SOF: refuse.
    if (
      (marker >= 0xc1 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) ||
      marker === 0xda
    ) {
      return null;
    }
    offset += 2 + length;
  }
  return null;
}
