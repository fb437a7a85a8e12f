/**
 * The continuity check on real frames of real people (GRID, CC BY 4.0) with the server's real UltraFace boxes:
 * one take passes, lit by the flashes or not; clips spliced together, a reframed cut and alternating identities
 * fail.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { AnalysedFrame } from '../../src/liveness/analysis/face-analyzer';
import { checkContinuity, measureContinuity, pairRatios } from '../../src/liveness/checks/continuity.check';
import { cropResize } from '../../src/liveness/rgb-image';
import type { FlashStep } from '../../src/protocol/liveness-plan';
import { deriveAttemptPlan } from '../../src/protocol/liveness-plan';
import type { RealModels } from '../support/liveness';
import { loadRealModels } from '../support/liveness';
import type { SourceFrame } from '../support/screen-light';
import { loadLiveClip, simulateFlashStep } from '../support/screen-light';

const CLIPS = ['grid/bbaf2n', 'grid/brbk7n', 'grid/lwbsza'];
const step = deriveAttemptPlan('0123456789abcdef0123456789abcdef').at(-1) as FlashStep;

let models: RealModels;
const clips: SourceFrame[][] = [];

beforeAll(async () => {
  models = await loadRealModels();
  for (const clip of CLIPS) clips.push(await loadLiveClip(models.runner, clip));
}, 180_000);

afterAll(async () => {
  await models?.onnx.release();
});

const worst = (frames: AnalysedFrame[]) => Math.max(...pairRatios(measureContinuity(frames)).map((r) => r.ratio));

/** The same take with its frames from `from` on shifted `dx` pixels (a reframed cut: the face jumps). */
function reframed(frames: AnalysedFrame[], from: number, dx: number): AnalysedFrame[] {
  return frames.map((f, k) => {
    if (k < from || !f.face) return f;
    const { width, height } = f.image;
    const image = cropResize(f.image, { x: -dx, y: 0, w: width, h: height }, width, height);
    return { ...f, image, face: { ...f.face, box: { ...f.face.box, x: f.face.box.x + dx } } };
  });
}

describe('continuity', () => {
  it('one take of each person passes, unlit and lit by the flashes, at 8 to 12 frames/s', async () => {
    const ratios: number[] = [];
    for (let c = 0; c < clips.length; c++) {
      for (const [fps, light] of [
        [8, 'none'],
        [12, 'screen'],
        [10, 'screen'],
      ] as const) {
        const frames = await simulateFlashStep(clips[c], step, { fps, light, seed: c * 7 + fps, screenGain: 0.5 });
        const result = checkContinuity(frames);
        expect(result.reasons).toEqual([]);
        expect(result.status).toBe('pass');
        ratios.push(worst(frames));
      }
    }
    console.log(`genuine: worst pair at ${Math.max(...ratios).toFixed(2)} of the limit`);
  });

  it('two people spliced together fail with continuity-cut', async () => {
    const ratios: number[] = [];
    for (let c = 0; c < clips.length; c++) {
      const a = await simulateFlashStep(clips[c], step, { seed: c });
      const b = await simulateFlashStep(clips[(c + 1) % clips.length], step, { seed: c });
      const half = Math.floor(a.length / 2);
      const spliced = [...a.slice(0, half), ...b.slice(half)];
      const result = checkContinuity(spliced);
      expect(result.status).toBe('fail');
      expect(result.reasons).toContain('continuity-cut');
      expect(result.score).toBeLessThan(0.5);
      ratios.push(worst(spliced));
    }
    console.log(`two people spliced: least worst pair at ${Math.min(...ratios).toFixed(2)} of the limit`);
  });

  it('alternating identities fail with continuity-cut', async () => {
    const a = await simulateFlashStep(clips[0], step, { seed: 3 });
    const b = await simulateFlashStep(clips[2], step, { seed: 3 });
    const mixed = a.map((f, k) => (k % 4 < 2 ? f : (b[k] ?? f)));
    expect(checkContinuity(mixed).reasons).toContain('continuity-cut');
  });

  it('a reframed cut (the face jumps by 0.7 of its width) fails with continuity-jump', async () => {
    for (let c = 0; c < clips.length; c++) {
      const frames = await simulateFlashStep(clips[c], step, { seed: c, light: 'none' });
      const dx = Math.round(frames[0].face!.box.w * 0.7);
      const result = checkContinuity(reframed(frames, Math.floor(frames.length / 2), dx));
      expect(result.status).toBe('fail');
      expect(result.reasons).toContain('continuity-jump');
    }
  });

  it('a head turn passes as a movement; the same change as a lone spike, or a still cross-fade, is a cut', () => {
    // The face thumbnail's dissimilarity and the box's jump of each pair, as the widget's frames of a 40° turn
    // at 10 frames/s read them (a lone spike and a cross-fade between still boxes keep the same values).
    // Movements along x (a turn): the box and the pose proxy shift by `jump` and `pose` to the right.
    const pair = (k: number, face: number, jump: number, scene = 0, pose = 0) => ({
      from: k * 100,
      to: k * 100 + 100,
      jump,
      scale: 0,
      pose,
      shift: [jump, 0] as [number, number],
      poseShift: [pose, 0] as [number, number],
      face,
      scene,
      action: 0,
    });
    const still = Array.from({ length: 8 }, (_, k) => pair(k, 0.004, 0.005));
    const turn = [
      ...still.slice(0, 4),
      pair(4, 0.048, 0.02),
      pair(5, 0.4, 0.254),
      pair(6, 0.152, 0.033),
      ...still.slice(7),
    ];
    expect(pairRatios(turn).flatMap((r) => r.reasons)).toEqual([]);
    // The widget's frame is a square about the face: the turn changes the whole frame's thumbnail too, by
    // more than the scene's floor of 0.1 when a frame was dropped (0.095 and 0.097 in the browser suite).
    const framedTurn = [
      ...still.slice(0, 4),
      pair(4, 0.3, 0.13, 0.125),
      pair(5, 0.241, 0.02, 0.097),
      pair(6, 0.09, 0.01, 0.03),
      ...still.slice(7),
    ];
    expect(pairRatios(framedTurn).flatMap((r) => r.reasons)).toEqual([]);
    // A turn that hardly moves the box of a frame centred on the face: the pose proxy moved instead.
    const centredTurn = [
      ...still.slice(0, 4),
      pair(4, 0.12, 0.02, 0.02, 0.11),
      pair(5, 0.277, 0.099, 0.107, 0.39),
      pair(6, 0.09, 0.02, 0.03, 0.03),
      ...still.slice(7),
    ];
    expect(pairRatios(centredTurn).flatMap((r) => r.reasons)).toEqual([]);
    // Without the pose proxy, and with the neighbours' boxes jittering back rather than moving on, the same
    // pair is a lone spike.
    const unposed = centredTurn.map((p, k) => ({
      ...p,
      pose: 0,
      poseShift: [0, 0] as [number, number],
      shift: (k === 5 ? p.shift : [-p.jump, 0]) as [number, number],
    }));
    expect(pairRatios(unposed)[5].reasons).toEqual(['continuity-cut']);
    // A step's first pairs: the visitor closes the mouth of the previous prompt (measured 0.18 in one pair).
    const settling = [pair(0, 0.21, 0.01), pair(1, 0.07, 0.01), ...still.slice(2)];
    expect(pairRatios(settling).flatMap((r) => r.reasons)).toEqual([]);
    // The return from a 40° turn falling in the step's first pair, with still pairs after it (browser suite:
    // face 0.35–0.46, scene up to 0.24): the neighbours give no allowance, the settling time does.
    const returned = [pair(0, 0.394, 0.16, 0.116, 0.293), ...still.slice(1)];
    expect(pairRatios(returned).flatMap((r) => r.reasons)).toEqual([]);
    const recentred = [pair(0, 0.029, 0.13, 0.24, 0.105), ...still.slice(1)];
    expect(pairRatios(recentred).flatMap((r) => r.reasons)).toEqual([]);
    // Past the settling time, the same pair is a lone spike.
    const lateReturn = [...still.slice(0, 5), pair(5, 0.394, 0.05, 0.116, 0.05), ...still.slice(6)];
    expect(pairRatios(lateReturn)[5].reasons).toEqual(['continuity-cut']);
    // A turn's main pair re-centres the frame on the face: its scene may change as a turn does (0.152 in the
    // browser suite), even when the pairs either side changed the scene little.
    const recentringTurn = [
      ...still.slice(0, 4),
      pair(4, 0.083, 0.046, 0.028, 0.1),
      pair(5, 0.301, 0.102, 0.152, 0.349),
      pair(6, 0.029, 0.02, 0.006, 0.073),
      ...still.slice(7),
    ];
    expect(pairRatios(recentringTurn).flatMap((r) => r.reasons)).toEqual([]);
    const lateSpike = [...still.slice(0, 5), pair(5, 0.21, 0.01), pair(6, 0.07, 0.01), ...still.slice(7)];
    expect(pairRatios(lateSpike)[5].reasons).toEqual(['continuity-cut']);
    const sceneSpike = [...still.slice(0, 5), pair(5, 0.1, 0.05, 0.12), ...still.slice(6)];
    expect(pairRatios(sceneSpike)[5].reasons).toEqual(['continuity-cut']);
    const spike = [...still.slice(0, 5), pair(5, 0.4, 0.05), ...still.slice(6)];
    expect(pairRatios(spike)[5].reasons).toEqual(['continuity-cut']);
    const fade = [
      ...still.slice(0, 4),
      pair(4, 0.22, 0.01),
      pair(5, 0.22, 0.01),
      pair(6, 0.22, 0.01),
      ...still.slice(7),
    ];
    expect(pairRatios(fade).flatMap((r) => r.reasons)).toContain('continuity-cut');
  });

  it('a look-up passes as a movement: slow in every pair, it adds up over its neighbours', () => {
    // The widget's frames of a 30° look-up in the browser suite, as they read them: box and pose proxy shifts
    // (face widths, inter-ocular distances), face and scene dissimilarity. Its last pair changed the face by
    // 0.20 with jump 0.08 and pose 0.10, under each per-pair threshold of a movement.
    const pair = (k: number, shift: [number, number], poseShift: [number, number], face: number, scene = 0) => ({
      from: k * 100,
      to: k * 100 + 100,
      jump: Math.hypot(...shift),
      scale: 0.02,
      pose: Math.hypot(...poseShift),
      shift,
      poseShift,
      face,
      scene,
      action: 0,
    });
    const still = (k: number) => pair(k, [0.002, -0.001], [0.003, 0.002], 0.003);
    const lookUp = [
      ...[0, 1, 2, 3].map(still),
      pair(4, [0.037, -0.024], [-0.027, 0.019], 0.18),
      pair(5, [-0.014, -0.018], [0.047, 0.082], 0.172, 0.03),
      pair(6, [0.012, -0.066], [0.042, -0.025], 0.103, 0.03),
      pair(7, [0.017, -0.073], [0.02, -0.101], 0.204, 0.05),
      pair(8, [-0.007, -0.023], [-0.012, -0.001], 0.045, 0.01),
      ...[9, 10, 11, 12].map(still),
    ];
    expect(pairRatios(lookUp).flatMap((r) => r.reasons)).toEqual([]);
    // The same pair with its neighbours still is a lone spike; so is a cross-fade whose box jitters back and
    // forth (the shifts cancel).
    const alone = [...[0, 1, 2, 3, 4, 5, 6].map(still), lookUp[7], ...[8, 9, 10, 11].map(still)];
    expect(pairRatios(alone)[7].reasons).toEqual(['continuity-cut']);
    const jitteredFade = Array.from({ length: 10 }, (_, k) =>
      pair(k, [k % 2 ? 0.06 : -0.06, 0], [k % 2 ? 0.08 : -0.08, 0], k >= 4 && k <= 6 ? 0.22 : 0.003),
    );
    expect(pairRatios(jitteredFade).flatMap((r) => r.reasons)).toContain('continuity-cut');
  });

  it("a turn's main pair may exceed its turning neighbours by the square of its larger pose change", () => {
    // A 40° turn of the browser suite whose main pair held most of it: face 0.39 with pose 0.30, beside pairs
    // of 0.07 and 0.05 that turned 0.15 and 0.14 (5 × 0.07 = 0.35 read it as a cut).
    const pair = (k: number, face: number, pose: number, jump = 0.01) => ({
      ...{ from: k * 100, to: k * 100 + 100, jump, scale: 0.02, pose, face, scene: 0.01, action: 0 },
      shift: [jump, 0] as [number, number],
      poseShift: [pose, 0] as [number, number],
    });
    const still = (k: number) => pair(k, 0.003, 0.01);
    const turn = [
      ...[0, 1, 2, 3, 4].map(still),
      pair(5, 0.07, 0.1, 0.03),
      pair(6, 0.05, 0.15, 0.02),
      pair(7, 0.39, 0.3, 0.16),
      pair(8, 0.03, 0.14, 0.02),
      ...[9, 10, 11, 12].map(still),
    ];
    expect(pairRatios(turn).flatMap((r) => r.reasons)).toEqual([]);
    // The same pose jump between neighbours that did not turn (a splice of two takes at different poses) gets
    // no more than 5 × its neighbours.
    const splice = [
      ...[0, 1, 2, 3, 4, 5].map(still),
      pair(6, 0.05, 0.05),
      pair(7, 0.39, 0.3, 0.16),
      pair(8, 0.03, 0.05),
    ];
    expect(pairRatios(splice)[7].reasons).toEqual(['continuity-cut']);
  });

  it('an expression the server measured is a movement: an opening mouth passes, a still cross-fade does not', async () => {
    // An open-mouth prompt of the browser suite: neither the box nor the nose moved, one pair changed the face
    // by 0.22 beside pairs of 0.06 (over the still floor of 0.2).
    const frames = (await simulateFlashStep(clips[0], step, { fps: 10, light: 'none', seed: 5 })).slice(0, 16);
    const pairs = measureContinuity(frames).map((p, k) => ({
      ...p,
      face: k === 7 ? 0.22 : k === 6 || k === 8 ? 0.06 : p.face,
    }));
    expect(pairRatios(pairs)[7].reasons).toEqual(['continuity-cut']);
    // The mesh's samples, a frame in two or three: the mouth opens by 1.75 thresholds over those three pairs.
    const [opens, open] = [pairs[6].from, pairs[8].to];
    const mouth = frames
      .filter((_, k) => k % 2 === 0)
      .map((f) => ({ t: f.t, progress: 0.05 + 1.75 * Math.min(1, Math.max(0, (f.t - opens) / (open - opens))) }));
    const measured = measureContinuity(frames, mouth).map((p, k) => ({ ...p, face: pairs[k].face }));
    expect(measured[7].action).toBeGreaterThanOrEqual(0.3);
    expect(pairRatios(measured).flatMap((r) => r.reasons)).toEqual([]);
    // A still cross-fade whose mouth measure stays put gets no allowance.
    const flat = mouth.map((sample) => ({ ...sample, progress: 0.05 }));
    const fade = measureContinuity(frames, flat).map((p, k) => ({ ...p, face: pairs[k].face }));
    expect(fade.every((p) => p.action < 0.01)).toBe(true);
    expect(pairRatios(fade)[7].reasons).toEqual(['continuity-cut']);
  });

  it('too few frames with a face is unavailable', async () => {
    const frames = (await simulateFlashStep(clips[0], step, { seed: 1 })).slice(0, 3);
    expect(checkContinuity(frames).status).toBe('unavailable');
  });
});
