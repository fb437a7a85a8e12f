import { describe, expect, it } from '@jest/globals';
import type { InferenceTask } from '../../src/protocol/inference-task';
import {
  BLAZEFACE_ANCHORS,
  BLAZEFACE_OUTPUT_FORMAT,
  blazefaceScores,
  compactOutput,
  DEFAULT_TOLERANCE,
  deriveInput,
  MAX_INPUT_ELEMENTS,
  parseWireOutput,
  sigmoid,
  verifyCompactOutput,
} from '../../src/protocol/inference-task';
import type { InferenceRunner } from '../../src/protocol/reference-solver';
import { recomputeScores, solveTask } from '../../src/protocol/reference-solver';

const SEED = '5eed5eed5eed5eed5eed5eed5eed5eed';
const SHAPE = [1, 128, 128, 3];

/** Logits for both BlazeFace score tensors, all `base`, with some anchors (0..895) set. */
function logits(set: Record<number, number> = {}, base = -5): Record<string, Float32Array> {
  const all = new Float32Array(BLAZEFACE_ANCHORS).fill(base);
  for (const [anchor, logit] of Object.entries(set)) all[Number(anchor)] = logit;
  return { 'Identity:0': all.slice(0, 512), 'Identity_1:0': all.slice(512) };
}

const logit = (score: number) => Math.log(score / (1 - score));

describe('deriveInput', () => {
  it('derives prod(shape) values in [-1, 1), each exactly a multiple of 2^-23', () => {
    const input = deriveInput(SEED, 0, SHAPE);
    expect(input).toHaveLength(128 * 128 * 3);
    const misfits = input.filter((value) => value < -1 || value >= 1 || !Number.isInteger(value * 2 ** 23));
    expect(misfits).toHaveLength(0);
    const mean = input.reduce((sum, value) => sum + value, 0) / input.length;
    expect(Math.abs(mean)).toBeLessThan(0.01);
  });

  it('is deterministic, differs between indices and seeds, and does not depend on the other inputs', () => {
    expect(deriveInput(SEED, 7, SHAPE)).toEqual(deriveInput(SEED, 7, SHAPE));
    expect(deriveInput(SEED, 7, SHAPE)).not.toEqual(deriveInput(SEED, 8, SHAPE));
    expect(deriveInput(SEED, 7, SHAPE)).not.toEqual(deriveInput('5eed5eed5eed5eed5eed5eed5eed5eee', 7, SHAPE));
  });

  it('fills in row-major order from one stream, so a smaller shape is a prefix of a larger one', () => {
    expect(deriveInput(SEED, 3, [2, 5])).toEqual(deriveInput(SEED, 3, SHAPE).slice(0, 10));
  });

  it.each([[[]], [[0]], [[1, -3]], [[1.5]], [[Number.NaN]], [[4096, 4097]], [[MAX_INPUT_ELEMENTS, 2]]])(
    'refuses the shape %j',
    (shape) => {
      expect(() => deriveInput(SEED, 0, shape)).toThrow(RangeError);
    },
  );

  it('refuses a bad seed or index', () => {
    expect(() => deriveInput('not-a-seed', 0, SHAPE)).toThrow(RangeError);
    expect(() => deriveInput(SEED, -1, SHAPE)).toThrow(RangeError);
  });
});

describe('compactOutput', () => {
  it('numbers the 16x16 grid first, then the 8x8 grid', () => {
    expect(compactOutput(logits({ 17: 2 }))).toEqual({ anchor: 17, score: 0.8808 });
    expect(compactOutput(logits({ 17: 2, 600: 3 }))).toEqual({ anchor: 600, score: 0.9526 });
  });

  it('rounds the sigmoid to 4 decimals and takes the first anchor of an exact tie', () => {
    expect(compactOutput(logits({ 100: 0, 700: 0 }))).toEqual({ anchor: 100, score: 0.5 });
    expect(compactOutput(logits({}, -20))).toEqual({ anchor: 0, score: 0 });
  });

  it('refuses missing, short and non-finite tensors', () => {
    const good = logits();
    expect(() => compactOutput({ 'Identity:0': good['Identity:0'] })).toThrow(/Identity_1:0/);
    expect(() => compactOutput({ ...good, 'Identity:0': new Float32Array(511) })).toThrow(/512/);
    expect(() => compactOutput(logits({ 3: Number.NaN }))).toThrow(/not finite/);
    expect(() => compactOutput(logits({ 3: Number.POSITIVE_INFINITY }))).toThrow(/not finite/);
  });
});

describe('verifyCompactOutput', () => {
  const scores = blazefaceScores(logits({ 40: logit(0.61), 41: logit(0.6095), 42: logit(0.55) }));
  const verify = (anchor: number, score: number, tolerance = DEFAULT_TOLERANCE) =>
    verifyCompactOutput({ anchor, score }, scores, tolerance);

  it('accepts the exact answer and one within tolerance', () => {
    expect(verify(40, 0.61)).toEqual({ ok: true });
    expect(verify(40, 0.6119)).toEqual({ ok: true });
  });

  it('accepts the runner-up of a near-tie, which another backend may rank first', () => {
    expect(verify(41, 0.6095)).toEqual({ ok: true });
  });

  it('rejects an anchor that is not (nearly) the best', () => {
    expect(verify(42, 0.55)).toMatchObject({ ok: false, reason: expect.stringMatching(/anchor 42/) });
    expect(verify(41, 0.6095, 1e-4).ok).toBe(false);
  });

  it('rejects a score off by more than the tolerance', () => {
    expect(verify(40, 0.6125)).toMatchObject({ ok: false, reason: expect.stringMatching(/score/) });
    expect(verify(40, 0.2).ok).toBe(false);
  });

  it.each([
    [40, Number.NaN],
    [40, Number.POSITIVE_INFINITY],
    [40, -0.01],
    [40, 1.01],
    [-1, 0.61],
    [896, 0.61],
    [40.5, 0.61],
    [Number.NaN, 0.61],
  ])('rejects the malformed output [%p, %p]', (anchor, score) => {
    expect(verify(anchor, score)).toMatchObject({ ok: false, reason: expect.any(String) });
  });

  it('rejects when the tolerance itself is not usable', () => {
    expect(verify(40, 0.61, Number.NaN).ok).toBe(false);
    expect(verify(40, 0.61, -1).ok).toBe(false);
  });
});

describe('parseWireOutput', () => {
  it('takes pairs of numbers only', () => {
    expect(parseWireOutput([3, 0.5])).toEqual({ anchor: 3, score: 0.5 });
    for (const bad of [null, 3, [3], [3, 0.5, 1], ['3', 0.5], { anchor: 3, score: 0.5 }]) {
      expect(typeof parseWireOutput(bad)).toBe('string');
    }
  });
});

describe('reference solver', () => {
  const task: InferenceTask = {
    modelId: 'blazeface-front-128',
    modelSha256: 'd388b1cf8a5f6f1af2b3f4c14f6d0f138bab970cd618cccd12dddb7484e82e51',
    seed: SEED,
    count: 5,
    inputName: 'input:0',
    inputShape: [4, 4],
    outputFormat: BLAZEFACE_OUTPUT_FORMAT,
    tolerance: DEFAULT_TOLERANCE,
  };
  /** A stand-in model: the winning anchor and its logit follow the input's first two values. */
  const runner: InferenceRunner = {
    run: async (input) => logits({ [Math.floor((input[0] + 1) * 448)]: input[1] * 4 }, -9),
  };

  it('returns one [anchor, score] per input, in index order, each from its own derived input', async () => {
    const solution = await solveTask(task, runner);
    expect(solution.outputs).toHaveLength(5);
    solution.outputs.forEach(([anchor, score], index) => {
      const input = deriveInput(SEED, index, [4, 4]);
      expect(anchor).toBe(Math.floor((input[0] + 1) * 448));
      expect(score).toBeCloseTo(sigmoid(input[1] * 4), 4);
    });
  });

  it('verifies against recomputed scores', async () => {
    const [anchor, score] = (await solveTask(task, runner)).outputs[3];
    const scores = await recomputeScores(task, 3, runner);
    expect(verifyCompactOutput({ anchor, score }, scores, task.tolerance)).toEqual({ ok: true });
  });

  it('refuses an unknown output format', async () => {
    const other = { ...task, outputFormat: 'other' } as unknown as InferenceTask;
    await expect(solveTask(other, runner)).rejects.toThrow(/output format/);
  });
});
