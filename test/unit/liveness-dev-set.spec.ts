/** The development-set builder and the evaluation over its folders, with the real models. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { JpegAdapter } from '../../src/adapters/jpeg.adapter';
import { buildDevSet } from '../../src/liveness/eval/build-dev-set';
import { errorRates, scoreFolder } from '../../src/liveness/eval/evaluate';
import { DEFAULT_LIVENESS_CONFIG } from '../../src/liveness/liveness-config';
import type { RealModels } from '../support/liveness';
import { FACES_DIR, loadRealModels } from '../support/liveness';

describe('liveness development set', () => {
  let models: RealModels;
  let out: string;
  beforeAll(async () => {
    models = await loadRealModels();
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'peerproof-dev-set-'));
  });
  afterAll(async () => {
    await models?.onnx.release();
    if (out) fs.rmSync(out, { recursive: true, force: true });
  });

  it('splits by source photo and scores live attempts above the attacks', async () => {
    const jpeg = new JpegAdapter();
    const counts = await buildDevSet(models.runner, jpeg, {
      facesDir: FACES_DIR,
      outDir: out,
      perSource: 1,
      splits: {
        dev: { live: ['image_T1.jpg'], spoof: ['image_F1.jpg'], deepfake: [] },
        test: { live: ['mesonet_real00240.jpg'], spoof: ['image_F2.jpg'], deepfake: [] },
      },
    });
    expect(counts.test).toEqual({ live: 1, print: 1, replay: 1, 'colour-edit': 1, 'spoof-photo': 2 });
    const sources = (split: string) =>
      new Set(
        fs
          .readdirSync(path.join(out, split))
          .flatMap((label) => fs.readdirSync(path.join(out, split, label)))
          .map((name) => name.replace(/(-\d+|\.jpg)$/, '')),
      );
    const shared = [...sources('dev')].filter((source) => sources('test').has(source));
    expect(shared).toEqual([]);

    const samples = await scoreFolder(path.join(out, 'test'), models.runner, jpeg, DEFAULT_LIVENESS_CONFIG);
    const sut = errorRates(samples, DEFAULT_LIVENESS_CONFIG.threshold);
    expect(sut.bpcer).toBe(0);
    expect(sut.apcer).toEqual({ 'colour-edit': 0, print: 0, replay: 0, 'spoof-photo': 0 });
  });
});
