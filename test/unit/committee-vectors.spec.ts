import { describe, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { StakedPeer } from '../../src/protocol/committee';
import { committeeDrawNumber, drawCommittee } from '../../src/protocol/committee';

interface DrawVector {
  jobId: string;
  root: string;
  size: number;
  candidates: StakedPeer[];
  firstMessageHex: string;
  steps: Array<{ i: number; r: string; poolStake: number; target: number; peer: string; stake: number }>;
  members: StakedPeer[];
}

/** Computed by test/fixtures/committee-draw-vectors.py with Python's hashlib, not by this code. */
const { vectors } = JSON.parse(fs.readFileSync(path.resolve('test/fixtures/committee-draw-vectors.json'), 'utf8')) as {
  vectors: DrawVector[];
};

describe('committee draw vectors', () => {
  it.each(vectors.map((vector, index) => [index, vector] as const))(
    'vector %i: every r_i and the members',
    (_i, vector) => {
      for (const step of vector.steps) {
        expect(committeeDrawNumber(vector.jobId, vector.root, step.i).toString()).toBe(step.r);
        expect(BigInt(step.r) % BigInt(step.poolStake)).toBe(BigInt(step.target));
      }

      const sut = drawCommittee(vector.candidates, vector.size, vector.jobId, vector.root);

      expect(sut).toEqual(vector.members);
    },
  );

  it('hashes the texts of the job id and the root, as the vectors state', () => {
    const [vector] = vectors;
    const message = Buffer.from(vector.firstMessageHex, 'hex');

    expect(message.toString('latin1')).toBe(`${vector.jobId}\u0000${vector.root}\u0000\u0000\u0000\u0000`);
    expect(message.length).toBe(36 + 1 + 64 + 4);
  });
});
