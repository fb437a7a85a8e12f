import { describe, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { AUDIT_SAMPLE_SIZE, agreementTolerance, auditSample, auditSampleNumber } from '../../src/protocol/audit-sample';
import { roundScore } from '../../src/protocol/inference-task';

interface SampleVector {
  jobId: string;
  root: string;
  count: number;
  size: number;
  numbers: string[];
  indices: number[];
}

const vectors = JSON.parse(fs.readFileSync(path.resolve('test/fixtures/peer-protocol-vectors.json'), 'utf8')) as {
  auditSamples: SampleVector[];
};

describe('auditSample', () => {
  it.each(vectors.auditSamples.map((v) => [v.jobId.slice(0, 8), v.count, v]))(
    'matches the vector computed with Python (job %s, %d outputs)',
    (_job, _count, vector) => {
      const v = vector as SampleVector;
      v.numbers.forEach((n, i) => expect(auditSampleNumber(v.jobId, v.root, i)).toBe(BigInt(n)));

      expect(auditSample(v.jobId, v.root, v.count, v.size)).toEqual(v.indices);
    },
  );

  it('gives distinct ascending indices below count, the same for every caller', () => {
    fc.assert(
      fc.property(fc.uuid(), fc.stringMatching(/^[0-9a-f]{64}$/), fc.integer({ min: 1, max: 300 }), (id, root, n) => {
        const sut = auditSample(id, root, n, AUDIT_SAMPLE_SIZE);

        expect(sut).toHaveLength(Math.min(n, AUDIT_SAMPLE_SIZE));
        expect(new Set(sut).size).toBe(sut.length);
        expect(sut.every((i, k) => i >= 0 && i < n && (k === 0 || sut[k - 1] < i))).toBe(true);
        expect(auditSample(id, root, n, AUDIT_SAMPLE_SIZE)).toEqual(sut);
      }),
    );
  });

  it('changes with the tree head', () => {
    const a = auditSample(vectors.auditSamples[0].jobId, 'a'.repeat(64), 64, 16);
    const b = auditSample(vectors.auditSamples[0].jobId, 'b'.repeat(64), 64, 16);

    expect(a).not.toEqual(b);
  });
});

describe('agreementTolerance', () => {
  it('is never finer than one sampled output, rounding included', () => {
    for (const size of [1, 2, 3, 7, 8, 16, 64]) {
      const sut = agreementTolerance(0.05, size);
      // Two honest scores one output apart, as the peers round them, still agree.
      for (let good = 1; good <= size; good++) {
        expect(Math.abs(roundScore(good / size) - roundScore((good - 1) / size))).toBeLessThanOrEqual(sut);
      }
      // Two outputs apart never agree.
      if (size >= 2) expect(roundScore(1) - roundScore((size - 2) / size)).toBeGreaterThan(agreementTolerance(0, size));
    }
  });

  it('keeps a coarser base', () => {
    expect(agreementTolerance(0.5, 16)).toBe(0.5);
  });
});
