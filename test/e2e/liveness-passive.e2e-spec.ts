/**
 * Liveness v2's passive checks end to end on the real ONNX models: real recordings of live people and the
 * attack samples, each cut the way the v2 widget cuts its frames, then judged on the server's own UltraFace
 * box. The assertions are the validation's own findings (docs/liveness-passive.md), nothing stronger.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { JpegAdapter } from '../../src/adapters/jpeg.adapter';
import type { PassiveFrame } from '../../src/liveness/checks/passive.check';
import { checkPassiveFrames } from '../../src/liveness/checks/passive.check';
import { cutWidgetFrame } from '../../src/liveness/eval/passive-samples';
import { DEFAULT_PASSIVE_CONFIG } from '../../src/liveness/passive/passive-config';
import { ANTI_SPOOF_MODELS, DEEPFAKE_MODEL } from '../../src/liveness/passive/passive-models';
import type { RealModels } from '../support/liveness';
import { FACES_DIR, loadRealModels } from '../support/liveness';

const LIVE_DIR = path.resolve('test/fixtures/live-faces');
/** One frame of each of six people (test/fixtures/live-faces/README.md). */
const LIVE_FRAMES = [
  'grid/bbaf2n/frame_000.jpg',
  'grid/brbk7n/frame_030.jpg',
  'grid/lbax4n/frame_060.jpg',
  'grid/lwbsza/frame_065.jpg',
  'intel/head-pose-face-detection-male/frame_010.jpg',
  'intel/head-pose-face-detection-female/frame_020.jpg',
];

const ATTACK_FILES = ['image_F1.jpg', 'image_F2.jpg', 'mesonet_df00204.jpg', 'mesonet_df01254.jpg'];

const jpeg = new JpegAdapter();
let models: RealModels;
/** Each sample's widget frame and server box, cut once: detection is the slow part. */
const frames = new Map<string, PassiveFrame>();

async function cut(file: string): Promise<PassiveFrame> {
  const found = await cutWidgetFrame(models.runner, jpeg, jpeg.decode(fs.readFileSync(file)));
  if (!found) throw new Error(`no face in ${file}`);
  return found.frame;
}

function widgetFrameOf(file: string): PassiveFrame {
  const frame = frames.get(path.basename(path.dirname(file)) + '/' + path.basename(file));
  if (!frame) throw new Error(`${file} was not cut`);
  return frame;
}

beforeAll(async () => {
  models = await loadRealModels();
  const files = [
    ...LIVE_FRAMES.map((f) => path.join(LIVE_DIR, f)),
    ...ATTACK_FILES.map((f) => path.join(FACES_DIR, f)),
  ];
  const cuts = await Promise.all(files.map(cut));
  files.forEach((file, i) => frames.set(path.basename(path.dirname(file)) + '/' + path.basename(file), cuts[i]));
});

afterAll(async () => {
  await models.onnx.release();
});

describe('passive checks on real live frames', () => {
  it.each(LIVE_FRAMES)('lets %s pass with the default thresholds and vetoes', async (file) => {
    const frame = widgetFrameOf(path.join(LIVE_DIR, file));
    const sut = await checkPassiveFrames(models.runner, [frame], DEFAULT_PASSIVE_CONFIG);
    expect(sut.presentation.status).toBe('pass');
    expect(sut.presentation.score).toBeGreaterThanOrEqual(DEFAULT_PASSIVE_CONFIG.antiSpoofThreshold);
    expect(Object.keys(sut.presentation.perModel).sort()).toEqual(ANTI_SPOOF_MODELS.map((m) => m.id).sort());
    // Meso4 only scores by default: one of these people sits near its threshold (0.048 at 0.05).
    expect(sut.deepfake.status).toBe('pass');
    expect(Object.keys(sut.deepfake.perModel)).toEqual([DEEPFAKE_MODEL]);
  });

  it('scores an attempt of several frames as the mean over them, each model reported', async () => {
    const attempt = LIVE_FRAMES.slice(0, 3).map((f) => widgetFrameOf(path.join(LIVE_DIR, f)));
    const sut = await checkPassiveFrames(models.runner, attempt, DEFAULT_PASSIVE_CONFIG);
    const singles = await Promise.all(
      attempt.map((f) => checkPassiveFrames(models.runner, [f], DEFAULT_PASSIVE_CONFIG)),
    );
    const mean = singles.reduce((sum, s) => sum + (s.presentation.score ?? 0), 0) / singles.length;
    expect(sut.presentation.score).toBeCloseTo(mean, 6);
    expect(sut.presentation).toMatchObject({ status: 'pass', reasons: [] });
  });
});

describe('passive checks on the attack samples', () => {
  it.each(ATTACK_FILES.slice(0, 2))('vetoes the presentation attack %s', async (file) => {
    const sut = await checkPassiveFrames(
      models.runner,
      [widgetFrameOf(path.join(FACES_DIR, file))],
      DEFAULT_PASSIVE_CONFIG,
    );
    expect(sut.presentation).toMatchObject({ status: 'fail', reasons: ['presentation-attack-suspected'] });
  });

  it('only lowers the score of a presentation attack when the veto is off', async () => {
    const frame = widgetFrameOf(path.join(FACES_DIR, 'image_F2.jpg'));
    const sut = await checkPassiveFrames(models.runner, [frame], { ...DEFAULT_PASSIVE_CONFIG, antiSpoofVeto: false });
    expect(sut.presentation).toMatchObject({ status: 'pass', reasons: ['presentation-score-low'] });
    expect(sut.presentation.score).toBeLessThan(DEFAULT_PASSIVE_CONFIG.antiSpoofThreshold);
  });

  it.each(ATTACK_FILES.slice(2))(
    'flags the face swap %s by score by default, and vetoes it at a validated threshold',
    async (file) => {
      const frame = widgetFrameOf(path.join(FACES_DIR, file));
      const byDefault = await checkPassiveFrames(models.runner, [frame], DEFAULT_PASSIVE_CONFIG);
      expect(byDefault.deepfake).toMatchObject({ status: 'pass', reasons: ['face-swap-score-low'] });
      const vetoing = { ...DEFAULT_PASSIVE_CONFIG, deepfakeVeto: true, deepfakeThreshold: 0.04 };
      const sut = await checkPassiveFrames(models.runner, [frame], vetoing);
      expect(sut.deepfake).toMatchObject({ status: 'fail', reasons: ['face-swap-suspected'] });
      // MiniFASNet does not see face swaps: they are not presentation attacks.
      expect(sut.presentation.status).toBe('pass');
    },
  );
});

describe('passive checks without their models or input', () => {
  it('is unavailable, never a made-up score, when the models are not installed', async () => {
    const frame = widgetFrameOf(path.join(LIVE_DIR, LIVE_FRAMES[0]));
    const sut = await checkPassiveFrames(models.only([]), [frame], DEFAULT_PASSIVE_CONFIG);
    expect(sut.presentation).toEqual({
      score: null,
      status: 'unavailable',
      reasons: ['anti-spoof-not-installed'],
      perModel: {},
    });
    expect(sut.deepfake).toEqual({
      score: null,
      status: 'unavailable',
      reasons: ['deepfake-model-not-installed'],
      perModel: {},
    });
  });

  it('is unavailable without frames, and refuses a box outside the frame', async () => {
    const none = await checkPassiveFrames(models.runner, [], DEFAULT_PASSIVE_CONFIG);
    expect(none.presentation.reasons).toEqual(['no-face-to-judge']);
    const frame = widgetFrameOf(path.join(LIVE_DIR, LIVE_FRAMES[0]));
    const outside = { ...frame, face: { ...frame.face, x: 500 } };
    await expect(checkPassiveFrames(models.runner, [outside], DEFAULT_PASSIVE_CONFIG)).rejects.toThrow(RangeError);
  });
});
