/** The liveness checks with the real models on real face photos (no mocks: the shipped ONNX files run). */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { JpegAdapter } from '../../src/adapters/jpeg.adapter';
import { DEFAULT_LIVENESS_CONFIG } from '../../src/liveness/liveness-config';
import { LIVENESS_MODELS, antiSpoofScores, deepfakeScore, detectFaces } from '../../src/liveness/liveness-models';
import { LivenessVerifier } from '../../src/liveness/liveness-verifier';
import { synthCrop, synthEvidence } from '../../src/liveness/eval/synthesise';
import { deriveLivenessScript } from '../../src/protocol/liveness';
import type { FaceSample, RealModels } from '../support/liveness';
import { loadFace, loadRealModels } from '../support/liveness';

const jpeg = new JpegAdapter();
const NONCE = '0123456789abcdef0123456789abcdef';
const OTHER = 'fedcba9876543210fedcba9876543210';
const mean = (values: number[]) => values.reduce((s, v) => s + v, 0) / values.length;

describe('liveness with the real models', () => {
  let models: RealModels;
  const faces: Record<string, FaceSample> = {};
  beforeAll(async () => {
    models = await loadRealModels();
    for (const name of ['image_T1', 'image_T2_small', 'image_F1', 'image_F2', 'mesonet_df00204', 'mesonet_real00240']) {
      faces[name] = await loadFace(models.runner, `${name}.jpg`);
    }
  });
  afterAll(() => models?.onnx.release());

  const antiSpoof = async (name: string) => {
    const { image, face } = faces[name];
    const crop = synthCrop(image, face, null, { tint: 'reflect', strength: 0, warp: false }, () => 0.5);
    const [found] = await detectFaces(models.runner, crop.image);
    return {
      full: mean(Object.values(await antiSpoofScores(models.runner, image, face))),
      crop: mean(Object.values(await antiSpoofScores(models.runner, crop.image, found))),
    };
  };

  it('reads the EXIF orientation of the phone samples (portrait, upright face found)', () => {
    expect([faces.image_T1.image.width, faces.image_T1.image.height]).toEqual([480, 640]);
    expect(faces.image_T1.face.h).toBeGreaterThan(faces.image_T1.face.w);
  });

  it('scores the live samples above the spoof samples, on the photo and on a liveness crop', async () => {
    const live = [await antiSpoof('image_T1'), await antiSpoof('image_T2_small')];
    const spoof = [await antiSpoof('image_F1'), await antiSpoof('image_F2')];
    for (const key of ['full', 'crop'] as const) {
      expect(Math.min(...live.map((s) => s[key]))).toBeGreaterThan(Math.max(...spoof.map((s) => s[key])));
    }
    for (const s of spoof) expect(s.crop).toBeLessThan(DEFAULT_LIVENESS_CONFIG.antiSpoofMin);
    for (const s of live) expect(s.crop).toBeGreaterThan(DEFAULT_LIVENESS_CONFIG.antiSpoofMin);
  });

  it('gives MesoNet’s deepfake sample a lower Meso4 P(real) than its real sample', async () => {
    const fake = await deepfakeScore(models.runner, faces.mesonet_df00204.image, faces.mesonet_df00204.face);
    const real = await deepfakeScore(models.runner, faces.mesonet_real00240.image, faces.mesonet_real00240.face);
    expect(fake).toBeLessThan(0.2);
    expect(real).toBeGreaterThan(0.9);
  });

  const verify = (evidence: unknown) =>
    new LivenessVerifier(models.runner, jpeg, DEFAULT_LIVENESS_CONFIG).verify(evidence, NONCE);
  const attempt = (name: string, options = {}, nonce = NONCE) =>
    synthEvidence(jpeg, faces[name].image, faces[name].face, nonce, options);

  it('passes a cooperative live attempt', async () => {
    const sut = await verify(attempt('image_T1'));
    expect(sut.reasons).toEqual([]);
    expect(sut.passed).toBe(true);
    expect(sut.score).toBeGreaterThan(DEFAULT_LIVENESS_CONFIG.threshold);
    for (const name of ['structure', 'face', 'prompts', 'flash', 'presentation'] as const) {
      expect(sut.checks[name].status).toBe('pass');
    }
  });

  it('fails a spoof photo even when its colours follow the flashes and its summaries the prompts', async () => {
    const sut = await verify(attempt('image_F2'));
    expect(sut.passed).toBe(false);
    expect(sut.checks.presentation.status).toBe('fail');
    expect(sut.score).toBeLessThan(DEFAULT_LIVENESS_CONFIG.threshold);
  });

  it('fails a held photo with no reflectance', async () => {
    const sut = await verify(attempt('image_T1', { flashesFrom: null, warp: true }));
    expect(sut.passed).toBe(false);
    expect(sut.checks.flash.status).toBe('fail');
  });

  it('fails another challenge’s recording replayed with this nonce (script recomputed from the nonce)', async () => {
    const other = deriveLivenessScript(OTHER);
    const sut = await verify(attempt('image_T1', { promptsFrom: other, flashesFrom: other }));
    expect(sut.passed).toBe(false);
    expect(sut.checks.prompts.status).toBe('fail');
    expect(sut.checks.flash.status).toBe('fail');
  });

  it('fails evidence whose crops were replaced by a face-less picture', async () => {
    const evidence = attempt('image_T1');
    const blank = { width: 224, height: 224, data: new Uint8Array(224 * 224 * 3).fill(128) };
    evidence.crops = evidence.crops.map((crop) => ({
      ...crop,
      jpeg: Buffer.from(jpeg.encode(blank)).toString('base64'),
    }));
    const sut = await verify(evidence);
    expect(sut.checks.face.status).toBe('fail');
    expect(sut.checks.face.reasons).toContain('no-face-in-crop');
    expect(sut.passed).toBe(false);
  });

  it('reports a model that is not installed as unavailable, never with a made-up score', async () => {
    const sut = await new LivenessVerifier(
      models.only([LIVENESS_MODELS.faceDetector]),
      jpeg,
      DEFAULT_LIVENESS_CONFIG,
    ).verify(attempt('image_T1'), NONCE);
    expect(sut.checks.presentation).toEqual({
      score: null,
      status: 'unavailable',
      reasons: ['anti-spoof-not-installed'],
    });
    expect(sut.checks.deepfake).toEqual({
      score: null,
      status: 'unavailable',
      reasons: ['deepfake-model-not-installed'],
    });
    expect(sut.checks.face.status).toBe('pass');
    const none = await new LivenessVerifier(models.only([]), jpeg, DEFAULT_LIVENESS_CONFIG).verify(
      attempt('image_T1'),
      NONCE,
    );
    expect(none.checks.face.status).toBe('unavailable');
    expect(none.checks.flash.status).toBe('pass');
  });

  it('rejects malformed evidence before any model runs', async () => {
    const sut = await verify({ version: 1, nonce: NONCE, frames: [], crops: [] });
    expect(sut).toMatchObject({ passed: false, score: 0, reasons: ['evidence-malformed'] });
  });
});
