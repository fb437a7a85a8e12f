/**
 * The attack kit's frame sources do what they claim: frames the service accepts as frames (size, bytes,
 * timing), light where each attack says it puts it, expressions that really change the pixels, banks and
 * replays that reuse recorded frames. Whether the service rejects them is test/e2e/liveness-attacks.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { JpegAdapter } from '../../src/adapters/jpeg.adapter';
import type { CapturedFrame, FrameSource, StepContext } from '../../src/liveness/client/frame-source';
import type { Attack } from '../../src/liveness/eval/attacks/catalog';
import { buildAttackKit } from '../../src/liveness/eval/attacks/catalog';
import { clipFrame, swapFace } from '../../src/liveness/eval/attacks/clip-attacks';
import { applyExpression } from '../../src/liveness/eval/attacks/expressions';
import type { FacePicture } from '../../src/liveness/eval/attacks/faces';
import { landmarks, loadClips, loadStills } from '../../src/liveness/eval/attacks/faces';
import { BankAttack, recordAttempts } from '../../src/liveness/eval/attacks/recorded-attacks';
import { frameRect, rigidPose, toFrame } from '../../src/liveness/eval/attacks/raster';
import type { StillAttackOptions } from '../../src/liveness/eval/attacks/still-attacks';
import { StillAttack } from '../../src/liveness/eval/attacks/still-attacks';
import { colourAt } from '../../src/liveness/eval/attacks/timeline';
import type { RgbImage } from '../../src/liveness/rgb-image';
import { meanColour } from '../../src/liveness/rgb-image';
import type { FlashStep, PlanStep } from '../../src/protocol/liveness-plan';
import { FRAME_LIMITS, deriveAttemptPlan } from '../../src/protocol/liveness-plan';

const jpeg = new JpegAdapter();
// A plan with a smile, a blink and a turn, and six flashes (checked below, so a plan change shows here).
const PLAN = deriveAttemptPlan('0123456789abcdef0123456789abcdef');
const context: StepContext = { attempt: 'attempt-1', attemptNumber: 0, challengeId: 'challenge-1' };

async function run(source: FrameSource, plan: readonly PlanStep[] = PLAN, ctx = context) {
  const steps: Array<{ step: PlanStep; frames: CapturedFrame[] }> = [];
  for (const step of plan) steps.push({ step, frames: await source.capture(step, ctx) });
  return steps;
}

const luminance = (image: RgbImage, x: number, y: number) => {
  const p = (Math.round(y) * image.width + Math.round(x)) * 3;
  return 0.299 * image.data[p] + 0.587 * image.data[p + 1] + 0.114 * image.data[p + 2];
};

describe('attack kit', () => {
  let kit: Attack[];
  let stills: FacePicture[];

  beforeAll(async () => {
    kit = await buildAttackKit(jpeg, { recordedAttempts: 1 });
    stills = loadStills(jpeg);
  });

  it('uses a plan that exercises expressions, a movement and flashes', () => {
    expect(PLAN.map((s) => (s.kind === 'prompt' ? s.action : s.kind))).toEqual([
      'rest',
      'smile',
      'blink',
      'turn-right',
      'flashes',
    ]);
  });

  it('gives every attack frames within FRAME_LIMITS: square baseline JPEGs, times, bytes', async () => {
    // Rest and the first prompt of each attack (the whole plan of every attack is the eval's and the e2e's).
    const planSeconds = PLAN.reduce((sum, step) => sum + step.durationMs, 0) / 1000;
    for (const attack of kit) {
      const sizes: number[] = [];
      for (const { step, frames } of await run(attack.source, PLAN.slice(0, 2))) {
        expect(frames.length).toBeGreaterThan(0);
        expect(frames.length).toBeLessThanOrEqual(FRAME_LIMITS.maxFramesPerStep);
        expect(frames[0].t).toBeLessThan(FRAME_LIMITS.edgeMs);
        expect(frames[frames.length - 1].t).toBeGreaterThan(step.durationMs - FRAME_LIMITS.edgeMs);
        expect(frames[frames.length - 1].t).toBeLessThanOrEqual(step.durationMs + FRAME_LIMITS.overrunMs);
        for (let k = 1; k < frames.length; k++) {
          const gap = frames[k].t - frames[k - 1].t;
          expect(gap).toBeGreaterThanOrEqual(FRAME_LIMITS.minGapMs);
          expect(gap).toBeLessThanOrEqual(FRAME_LIMITS.maxGapMs);
        }
        for (const frame of frames) {
          expect(frame.jpeg.length).toBeLessThanOrEqual(FRAME_LIMITS.maxJpegBytes);
          // Baseline (SOF0), not progressive: what a canvas encoder writes.
          expect(Buffer.from(frame.jpeg).includes(Buffer.from([0xff, 0xc0]))).toBe(true);
          sizes.push(frame.jpeg.length);
        }
        const image = jpeg.decode(frames[0].jpeg);
        expect([image.width, image.height]).toEqual([FRAME_LIMITS.side, FRAME_LIMITS.side]);
      }
      // The whole plan at 10 frames/s of frames this size stays inside the attempt's byte budget.
      const mean = sizes.reduce((a, b) => a + b, 0) / sizes.length;
      const estimate = mean * FRAME_LIMITS.targetFps * planSeconds;
      expect({ attack: attack.id, fits: estimate <= FRAME_LIMITS.maxAttemptBytes }).toEqual({
        attack: attack.id,
        fits: true,
      });
    }
  });

  const flash = PLAN.find((s): s is FlashStep => s.kind === 'flashes')!;
  /** Mean colour change of the face centre and of a background corner between unlit (lead) and the first flash. */
  async function lightOf(options: StillAttackOptions) {
    // One still whose face the frame crop centres (the others are clamped by their picture's edge).
    const picture = stills.find((p) => p.name.includes('lbax4n'))!;
    const source = new StillAttack(jpeg, [picture], options, 'light-test');
    const frames = await source.capture(flash, context);
    const decode = (f: CapturedFrame) => jpeg.decode(f.jpeg);
    const unlit = decode(frames.find((f) => f.t < flash.leadMs - 150)!);
    const lit = decode(frames.find((f) => f.t > flash.leadMs + 200 && colourAt(flash, f.t - 200))!);
    const face = toFrame(frameRect(picture.image, picture.face), FRAME_LIMITS.side, picture.face);
    const centre = { x: face.x + face.w * 0.35, y: face.y + face.h * 0.55, w: face.w * 0.3, h: face.h * 0.2 };
    const corner = { x: 2, y: 2, w: 16, h: 16 };
    const delta = (r: typeof centre) => {
      const a = meanColour(lit, r);
      const b = meanColour(unlit, r);
      return Math.abs(a[0] - b[0]) + Math.abs(a[1] - b[1]) + Math.abs(a[2] - b[2]);
    };
    return { face: delta(centre), background: delta(corner) };
  }

  it('puts the flash light where each attack says: face only (b), everywhere (c), falling off (i-lit)', async () => {
    const live = { expressions: 'rigid', timing: 'live' } as const;
    const b = await lightOf({ ...live, light: 'face-only' });
    expect(b.face).toBeGreaterThan(15);
    expect(b.background).toBeLessThan(4);
    const c = await lightOf({ ...live, light: 'flat' });
    expect(c.face).toBeGreaterThan(15);
    expect(c.background).toBeGreaterThan(15);
    const physical = await lightOf({ ...live, light: 'physical' });
    expect(physical.face).toBeGreaterThan(15);
    expect(physical.background).toBeLessThan(physical.face / 2);
    const none = await lightOf({ ...live, light: null });
    expect(none.face).toBeLessThan(6);
  });

  it('closes the eyes for a blink: the eye openings take the colour of the lid above them', () => {
    // Not on the still with glasses: the frames' bright rims sit where this test samples the lid's colour.
    for (const picture of stills.filter((still) => !still.name.includes('lbax4n'))) {
      const lm = landmarks(picture.face);
      const closed = applyExpression(picture.image, picture.face, { blink: 1, smile: 0, mouth: 0 });
      // Distance from the lid skin, over the upper part of each eye opening (the lash line sits lower).
      const fromLid = (image: RgbImage) => {
        let sum = 0;
        let n = 0;
        for (const eye of [lm.rightEye, lm.leftEye]) {
          const lid = luminance(picture.image, eye[0], eye[1] - lm.eyeRy * 1.8);
          for (let dx = -lm.eyeRx * 0.6; dx <= lm.eyeRx * 0.6; dx++) {
            for (let dy = -lm.eyeRy; dy <= 0; dy++) {
              sum += Math.abs(luminance(image, eye[0] + dx, eye[1] + dy) - lid);
              n++;
            }
          }
        }
        return sum / n;
      };
      expect({ picture: picture.name, closer: fromLid(closed) < fromLid(picture.image) * 0.7 }).toEqual({
        picture: picture.name,
        closer: true,
      });
    }
  });

  it('opens the mouth with a dark interior and widens it for a smile', () => {
    for (const picture of stills) {
      const lm = landmarks(picture.face);
      const cx = (lm.mouthLeft[0] + lm.mouthRight[0]) / 2;
      const cy = lm.mouthLeft[1] + picture.face.h * 0.05;
      const open = applyExpression(picture.image, picture.face, { blink: 0, smile: 0, mouth: 1 });
      expect(luminance(open, cx, cy)).toBeLessThan(Math.min(80, luminance(picture.image, cx, cy)));
      // A smile moves the lip corners out: the colour at the old corner reappears further out.
      const smile = applyExpression(picture.image, picture.face, { blink: 0, smile: 1, mouth: 0 });
      const shift = picture.face.w * 0.07 * 0.9;
      const [x, y] = lm.mouthLeft;
      expect(Math.abs(luminance(smile, x + shift, y - shift * 0.5) - luminance(picture.image, x, y))).toBeLessThan(
        Math.abs(luminance(picture.image, x + shift, y - shift * 0.5) - luminance(picture.image, x, y)) + 8,
      );
    }
  });

  it('turns the photo rigidly: identity at rest, the far side foreshortened in a turn', () => {
    const face = { x: 100, y: 100, w: 100, h: 120 };
    const rest = rigidPose(face, { yaw: 0, pitch: 0 });
    expect(rest(130, 170)).toEqual([130, 170]);
    const turned = rigidPose(face, { yaw: 25, pitch: 0 });
    // Destination points 40 px either side of the centre come from source points further out on one side.
    const left = 150 - turned(110, 160)[0];
    const right = turned(190, 160)[0] - 150;
    expect(Math.min(left, right)).toBeGreaterThan(40);
    expect(Math.abs(left - right)).toBeGreaterThan(2);
  });

  it('swaps faces only inside the face oval', () => {
    const [base, donor] = loadClips(jpeg);
    const target = clipFrame(base, 0);
    const swapped = swapFace(target, base.face, clipFrame(donor, 0), donor.face);
    const inside = { x: base.face.x + base.face.w * 0.3, y: base.face.y + base.face.h * 0.3, w: 20, h: 20 };
    const outside = { x: 5, y: 5, w: 30, h: 30 };
    const diff = (r: typeof inside) =>
      meanColour(swapped, r).reduce((s, v, i) => s + Math.abs(v - meanColour(target, r)[i]), 0);
    expect(diff(outside)).toBe(0);
    expect(diff(inside)).toBeGreaterThan(3);
  });

  it('banks frames of earlier attempts by flash colour and serves them back for a new reveal', async () => {
    const cooperative = new StillAttack(jpeg, stills, { expressions: 'warp', light: 'physical', timing: 'live' }, 'b');
    const recorded = await recordAttempts(cooperative, 1, 'bank-test');
    const bank = new BankAttack(recorded, 'bank-test');
    expect(Object.keys(bank.colours()).length).toBeGreaterThanOrEqual(4);
    const banked = new Set(recorded.flat().flatMap((s) => s.frames.map((f) => Buffer.from(f.jpeg).toString('base64'))));
    for (const { frames } of await run(bank, [PLAN[1], flash])) {
      for (const frame of frames) expect(banked.has(Buffer.from(frame.jpeg).toString('base64'))).toBe(true);
    }
  });
});
