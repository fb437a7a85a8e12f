import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { OnnxAdapter } from '../../src/adapters/onnx.adapter';
import { InferenceService } from '../../src/inference/inference.service';
import type { WireOutput } from '../../src/protocol/inference-task';
import { solveChallenge } from '../support/solver';
import type { TestApp } from '../support/test-app';
import { startTestApp } from '../support/test-app';

/** Chance that k spot checks drawn without replacement from n outputs all miss the m faked ones. */
function passProbability(n: number, m: number, k: number): number {
  let p = 1;
  for (let i = 0; i < k; i++) p *= (n - m - i) / (n - i);
  return p;
}

/** A deterministic PRNG for the cheater's choices, so a failure is reproducible. */
function mulberry32(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) >>> 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Verification itself runs the real model; only the cheater is simulated.
describe('a cheating solver', () => {
  const n = 16;
  const k = 4;
  let t: TestApp;
  let honest: WireOutput[];
  let task: ReturnType<InferenceService['newTask']>;

  beforeAll(async () => {
    t = await startTestApp('sqlite', { INFERENCE_SPOT_CHECKS: String(k) });
    task = t.app.get(InferenceService).newTask(n);
    honest = await solveChallenge(t.app.get(OnnxAdapter), task);
  });
  afterAll(() => t?.close());

  const verify = (outputs: WireOutput[]) =>
    t.app.get(InferenceService).verify({ ...task, inputCount: task.count }, outputs);

  it('passes every time when honest', async () => {
    for (let trial = 0; trial < 20; trial++) expect((await verify(honest)).ok).toBe(true);
  });

  it.each([0.25, 0.5])('that fakes a fraction %p of outputs passes at the documented rate', async (f) => {
    const random = mulberry32(f * 1000);
    const faked = Math.round(f * n);
    const trials = 150;
    let passes = 0;
    for (let trial = 0; trial < trials; trial++) {
      const outputs = honest.map((pair) => [...pair] as WireOutput);
      const order = Array.from({ length: n }, (_, i) => i).sort(() => random() - 0.5);
      for (const index of order.slice(0, faked)) outputs[index] = [Math.floor(random() * 896), random()];
      if ((await verify(outputs)).ok) passes++;
    }

    const expected = passProbability(n, faked, k);
    const sigma = Math.sqrt((trials * expected * (1 - expected)) / trials ** 2);
    expect(passes / trials).toBeLessThanOrEqual((1 - f) ** k + 4 * sigma + 1 / trials);
    expect(Math.abs(passes / trials - expected)).toBeLessThanOrEqual(4 * sigma + 1 / trials);
  });
});
