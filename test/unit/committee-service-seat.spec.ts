import { describe, expect, it } from '@jest/globals';
import type { AggregationPolicy, RevealedVerdict, StakedPeer } from '../../src/protocol/committee';
import { SERVICE_PEER, aggregate, serviceSeat } from '../../src/protocol/committee';

const policy: AggregationPolicy = { tolerance: 0.05, rewardPerJob: 10, outlierSlash: 0.1, absentSlash: 0.02 };
const member = (peer: string, stake: number): StakedPeer => ({ peer, stake });
const reveal = (peer: string, stake: number, score: number): RevealedVerdict => ({ peer, stake, score });

describe('serviceSeat', () => {
  const three = [member('a', 100), member('b', 200), member('c', 300)];

  it('is empty without eligible peers: the local verdict stands as before', () => {
    expect(serviceSeat(0, [], 3, 1)).toBeNull();
  });

  it('sits with one or two eligible peers, at half their stake, with its local score', () => {
    expect(serviceSeat(1, [member('a', 100)], 3, 1)).toEqual({ peer: 'service', stake: 50, score: 1 });
    expect(serviceSeat(2, [member('a', 101), member('b', 200)], 3, 0.25)).toEqual({
      peer: 'service',
      stake: 150,
      score: 0.25,
    });
  });

  it('does not sit once the draw found k or more eligible peers', () => {
    expect(serviceSeat(3, three, 3, 1)).toBeNull();
    expect(serviceSeat(7, three, 3, 1)).toBeNull();
    expect(serviceSeat(1, [member('a', 100)], 1, 1)).toBeNull();
    expect(serviceSeat(4, three, 5, 1)).toEqual({ peer: 'service', stake: 300, score: 1 });
  });

  it('rounds its weight down', () => {
    expect(serviceSeat(1, [member('a', 1)], 3, 1)?.stake).toBe(0);
    expect(serviceSeat(1, [member('a', 3)], 3, 1)?.stake).toBe(1);
    expect(serviceSeat(2, [member('a', 3), member('b', 4)], 3, 1)?.stake).toBe(3);
  });
});

describe('aggregate with the service seat', () => {
  const pair = [member('a', 100), member('b', 100)];
  const seat = (score: number) => serviceSeat(2, pair, 3, score)!;

  it('breaks a tie between two equally staked peers', () => {
    const revealed = [reveal('a', 100, 0.1), reveal('b', 100, 0.9)];
    expect(aggregate(pair, revealed, policy).score).toBe(0.1);

    const outcome = aggregate(pair, revealed, policy, seat(0.9));
    expect(outcome.score).toBe(0.9);
    expect(outcome.quorum).toBe(true);
    expect(outcome.agreeingShare).toBeCloseTo(2 / 3);
    expect(outcome.rewards).toEqual([{ peer: 'b', amount: 10 }]);
    expect(outcome.slashes).toEqual([{ peer: 'a', amount: 10, reason: 'outlier' }]);
  });

  it('never outvotes the staked members together, and is not slashed for disagreeing', () => {
    const outcome = aggregate(pair, [reveal('a', 100, 0.1), reveal('b', 100, 0.12)], policy, seat(0.9));
    expect(outcome.score).toBe(0.12);
    expect(outcome.agreeingShare).toBeCloseTo(2 / 3);
    expect(outcome.rewards).toEqual([
      { peer: 'a', amount: 5 },
      { peer: 'b', amount: 5 },
    ]);
    expect(outcome.slashes).toEqual([]);
  });

  it('lets one staked peer decide against it, and counts it in the agreeing share when it agrees', () => {
    const one = [member('a', 100)];
    const against = aggregate(one, [reveal('a', 100, 0.2)], policy, serviceSeat(1, one, 3, 1));
    expect(against).toMatchObject({ score: 0.2, quorum: true, rewards: [{ peer: 'a', amount: 10 }], slashes: [] });
    expect(against.agreeingShare).toBeCloseTo(100 / 150);

    const along = aggregate(one, [reveal('a', 100, 0.98)], policy, serviceSeat(1, one, 3, 1));
    expect(along).toMatchObject({ score: 0.98, quorum: true, agreeingShare: 1 });
  });

  it('adds to quorum: one of two peers with the seat reaches two thirds', () => {
    const outcome = aggregate(pair, [reveal('a', 100, 1)], policy, seat(1));
    expect(aggregate(pair, [reveal('a', 100, 1)], policy).quorum).toBe(false);
    expect(outcome).toMatchObject({ score: 1, quorum: true, rewards: [{ peer: 'a', amount: 10 }] });
    expect(outcome.slashes).toEqual([{ peer: 'b', amount: 2, reason: 'absent' }]);
  });

  it('alone never reaches quorum: its own verdict stays local', () => {
    const one = [member('a', 100)];
    const outcome = aggregate(one, [], policy, serviceSeat(1, one, 3, 1));
    expect(outcome).toMatchObject({ score: 1, quorum: false, rewards: [] });
    expect(outcome.agreeingShare).toBeCloseTo(50 / 150);
    expect(outcome.slashes).toEqual([{ peer: 'a', amount: 2, reason: 'absent' }]);
  });

  it('is never rewarded or slashed, whatever the scores', () => {
    const scores = [0, 0.1, 0.5, 0.52, 0.9, 1];
    for (const a of scores)
      for (const b of scores)
        for (const own of scores) {
          const outcome = aggregate(pair, [reveal('a', 100, a), reveal('b', 100, b)], policy, seat(own));
          const touched = [...outcome.rewards, ...outcome.slashes].map((entry) => entry.peer);
          expect(touched).not.toContain(SERVICE_PEER);
          expect(outcome.rewards.reduce((sum, reward) => sum + reward.amount, 0)).toBeLessThanOrEqual(10);
        }
  });
});
