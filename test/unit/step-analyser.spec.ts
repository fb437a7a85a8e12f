/** Which frames of a step the identity descriptors are taken from. */
import { describe, expect, it } from '@jest/globals';
import type { AnalysedFrame, FaceMeasures } from '../../src/liveness/analysis/face-analyzer';
import { DESCRIBED_FRAMES, describableFrames, framesToPose } from '../../src/liveness/analysis/step-analyser';
import { FLASH_THRESHOLDS } from '../../src/liveness/checks/flash-response.check';
import { PROMPT_REACTION_MS } from '../../src/liveness/checks/prompt.check';
import type { FlashStep, PromptStep } from '../../src/protocol/liveness-plan';
import { deriveAttemptPlan } from '../../src/protocol/liveness-plan';

const plan = deriveAttemptPlan('0123456789abcdef0123456789abcdef');
const flashes = plan.find((step): step is FlashStep => step.kind === 'flashes')!;
const prompt = plan.find((step): step is PromptStep => step.kind === 'prompt')!;
const face = { box: { x: 40, y: 40, w: 100, h: 100 }, score: 0.9, points: [] as Array<[number, number]> };
const frames = (durationMs: number): AnalysedFrame[] =>
  Array.from({ length: Math.floor(durationMs / 100) + 1 }, (_, i) => ({
    i,
    t: i * 100,
    image: { width: 1, height: 1, data: new Uint8Array(3) },
    face,
    faces: 1,
  }));
const rest: FaceMeasures = { yaw: 0, pitch: 0, roll: 0, eyeOpenness: 0.35, mouthOpenness: 0.02, smile: 0.85 };

describe('describableFrames', () => {
  it('takes the flash step’s descriptors from its unlit lead and tail only (a saturated colour moves them)', () => {
    const step = frames(flashes.durationMs);
    const picked = describableFrames(flashes, step, null, rest);
    expect(picked.length).toBeGreaterThan(0);
    for (const frame of picked) {
      const late = FLASH_THRESHOLDS.onsetMaxMs;
      expect(frame.t < flashes.leadMs || frame.t > flashes.durationMs - flashes.tailMs + late).toBe(true);
    }
  });

  it('skips flash-step frames where the visitor is still coming back from a turn', () => {
    // Eyes 60 px apart; the nose 18 px off their midpoint reads 0.3 inter-ocular distances (a turned head).
    const withNose = (dx: number) => ({
      ...face,
      points: [
        [60, 70],
        [120, 70],
        [90 + dx, 100],
        [70, 120],
        [110, 120],
      ] as Array<[number, number]>,
    });
    const step = frames(flashes.durationMs).map((frame) => ({
      ...frame,
      face: withNose(frame.t < flashes.leadMs - 100 ? 18 : 0),
    }));
    const picked = describableFrames(flashes, step, null, rest);
    expect(picked.length).toBeGreaterThan(0);
    for (const frame of picked) expect(frame.t).toBeGreaterThanOrEqual(flashes.leadMs - 100);
    // Nothing facing among the unlit frames (still turned in the lead, already moving in the tail): the lit
    // frames that face the screen as most of the step does.
    const lit = (t: number) => t >= flashes.leadMs && t <= flashes.durationMs - flashes.tailMs;
    const turned = step.map((frame) => ({ ...frame, face: withNose(lit(frame.t) ? 0 : 18) }));
    const fromLit = describableFrames(flashes, turned, null, rest);
    expect(fromLit.length).toBeGreaterThan(0);
    for (const frame of fromLit) expect(lit(frame.t) && frame.t >= PROMPT_REACTION_MS).toBe(true);
  });

  it('skips the flash step’s frames before the reaction time, whatever their pose proxy reads', () => {
    // Coming back from a look-up, a frame whose nose offset already read as at rest was another face to the
    // descriptor: the settling time decides, with the nose offset as a second filter.
    const picked = describableFrames(flashes, frames(flashes.durationMs), null, rest);
    expect(picked.length).toBeGreaterThan(0);
    for (const frame of picked) expect(frame.t).toBeGreaterThanOrEqual(PROMPT_REACTION_MS);
  });

  it('takes a prompt step’s descriptors from the frames that face the camera as at rest', () => {
    const step = frames(prompt.durationMs);
    const measured = step.map((frame) => ({ t: frame.t, measures: { ...rest, yaw: frame.t < 500 ? 0 : 30 } }));
    expect(describableFrames(prompt, step, measured, rest).map((frame) => frame.t)).toEqual([0, 100, 200, 300, 400]);
  });

  it('poses every other frame of a prompt step when its sampled window faces the camera in too few', () => {
    // Still turned 30° from the previous prompt, through frontal at 700 ms, on into a look-up: the window's
    // samples miss the one frontal frame, and describing turned frames reads another person.
    const step = frames(prompt.durationMs);
    const pose = (t: number) => ({ ...rest, yaw: t < 700 ? -30 : 0, pitch: t > 700 ? 15 : 0 });
    const sampled = step
      .filter((frame) => frame.t % 300 === 0)
      .map((frame) => ({ t: frame.t, measures: pose(frame.t) }));
    const others = framesToPose(step, sampled, rest);
    expect(others.map((frame) => frame.t)).toContain(700);
    expect(others).toHaveLength(step.length - sampled.length);
    const all = [...sampled, ...others.map((frame) => ({ t: frame.t, measures: pose(frame.t) }))];
    expect(describableFrames(prompt, step, all, rest).map((frame) => frame.t)).toEqual([700]);
    // Enough frontal samples: nothing more to measure.
    const frontal = step.map((frame) => ({ t: frame.t, measures: rest }));
    expect(DESCRIBED_FRAMES).toBeLessThanOrEqual(frontal.length);
    expect(framesToPose(step, frontal, rest)).toEqual([]);
    expect(framesToPose(step, sampled, null)).toEqual([]);
  });

  it('with no frame within 10° of the rest pose, describes the one closest to it', () => {
    // From a look-up straight into a turn: the closest frame passes 12° off; the next, 13–16° off, can read
    // another person.
    const step = frames(prompt.durationMs);
    const offsets: Record<number, [number, number]> = { 400: [3, 14.6], 600: [-6, 12.3], 700: [-13.2, 9] };
    const measured = step.map((frame) => {
      const [yaw, pitch] = offsets[frame.t] ?? (frame.t < 400 ? [3, 23] : [-32, -6]);
      return { t: frame.t, measures: { ...rest, yaw, pitch } };
    });
    expect(describableFrames(prompt, step, measured, rest).map((frame) => frame.t)).toEqual([600]);
    // Turned throughout: the closest frames are turned, and identity judges them as it did before.
    const turned = measured.map((frame) => ({ ...frame, measures: { ...rest, yaw: frame.t === 500 ? -28 : -32 } }));
    expect(describableFrames(prompt, step, turned, rest).map((frame) => frame.t)).toEqual([500]);
  });
});
