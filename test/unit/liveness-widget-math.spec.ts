import { describe, expect, it } from '@jest/globals';
import { FRAME_LIMITS } from '../../src/protocol/liveness-plan';
import { cameraErrorCode } from '../../widget/src/liveness/camera';
import { cropSquare, frameSide } from '../../widget/src/liveness/crop-geometry';
import { landmarkBox } from '../../widget/src/liveness/frame-summary';
import { GUIDANCE_LIMITS, SteadyGate, decideGuidance, meanLuma } from '../../widget/src/liveness/guidance';
import {
  CropSchedule,
  FRAME_INTERVAL_MS,
  MIN_CROP_GAP_MS,
  STALE_FRAME_MS,
} from '../../widget/src/liveness/crop-schedule';
import type { FrameOnStepClock } from '../../widget/src/liveness/crop-schedule';

describe('decideGuidance', () => {
  const centred = { x: 0.375, y: 0.3, w: 0.25, h: 0.4 };

  it('says ok for one centred face of a good size in good light', () => {
    expect(decideGuidance([centred], 120)).toBe('ok');
    expect(decideGuidance([centred], null)).toBe('ok');
  });

  it('names what is wrong, counting first, then size, position and light', () => {
    expect(decideGuidance([], 120)).toBe('no-face');
    expect(decideGuidance([centred, { ...centred, x: 0.05 }], 120)).toBe('several-faces');
    expect(decideGuidance([{ ...centred, x: 0.45, w: 0.1 }], 120)).toBe('too-far');
    expect(decideGuidance([{ x: 0.2, y: 0.1, w: 0.6, h: 0.8 }], 120)).toBe('too-close');
    expect(decideGuidance([{ ...centred, x: 0.05 }], 120)).toBe('off-centre');
    expect(decideGuidance([{ ...centred, y: 0.05 }], 120)).toBe('off-centre');
    expect(decideGuidance([centred], GUIDANCE_LIMITS.minFaceLuma - 1)).toBe('too-dark');
  });

  it('opens the gate only after the face has been ok without a break for the steady time', () => {
    const sut = new SteadyGate(500);
    expect(sut.update('ok', 0)).toBe(false);
    expect(sut.update('ok', 400)).toBe(false);
    expect(sut.update('off-centre', 450)).toBe(false);
    expect(sut.update('ok', 500)).toBe(false);
    expect(sut.update('ok', 999)).toBe(false);
    expect(sut.update('ok', 1000)).toBe(true);
  });

  it('averages BT.601 luma over RGBA pixels', () => {
    expect(meanLuma([255, 255, 255, 255, 0, 0, 0, 255])).toBeCloseTo(127.5, 6);
    expect(meanLuma([255, 0, 0, 255])).toBeCloseTo(76.245, 6);
    expect(meanLuma([])).toBe(0);
  });
});

describe('crop geometry', () => {
  it('cuts FRAME_LIMITS.context face sides about the face’s centre', () => {
    const face = { x: 0.46, y: 0.46, w: 0.08, h: 0.08 }; // 51.2×38.4 px in 640×480, centred: the side is 51.2 px
    const square = cropSquare(face, 640, 480);
    expect(square.side).toBeCloseTo(51.2 * FRAME_LIMITS.context, 6);
    expect(square.x + square.side / 2).toBeCloseTo(320, 6);
    expect(square.y + square.side / 2).toBeCloseTo(240, 6);
  });

  it('clamps the square to the frame, shifting it inside rather than padding', () => {
    const face = { x: 0.0, y: 0.1, w: 0.3, h: 0.4 }; // 192×192 px: four sides would be 768 > 480
    expect(cropSquare(face, 640, 480)).toEqual({ x: 0, y: 0, side: 480 });
  });

  it('outputs frames of a side within the protocol’s limits', () => {
    expect(frameSide()).toBe(FRAME_LIMITS.side);
    expect(frameSide(10)).toBe(FRAME_LIMITS.minSide);
    expect(frameSide(1000)).toBe(FRAME_LIMITS.maxSide);
  });
});

describe('landmark boxes', () => {
  it('clamps boxes to the frame and has none without area', () => {
    expect(
      landmarkBox([
        { x: -0.1, y: 0.2 },
        { x: 0.3, y: 1.2 },
      ]),
    ).toEqual({ x: 0, y: 0.2, w: 0.3, h: 0.8 });
    expect(landmarkBox([])).toBeNull();
    expect(landmarkBox([{ x: 2, y: 2 }])).toBeNull();
  });
});

describe('cameraErrorCode', () => {
  it.each([
    ['NotAllowedError', 'camera-denied'],
    ['SecurityError', 'camera-denied'],
    ['NotFoundError', 'camera-not-found'],
    ['OverconstrainedError', 'camera-not-found'],
    ['NotReadableError', 'camera-in-use'],
    ['TypeError', 'camera-unsupported'],
    ['AbortError', 'camera-failed'],
  ])('maps %s to %s', (name, code) => {
    expect(cameraErrorCode({ name })).toBe(code);
  });

  it('maps anything without a name to camera-failed', () => {
    expect(cameraErrorCode(undefined)).toBe('camera-failed');
    expect(cameraErrorCode('boom')).toBe('camera-failed');
  });
});

describe('CropSchedule: each camera frame cropped at most once, ~10 a second, stamped with when it was shown', () => {
  /** Crops a camera of `interval` ms from 0 to `until` on 16 ms animation frames; `stall` holds a frame back. */
  function crops(interval: number, until: number, stall?: { from: number; to: number }): number[] {
    const schedule = new CropSchedule();
    const taken: number[] = [];
    let shown = null as FrameOnStepClock | null;
    for (let now = 0; now <= until; now += 16) {
      const serial = Math.floor(now / interval);
      const held = stall && now >= stall.from && now < stall.to;
      if (!held && serial !== shown?.serial) shown = { serial, at: serial * interval, interval };
      const t = schedule.next(shown, now);
      if (t !== null) {
        schedule.taken(t, shown?.serial ?? null);
        taken.push(t);
      }
    }
    return taken;
  }
  const gaps = (times: number[]) => times.slice(1).map((t, k) => t - times[k]);

  it('crops about 10 frames a second from cameras of 30, 15, 12 and 7.5 frames a second', () => {
    for (const interval of [1000 / 30, 1000 / 15, 1000 / 12, 1000 / 7.5]) {
      const taken = crops(interval, 10_000);
      const rate = (taken.length - 1) / ((taken.at(-1)! - taken[0]) / 1000);
      expect(rate).toBeGreaterThan(Math.min(7, 1000 / interval - 0.5));
      expect(rate).toBeLessThanOrEqual(10.5);
      expect(Math.min(...gaps(taken))).toBeGreaterThanOrEqual(MIN_CROP_GAP_MS);
      expect(Math.max(...gaps(taken))).toBeLessThanOrEqual(Math.max(2 * FRAME_INTERVAL_MS, interval) + 1);
      // Each crop is a camera frame's own time: a multiple of its interval.
      for (const t of taken) expect(Math.abs(t / interval - Math.round(t / interval))).toBeLessThan(0.02);
    }
  });

  it('never crops a camera frame twice unless the camera stalls for STALE_FRAME_MS, then keeps every gap in the plan', () => {
    const taken = crops(1000 / 30, 3000, { from: 1000, to: 1600 });
    const stalled = taken.filter((t) => t >= 1000 && t < 1600);
    // Held frames are cropped again every STALE_FRAME_MS (stamped when cropped), and no sooner.
    expect(gaps(stalled).every((gap) => gap >= STALE_FRAME_MS)).toBe(true);
    expect(Math.max(...gaps(taken))).toBeLessThanOrEqual(STALE_FRAME_MS + 16);
    expect(STALE_FRAME_MS + 16).toBeLessThan(FRAME_LIMITS.maxGapMs);
    // After the stall no burst: gaps stay at least MIN_CROP_GAP_MS, and the rate comes back to ~10 a second.
    expect(Math.min(...gaps(taken))).toBeGreaterThanOrEqual(MIN_CROP_GAP_MS);
    expect(taken.filter((t) => t >= 2000).length).toBeLessThanOrEqual(11);
  });

  it('crops the first frame of a step at once, never dated before the step began', () => {
    const schedule = new CropSchedule();
    expect(schedule.next({ serial: 7, at: -40, interval: 33 }, 3)).toBe(0);
    expect(new CropSchedule().next(null, 3)).toBe(3);
  });

  it('without frame callbacks, crops on animation frames every ~100 ms as before', () => {
    const schedule = new CropSchedule();
    schedule.taken(0, null);
    expect(schedule.next(null, 50)).toBeNull();
    expect(schedule.next(null, 93)).toBe(93);
    schedule.taken(93, null);
    expect(schedule.next(null, 150)).toBeNull();
    expect(schedule.next(null, 192)).toBe(192);
  });

  it("at the step's end takes any frame at least the plan's smallest gap after the last", () => {
    const schedule = new CropSchedule();
    schedule.taken(2400, 7);
    expect(schedule.next({ serial: 7, at: 2400, interval: 33 }, 2420, true)).toBeNull();
    expect(schedule.next({ serial: 7, at: 2400, interval: 33 }, 2440, true)).toBe(2440);
    expect(schedule.next({ serial: 8, at: 2436, interval: 33 }, 2450, true)).toBe(2436);
  });
});
