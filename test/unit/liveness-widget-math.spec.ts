import { describe, expect, it } from '@jest/globals';
import { FRAME_LIMITS } from '../../src/protocol/liveness-plan';
import { cameraErrorCode } from '../../widget/src/liveness/camera';
import { cropSquare, frameSide } from '../../widget/src/liveness/crop-geometry';
import { landmarkBox } from '../../widget/src/liveness/frame-summary';
import { GUIDANCE_LIMITS, SteadyGate, decideGuidance, meanLuma } from '../../widget/src/liveness/guidance';

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
