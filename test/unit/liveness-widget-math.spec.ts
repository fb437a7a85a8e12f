import { describe, expect, it } from '@jest/globals';
import type { FaceBox, FrameSummary, LivenessCrop } from '../../src/protocol/liveness';
import { frameSummarySchema } from '../../src/protocol/liveness';
import { CROP_CONTEXT, EVIDENCE_LIMITS, deriveLivenessScript } from '../../src/protocol/liveness-script';
import { ACTION_RULES } from '../../src/liveness/checks/prompts.check';
import { cameraErrorCode } from '../../widget/src/liveness/camera';
import type { CropGrabber } from '../../widget/src/liveness/capture-schedule';
import { CAPTURE_TOLERANCE_MS, CaptureSchedule } from '../../widget/src/liveness/capture-schedule';
import { CROP_SIDE, boxInCrop, cropOutputSide, cropSquare } from '../../widget/src/liveness/crop-geometry';
import type { FaceObservation } from '../../widget/src/liveness/frame-summary';
import { landmarkBox, summariseFrame } from '../../widget/src/liveness/frame-summary';
import { GUIDANCE_LIMITS, SteadyGate, decideGuidance, meanLuma } from '../../widget/src/liveness/guidance';
import { headPoseFromMatrix } from '../../widget/src/liveness/head-pose';
import { isSpoiled } from '../../widget/src/liveness/script-player';

/** A column-major 4×4 matrix from a 3×3 rotation (rows) and a translation, as MediaPipe lays them out. */
function matrix(rotation: number[][], translation: [number, number, number] = [0, 0, -50]): number[] {
  const m = new Array<number>(16).fill(0);
  for (let row = 0; row < 3; row++)
    for (let column = 0; column < 3; column++) m[column * 4 + row] = rotation[row][column];
  [m[12], m[13], m[14], m[15]] = [...translation, 1];
  return m;
}

const rad = (degrees: number) => (degrees * Math.PI) / 180;
/** The face turned about the vertical axis: its forward axis (third column) becomes (sin θ, 0, cos θ). */
const turned = (degrees: number) => {
  const [c, s] = [Math.cos(rad(degrees)), Math.sin(rad(degrees))];
  return [
    [c, 0, s],
    [0, 1, 0],
    [-s, 0, c],
  ];
};
/** The face tilted about the horizontal axis: its forward axis becomes (0, sin φ, cos φ). */
const tilted = (degrees: number) => {
  const [c, s] = [Math.cos(rad(degrees)), Math.sin(rad(degrees))];
  return [
    [1, 0, 0],
    [0, c, s],
    [0, -s, c],
  ];
};

/**
 * Matrices MediaPipe's FaceLandmarker gave for photos of test/fixtures/faces in Chromium, with where the nose
 * tip (landmark 1) sat against the midpoint of the cheeks (234, 454): image_T1's nose is 40 px right of it in
 * the unmirrored photo (the person turned to their own left), and 40 px left of it when mirrored.
 */
const IMAGE_T1 = [0.9, -0.21, -0.39, 0, 0.26, 0.96, 0.08, 0, 0.36, -0.18, 0.92, 0, -2.86, 6.44, -47.26, 1];
const IMAGE_T1_MIRRORED = [0.89, 0.2, 0.4, 0, -0.25, 0.96, 0.09, 0, -0.37, -0.18, 0.91, 0, 2.9, 6.46, -46.84, 1];
/** The astronaut looks at a camera below her face (translation y > 0): raw pitch −15.5°, at rest seen from it. */
const ASTRONAUT = [1, -0.06, -0.01, 0, 0.06, 0.96, 0.27, 0, 0, -0.27, 0.96, 0, -5.02, 22.75, -69.92, 1];

describe('headPoseFromMatrix', () => {
  it('reads a frontal face as 0, 0, 0', () => {
    const pose = headPoseFromMatrix(matrix(turned(0)));
    expect([pose.yaw, pose.pitch, pose.roll].map((v) => Math.abs(v))).toEqual([0, 0, 0]);
  });

  it('reads a turn to the person’s own left (nose towards the image’s right) as positive yaw', () => {
    expect(headPoseFromMatrix(matrix(turned(30))).yaw).toBeCloseTo(30, 6);
    expect(headPoseFromMatrix(matrix(turned(-25))).yaw).toBeCloseTo(-25, 6);
    expect(headPoseFromMatrix(IMAGE_T1).yaw).toBeGreaterThan(ACTION_RULES['turn-left'].rest);
    expect(-headPoseFromMatrix(IMAGE_T1_MIRRORED).yaw).toBeGreaterThan(ACTION_RULES['turn-right'].rest);
  });

  it('reads looking up (nose towards the image’s top) as positive pitch', () => {
    expect(headPoseFromMatrix(matrix(tilted(20))).pitch).toBeCloseTo(20, 6);
    expect(headPoseFromMatrix(matrix(tilted(-10))).pitch).toBeCloseTo(-10, 6);
    expect(headPoseFromMatrix(matrix(tilted(20))).yaw).toBeCloseTo(0, 6);
  });

  it('measures from the line of sight to the camera, so a face looking at it off-axis is at rest', () => {
    const pose = headPoseFromMatrix(ASTRONAUT);
    expect(Math.abs(pose.pitch)).toBeLessThan(ACTION_RULES['look-up'].rest);
    expect(Math.abs(pose.yaw)).toBeLessThan(ACTION_RULES['turn-left'].rest);
    // Looking straight at a camera 20 cm below, 60 cm away: the raw axis points 18° down.
    const lookingAtCamera = matrix(tilted(-Math.atan2(20, 60) * (180 / Math.PI)), [0, 20, -60]);
    expect(headPoseFromMatrix(lookingAtCamera).pitch).toBeCloseTo(0, 6);
  });

  it('reads a head tilted towards the person’s left shoulder as positive roll, and refuses a short matrix', () => {
    const roll = 15;
    const [c, s] = [Math.cos(rad(roll)), Math.sin(rad(roll))];
    expect(
      headPoseFromMatrix(
        matrix([
          [c, s, 0],
          [-s, c, 0],
          [0, 0, 1],
        ]),
      ).roll,
    ).toBeCloseTo(roll, 6);
    expect(() => headPoseFromMatrix([1, 0, 0])).toThrow(RangeError);
  });
});

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
  it('cuts CROP_CONTEXT face sides about the face’s centre and re-expresses the box in the crop', () => {
    const face = { x: 0.45, y: 0.45, w: 0.1, h: 0.1 }; // 64×48 px in 640×480: the side is 64 px
    const square = cropSquare(face, 640, 480);
    expect(square).toEqual({ x: 320 - 96, y: 240 - 96, side: 64 * CROP_CONTEXT });
    const box = boxInCrop(face, square, 640, 480);
    expect(box.x).toBeCloseTo(1 / 3, 3);
    expect(box.w).toBeCloseTo(1 / 3, 3);
    expect(box.y).toBeCloseTo((216 - 144) / 192, 3);
    expect(box.h).toBeCloseTo(48 / 192, 3);
  });

  it('clamps the square to the frame, shifting it inside rather than padding', () => {
    const face = { x: 0.0, y: 0.1, w: 0.3, h: 0.4 }; // 192×192 px: three sides would be 576 > 480
    const square = cropSquare(face, 640, 480);
    expect(square).toEqual({ x: 0, y: 0, side: 480 });
    const box = boxInCrop(face, square, 640, 480);
    expect(box).toEqual({ x: 0, y: 0.1, w: 0.4, h: 0.4 });
  });

  it('outputs crops of a side within the evidence limits', () => {
    expect(cropOutputSide()).toBe(CROP_SIDE);
    expect(cropOutputSide(10)).toBe(EVIDENCE_LIMITS.minCropSide);
    expect(cropOutputSide(1000)).toBe(EVIDENCE_LIMITS.maxCropSide);
  });
});

describe('frame summaries', () => {
  const observation = (overrides: Partial<FaceObservation> = {}): FaceObservation => ({
    landmarks: [
      { x: 0.4, y: 0.3 },
      { x: 0.6, y: 0.7 },
      { x: 0.5, y: 0.5 },
    ],
    matrix: IMAGE_T1,
    blendshapes: { eyeBlinkLeft: 0.8, eyeBlinkRight: 0.6, mouthSmileLeft: 0.1, mouthSmileRight: 0.3, jawOpen: 0.05 },
    ...overrides,
  });

  it('builds a summary the evidence schema accepts, with means of the paired blendshapes', () => {
    const summary = summariseFrame(1234.4, observation());
    expect(frameSummarySchema.safeParse(summary).success).toBe(true);
    expect(summary).toMatchObject({ t: 1234, blink: 0.7, smile: 0.2, jawOpen: 0.05 });
    expect(summary!.box).toEqual({ x: 0.4, y: 0.3, w: 0.2, h: 0.4 });
    expect(summary!.yaw).toBeCloseTo(headPoseFromMatrix(IMAGE_T1).yaw, 1);
  });

  it('clamps boxes to the frame and scores to 0..1, and skips a face without pose or area', () => {
    expect(
      landmarkBox([
        { x: -0.1, y: 0.2 },
        { x: 0.3, y: 1.2 },
      ]),
    ).toEqual({ x: 0, y: 0.2, w: 0.3, h: 0.8 });
    const summary = summariseFrame(5, observation({ blendshapes: { jawOpen: 1.0000001 } }));
    expect(summary).toMatchObject({ blink: 0, smile: 0, jawOpen: 1 });
    expect(summariseFrame(5, observation({ matrix: null }))).toBeNull();
    expect(summariseFrame(5, observation({ landmarks: [] }))).toBeNull();
    expect(summariseFrame(5, observation({ landmarks: [{ x: 2, y: 2 }] }))).toBeNull();
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

describe('CaptureSchedule', () => {
  const face: FaceBox = { x: 0.4, y: 0.3, w: 0.2, h: 0.3 };
  /** Records what was grabbed and encoded; a grab is just its time. */
  function recordingGrabber() {
    const grabs: number[] = [];
    const grabber: CropGrabber<{ t: number }> = {
      grab: (_box, t) => (grabs.push(t), { t }),
      encode: ({ t }, flashIndex): LivenessCrop => ({
        t,
        flashIndex,
        width: 224,
        height: 224,
        box: face,
        jpeg: 'AA==',
      }),
    };
    return { grabber, grabs };
  }
  const captures = [
    { t: 500, flashIndex: null },
    { t: 700, flashIndex: 0 },
    { t: 760, flashIndex: 1 },
  ];

  it('takes each capture on the first frame at or after its time when that is the nearest', () => {
    const { grabber } = recordingGrabber();
    const sut = new CaptureSchedule(captures, grabber);
    const taken = [100, 300, 480, 510, 690, 705, 765].flatMap((t) => sut.onTick(t, face));
    expect(taken.map((crop) => [crop.t, crop.flashIndex])).toEqual([
      [510, null],
      [705, 0],
      [765, 1],
    ]);
  });

  it('keeps the last frame before a capture when the next one comes later than it is early', () => {
    const { grabber, grabs } = recordingGrabber();
    const sut = new CaptureSchedule(captures.slice(0, 1), grabber);
    expect(sut.onTick(500 - CAPTURE_TOLERANCE_MS - 1, face)).toEqual([]);
    expect(sut.onTick(460, face)).toEqual([]);
    expect(sut.onTick(800, face).map((crop) => crop.t)).toEqual([460]);
    // Nothing is drawn before the tolerance window opens.
    expect(grabs[0]).toBe(460);
  });

  it('serves several captures from one late frame, and none before a face was seen', () => {
    const { grabber } = recordingGrabber();
    const sut = new CaptureSchedule(captures, grabber);
    expect(sut.onTick(600, null)).toEqual([]);
    expect(sut.onTick(800, face).map((crop) => [crop.t, crop.flashIndex])).toEqual([
      [800, null],
      [800, 0],
      [800, 1],
    ]);
    expect(sut.onTick(900, face)).toEqual([]);
  });
});

describe('isSpoiled', () => {
  const script = deriveLivenessScript('0123456789abcdef0123456789abcdef');
  const frameAt = (t: number) => ({ t }) as FrameSummary;
  const cropsAt = (...times: number[]) => times.map((t) => ({ t }) as LivenessCrop);
  const first = script.captures[0].t;

  it('accepts a take whose summaries and crops keep the service’s timing rules', () => {
    expect(isSpoiled(script, [], undefined, 5_000)).toBe(false);
    expect(isSpoiled(script, cropsAt(first + 150), frameAt(1_000), 1_400)).toBe(false);
  });

  it('spoils a take once no summary came for longer than the service accepts between two', () => {
    expect(isSpoiled(script, [], frameAt(1_000), 1_000 + EVIDENCE_LIMITS.maxFrameGapMs + 1)).toBe(true);
  });

  it('spoils a take whose crop missed its moment by more than the tolerance, early or late', () => {
    const tolerance = EVIDENCE_LIMITS.captureToleranceMs;
    expect(isSpoiled(script, cropsAt(first + tolerance + 1), frameAt(900), 1_000)).toBe(true);
    expect(isSpoiled(script, cropsAt(first - tolerance - 1), frameAt(900), 1_000)).toBe(true);
    expect(isSpoiled(script, cropsAt(first, script.captures[1].t + tolerance + 1), frameAt(900), 1_000)).toBe(true);
  });
});
