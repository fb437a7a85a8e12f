import { describe, expect, it } from '@jest/globals';
import { createHmac } from 'node:crypto';
import { JpegAdapter } from '../../src/adapters/jpeg.adapter';
import { deriveStepKey, frameMac } from '../../src/liveness/attempts/attempt-keys';
import type { LivenessFrameDto } from '../../src/liveness/attempts/attempt.dto';
import type { FrameRejection, StepContext } from '../../src/liveness/attempts/frame-structure';
import { baselineJpegSize, checkStepFrames } from '../../src/liveness/attempts/frame-structure';
import type { RgbImage } from '../../src/liveness/rgb-image';
import { deriveAttemptPlan, FRAME_LIMITS, stepKeyMessage } from '../../src/protocol/liveness-plan';

const SEED = '0123456789abcdef0123456789abcdef';
const ATTEMPT = '6f1c2b8e-1d2a-4c3b-9e8f-0a1b2c3d4e5f';
const REST = deriveAttemptPlan(SEED)[0];
const KEY = deriveStepKey(SEED, 0);
const codec = new JpegAdapter();

function image(width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let p = 0; p < width * height; p++) {
    const [x, y] = [p % width, Math.floor(p / width)];
    for (let c = 0; c < 3; c++) data[p * 3 + c] = (x + 2 * y + 60 * c) & 0xff;
  }
  return { width, height, data };
}
const JPEG = codec.encode(image(192, 192), 70);

/** Frames of the rest step every `gap` ms from `first` to `last`, MAC'd as a client would. */
function frames(options: { gap?: number; first?: number; last?: number; jpeg?: Uint8Array; from?: number } = {}) {
  const { gap = 100, first = 0, last = REST.durationMs, jpeg = JPEG, from = 0 } = options;
  const out: LivenessFrameDto[] = [];
  for (let t = first, i = from; t <= last; t += gap, i++) out.push(frame(i, t, jpeg));
  return out;
}

function frame(i: number, t: number, jpeg = JPEG, key = KEY, attempt = ATTEMPT): LivenessFrameDto {
  return { i, t, jpeg: Buffer.from(jpeg).toString('base64'), mac: frameMac(key, attempt, 0, i, t, jpeg) };
}

const context = (overrides: Partial<StepContext> = {}): StepContext => ({
  attempt: ATTEMPT,
  step: REST,
  key: KEY,
  lastFrame: -1,
  attemptBytes: 0,
  elapsedMs: REST.durationMs,
  ...overrides,
});

function rejection(input: LivenessFrameDto[], overrides: Partial<StepContext> = {}): FrameRejection | 'ok' {
  const result = checkStepFrames(input, context(overrides));
  return result.ok ? 'ok' : result.code;
}

describe('step keys and frame MACs', () => {
  it('derives each step key as HMAC-SHA256 over the seed bytes, base64url', () => {
    const expected = createHmac('sha256', Buffer.from(SEED, 'hex')).update(stepKeyMessage(3)).digest('base64url');
    expect(deriveStepKey(SEED, 3)).toBe(expected);
    expect(deriveStepKey(SEED, 3)).toHaveLength(43);
    expect(deriveStepKey(SEED, 2)).not.toBe(expected);
  });

  it('binds a MAC to the attempt, the step, the index, the time and the JPEG bytes', () => {
    const mac = frameMac(KEY, ATTEMPT, 0, 4, 400, JPEG);
    const other = Uint8Array.from(JPEG);
    other[other.length - 3] ^= 1;
    for (const changed of [
      frameMac(KEY, ATTEMPT.replace('6f', '7f'), 0, 4, 400, JPEG),
      frameMac(KEY, ATTEMPT, 1, 4, 400, JPEG),
      frameMac(KEY, ATTEMPT, 0, 5, 400, JPEG),
      frameMac(KEY, ATTEMPT, 0, 4, 401, JPEG),
      frameMac(KEY, ATTEMPT, 0, 4, 400, other),
      frameMac(deriveStepKey(SEED, 1), ATTEMPT, 0, 4, 400, JPEG),
    ]) {
      expect(changed).not.toBe(mac);
    }
  });
});

describe('checkStepFrames', () => {
  it('accepts a step filmed at 10 frames/s inside its window, and counts its bytes', () => {
    const input = frames();
    const result = checkStepFrames(input, context());
    expect(result).toMatchObject({ ok: true, bytes: JPEG.length * input.length });
    expect(result.ok && result.frames.map((f) => [f.i, f.t, f.width])).toEqual(input.map((f) => [f.i, f.t, 192]));
  });

  it('refuses frames that arrive outside the server-time window', () => {
    const early = REST.durationMs - FRAME_LIMITS.earlyMs - 1;
    const late = REST.durationMs + FRAME_LIMITS.lateMs + 1;
    expect(rejection(frames(), { elapsedMs: early })).toBe('frames-too-early');
    expect(rejection(frames(), { elapsedMs: early + 1 })).toBe('ok');
    expect(rejection(frames(), { elapsedMs: late })).toBe('frames-too-late');
    expect(rejection(frames(), { elapsedMs: late - 1 })).toBe('ok');
  });

  it('refuses an empty step and one with more frames than allowed', () => {
    expect(rejection([])).toBe('frames-missing');
    expect(rejection(frames({ gap: 30, last: 30 * FRAME_LIMITS.maxFramesPerStep }))).toBe('frames-too-many');
  });

  it('refuses indices that do not increase, within the step and across steps', () => {
    const input = frames();
    input[3] = frame(2, input[3].t);
    expect(rejection(input)).toBe('frame-index-not-increasing');
    expect(rejection(frames({ from: 5 }), { lastFrame: 5 })).toBe('frame-index-not-increasing');
    expect(rejection(frames({ from: 6 }), { lastFrame: 5 })).toBe('ok');
  });

  it('refuses times past the step, times that do not increase, and gaps out of bounds', () => {
    expect(rejection(frames({ last: REST.durationMs + FRAME_LIMITS.overrunMs + 100 }))).toBe('frame-time-out-of-range');
    const repeated = frames();
    repeated[4] = frame(4, repeated[3].t);
    expect(rejection(repeated)).toBe('frame-time-not-increasing');
    expect(rejection(frames({ gap: FRAME_LIMITS.minGapMs - 5 }))).toBe('frame-gap-too-short');
    expect(rejection(frames({ gap: FRAME_LIMITS.maxGapMs + 10 }))).toBe('frame-gap-too-long');
  });

  it('refuses a step whose frames miss its start or its end', () => {
    expect(rejection(frames({ first: FRAME_LIMITS.edgeMs + 10 }))).toBe('frames-miss-step-start');
    expect(rejection(frames({ last: REST.durationMs - FRAME_LIMITS.edgeMs - 60 }))).toBe('frames-miss-step-end');
  });

  it('refuses a frame over the per-frame budget, and frames over the attempt budget', () => {
    const padded = new Uint8Array(FRAME_LIMITS.maxJpegBytes + 1);
    padded.set(JPEG);
    expect(rejection(frames({ jpeg: padded }))).toBe('frame-too-large');
    expect(rejection(frames(), { attemptBytes: FRAME_LIMITS.maxAttemptBytes - JPEG.length * 5 })).toBe(
      'attempt-bytes-exceeded',
    );
  });

  it('refuses bytes that are no baseline JPEG, and frames of the wrong size, before decoding them', () => {
    expect(rejection(frames({ jpeg: new Uint8Array(200).fill(7) }))).toBe('frame-not-baseline-jpeg');
    const progressive = Uint8Array.from(JPEG);
    const sof = progressive.findIndex((byte, k) => byte === 0xff && progressive[k + 1] === 0xc0);
    progressive[sof + 1] = 0xc2;
    expect(rejection(frames({ jpeg: progressive }))).toBe('frame-not-baseline-jpeg');
    expect(rejection(frames({ jpeg: codec.encode(image(100, 100)) }))).toBe('frame-size-invalid');
    expect(rejection(frames({ jpeg: codec.encode(image(192, 160)) }))).toBe('frame-size-invalid');
    expect(baselineJpegSize(JPEG)).toEqual({ width: 192, height: 192 });
  });

  it('refuses a frame MAC made with another key, for another attempt, or over other bytes', () => {
    const input = frames();
    const stranger = [...input];
    stranger[2] = frame(2, input[2].t, JPEG, deriveStepKey('ffffffffffffffffffffffffffffffff', 0));
    expect(rejection(stranger)).toBe('frame-mac-invalid');
    const replayed = [...input];
    replayed[2] = frame(2, input[2].t, JPEG, KEY, '00000000-0000-4000-8000-000000000000');
    expect(rejection(replayed)).toBe('frame-mac-invalid');
    const swapped = [...input];
    swapped[2] = { ...input[2], jpeg: Buffer.from(codec.encode(image(192, 192), 50)).toString('base64') };
    expect(rejection(swapped)).toBe('frame-mac-invalid');
  });
});
