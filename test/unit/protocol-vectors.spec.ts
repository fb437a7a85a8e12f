import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { OnnxAdapter } from '../../src/adapters/onnx.adapter';
import { loadConfig } from '../../src/config/app-config';
import type { InferenceTask } from '../../src/protocol/inference-task';
import { BLAZEFACE_OUTPUT_FORMAT, deriveInput, verifyCompactOutput } from '../../src/protocol/inference-task';
import { deriveStreamState, fmix32, seedToWords, Xoshiro128StarStar } from '../../src/protocol/prng';
import type { InferenceRunner } from '../../src/protocol/reference-solver';
import { recomputeScores, solveInput } from '../../src/protocol/reference-solver';

interface Vectors {
  model: { id: string; sha256: string };
  inputName: string;
  inputShape: number[];
  tolerance: number;
  xoshiro128starstar: { state: [number, number, number, number]; outputs: number[] }[];
  fmix32: [number, number][];
  seeds: {
    seed: string;
    words: number[];
    inputs: {
      index: number;
      state: number[];
      firstUint32: number[];
      firstValuesTimes2e23: number[];
      firstValues: number[];
    }[];
    compactOutputs: [number, number][];
    runnerUps: [number, number][];
    top2Gaps: number[];
  }[];
}

const vectors = JSON.parse(fs.readFileSync(path.resolve('test/fixtures/protocol-vectors.json'), 'utf8')) as Vectors;

const taskFor = (seed: string): InferenceTask => ({
  modelId: vectors.model.id,
  modelSha256: vectors.model.sha256,
  seed,
  count: 4,
  inputName: vectors.inputName,
  inputShape: vectors.inputShape,
  outputFormat: BLAZEFACE_OUTPUT_FORMAT,
  tolerance: vectors.tolerance,
});

describe('protocol test vectors: generator and inputs', () => {
  it.each(vectors.xoshiro128starstar)('xoshiro128** from state $state', ({ state, outputs }) => {
    const generator = new Xoshiro128StarStar(state);
    expect(outputs.map(() => generator.nextUint32())).toEqual(outputs);
  });

  it('fmix32', () => {
    for (const [input, output] of vectors.fmix32) expect(fmix32(input)).toBe(output);
  });

  describe.each(vectors.seeds)('seed $seed', ({ seed, words, inputs }) => {
    it('seed words', () => expect(seedToWords(seed)).toEqual(words));

    it.each(inputs)('input $index: state, raw outputs and values', (vector) => {
      expect(deriveStreamState(seed, vector.index)).toEqual(vector.state);
      const generator = Xoshiro128StarStar.forInput(seed, vector.index);
      expect(vector.firstUint32.map(() => generator.nextUint32())).toEqual(vector.firstUint32);
      const values = Array.from(deriveInput(seed, vector.index, vectors.inputShape).subarray(0, 8));
      expect(values).toEqual(vector.firstValues);
      expect(values.map((v) => v * 2 ** 23)).toEqual(vector.firstValuesTimes2e23);
    });
  });
});

describe('protocol test vectors: BlazeFace on onnxruntime-node', () => {
  const onnx = new OnnxAdapter({ device: 'cpu', intraOpNumThreads: 1 });
  let runner: InferenceRunner;

  beforeAll(async () => {
    const file = path.join(loadConfig({}).modelsDir, 'face_detection_front_128x128_barracuda.onnx');
    await onnx.load(vectors.model.id, file);
    runner = {
      run: (data) => onnx.run(vectors.model.id, { [vectors.inputName]: { data, dims: vectors.inputShape } }),
    };
  });
  afterAll(() => onnx.release());

  describe.each(vectors.seeds)('seed $seed', ({ seed, compactOutputs }) => {
    it.each(compactOutputs.map((output, index) => ({ index, output })))(
      'input $index gives $output',
      async ({ index, output }) => {
        const task = taskFor(seed);
        const [anchor, score] = await solveInput(task, index, runner);
        // Same runtime as the one that wrote the vectors: same anchor, score within the tolerance.
        expect(anchor).toBe(output[0]);
        expect(Math.abs(score - output[1])).toBeLessThanOrEqual(vectors.tolerance);
        const scores = await recomputeScores(task, index, runner);
        expect(verifyCompactOutput({ anchor: output[0], score: output[1] }, scores, task.tolerance)).toEqual({
          ok: true,
        });
      },
    );
  });

  it('rejects altered outputs: another anchor, a shifted score, out-of-range values', async () => {
    const task = taskFor(vectors.seeds[0].seed);
    const [anchor, score] = vectors.seeds[0].compactOutputs[0];
    const scores = await recomputeScores(task, 0, runner);
    const verify = (a: number, s: number) => verifyCompactOutput({ anchor: a, score: s }, scores, task.tolerance).ok;
    expect(verify((anchor + 7) % 896, score)).toBe(false);
    expect(verify(anchor, score + 0.01)).toBe(false);
    expect(verify(anchor, score - 3 * task.tolerance)).toBe(false);
    expect(verify(anchor, Number.NaN)).toBe(false);
    expect(verify(anchor, 2)).toBe(false);
    expect(verify(1000, score)).toBe(false);
  });

  it('accepts the runner-up of a real near-tie, and only of a near-tie', async () => {
    let nearTies = 0;
    for (const { seed, runnerUps, top2Gaps } of vectors.seeds) {
      const task = taskFor(seed);
      for (const [index, [anchor, score]] of runnerUps.entries()) {
        const scores = await recomputeScores(task, index, runner);
        const nearTie = top2Gaps[index] <= task.tolerance;
        nearTies += nearTie ? 1 : 0;
        expect(verifyCompactOutput({ anchor, score }, scores, task.tolerance).ok).toBe(nearTie);
      }
    }
    expect(nearTies).toBeGreaterThan(0);
  });
});
