import { describe, expect, it } from '@jest/globals';
import { firstFailedSpotCheck } from '../../src/inference/spot-checks';

/** A check over a fixed set of bad indices that records which indices it was asked about, and when. */
function recordingCheck(bad: ReadonlySet<number>) {
  const asked: number[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const check = async (index: number) => {
    asked.push(index);
    maxInFlight = Math.max(maxInFlight, ++inFlight);
    await new Promise((resolve) => setImmediate(resolve));
    inFlight--;
    return bad.has(index) ? { ok: false, reason: `output ${index} is wrong` } : { ok: true };
  };
  return { check, asked, maxInFlight: () => maxInFlight };
}

describe('firstFailedSpotCheck', () => {
  const indices = [5, 3, 9, 1, 7, 0, 2, 8];

  it('runs every check, in parallel lanes after the first, when all pass', async () => {
    const sut = recordingCheck(new Set());

    const failure = await firstFailedSpotCheck(indices, sut.check, 3);

    expect(failure).toBeNull();
    expect(sut.asked).toEqual(indices);
    expect(sut.maxInFlight()).toBe(3);
  });

  it('stops after the first check when it fails: a garbage solution costs one inference', async () => {
    const sut = recordingCheck(new Set(indices));

    const failure = await firstFailedSpotCheck(indices, sut.check, 4);

    expect(failure).toEqual({ index: 5, reason: 'output 5 is wrong' });
    expect(sut.asked).toEqual([5]);
  });

  it('starts no check after a mismatch, one lane at a time', async () => {
    const sut = recordingCheck(new Set([1, 8]));

    const failure = await firstFailedSpotCheck(indices, sut.check, 1);

    expect(failure).toEqual({ index: 1, reason: 'output 1 is wrong' });
    expect(sut.asked).toEqual([5, 3, 9, 1]);
  });

  it('wastes at most the checks already under way in the other lanes', async () => {
    const sut = recordingCheck(new Set([3]));

    const failure = await firstFailedSpotCheck(indices, sut.check, 2);

    expect(failure?.index).toBe(3);
    // 5 alone, then lanes take 3 and 9 together; 3 fails, so nothing after 9 starts.
    expect(sut.asked).toEqual([5, 3, 9]);
  });

  it('passes an empty sample and treats a lane count below one as one', async () => {
    expect(await firstFailedSpotCheck([], recordingCheck(new Set()).check, 4)).toBeNull();
    const sut = recordingCheck(new Set());
    await firstFailedSpotCheck(indices, sut.check, 0);
    expect(sut.maxInFlight()).toBe(1);
  });
});
