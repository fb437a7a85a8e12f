import { describe, expect, it } from '@jest/globals';
import type { AggregationPolicy, RevealedVerdict, StakedPeer } from '../../src/protocol/committee';
import { aggregate, drawCommittee, weightedMedian } from '../../src/protocol/committee';
import type { Balance, LedgerEntry } from '../../src/protocol/ledger-entry';
import { applyEntry } from '../../src/protocol/ledger-entry';

const policy: AggregationPolicy = { tolerance: 0.1, rewardPerJob: 10, outlierSlash: 0.1, absentSlash: 0.02 };
const ROOT = 'ab'.repeat(32);

describe('drawCommittee', () => {
  const peers: StakedPeer[] = [
    { peer: 'a', stake: 100 },
    { peer: 'b', stake: 300 },
    { peer: 'c', stake: 600 },
    { peer: 'd', stake: 0 },
  ];

  it('is reproducible from the job id and the tree head, whatever order candidates come in', () => {
    const first = drawCommittee(peers, 2, 'job-1', ROOT);
    expect(drawCommittee([...peers].reverse(), 2, 'job-1', ROOT)).toEqual(first);
    expect(new Set(first.map((p) => p.peer)).size).toBe(2);
    const draws = new Set(Array.from({ length: 20 }, (_, i) => drawCommittee(peers, 1, `job-${i}`, ROOT)[0].peer));
    expect(draws.size).toBeGreaterThan(1);
  });

  it('never draws a peer without stake, nor the same peer twice', () => {
    expect(
      drawCommittee(peers, 10, 'job', ROOT)
        .map((p) => p.peer)
        .sort(),
    ).toEqual(['a', 'b', 'c']);
  });

  it('draws in proportion to stake', () => {
    const counts: Record<string, number> = { a: 0, b: 0, c: 0 };
    const trials = 6000;
    for (let i = 0; i < trials; i++) counts[drawCommittee(peers, 1, `job-${i}`, ROOT)[0].peer]++;
    expect(counts.a / trials).toBeCloseTo(0.1, 1);
    expect(counts.b / trials).toBeCloseTo(0.3, 1);
    expect(counts.c / trials).toBeCloseTo(0.6, 1);
  });
});

describe('aggregate', () => {
  const committee = [
    { peer: 'a', stake: 100 },
    { peer: 'b', stake: 100 },
    { peer: 'c', stake: 100 },
  ];

  it('takes the stake-weighted median, rewards agreement and slashes the outlier', () => {
    const revealed: RevealedVerdict[] = [
      { peer: 'a', stake: 100, score: 0.9 },
      { peer: 'b', stake: 100, score: 0.88 },
      { peer: 'c', stake: 100, score: 0.1 },
    ];
    const outcome = aggregate(committee, revealed, policy);
    expect(outcome).toMatchObject({ score: 0.88, quorum: true });
    expect(outcome.agreeingShare).toBeCloseTo(2 / 3);
    expect(outcome.rewards).toEqual([
      { peer: 'a', amount: 5 },
      { peer: 'b', amount: 5 },
    ]);
    expect(outcome.slashes).toEqual([{ peer: 'c', amount: 10, reason: 'outlier' }]);
  });

  it('has no quorum below two thirds of the stake, and still slashes who did not reveal', () => {
    const outcome = aggregate(committee, [{ peer: 'a', stake: 100, score: 0.9 }], policy);
    expect(outcome.quorum).toBe(false);
    expect(outcome.rewards).toEqual([]);
    expect(outcome.slashes).toEqual([
      { peer: 'b', amount: 2, reason: 'absent' },
      { peer: 'c', amount: 2, reason: 'absent' },
    ]);
  });

  it('weights the median by stake', () => {
    expect(
      weightedMedian([
        { peer: 'small', stake: 1, score: 0.1 },
        { peer: 'big', stake: 10, score: 0.9 },
      ]),
    ).toBe(0.9);
    expect(weightedMedian([])).toBeNull();
  });
});

/** A deterministic PRNG for the simulation, so a failure is reproducible. */
function mulberry32(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) >>> 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Behaviour = 'honest' | 'lazy' | 'colluding' | 'offline';

describe('a network of honest, lazy, colluding and offline peers over thousands of jobs', () => {
  const behaviours: Record<string, Behaviour> = {};
  for (let i = 0; i < 9; i++) behaviours[`honest-${i}`] = 'honest';
  behaviours['lazy-0'] = 'lazy';
  behaviours['colluding-0'] = 'colluding';
  behaviours['colluding-1'] = 'colluding';
  behaviours['offline-0'] = 'offline';
  const random = mulberry32(7);
  const balances = new Map<string, Balance>();
  let seq = 0;
  const apply = (entry: Omit<LedgerEntry, 'seq' | 'time'>) => applyEntry(balances, { ...entry, seq: seq++, time: seq });
  for (const peer of Object.keys(behaviours)) {
    apply({ kind: 'grant', peer, amount: 1000 });
    apply({ kind: 'stake', peer, amount: 1000 });
  }
  const stakeOf = (kind: Behaviour) =>
    Object.entries(behaviours)
      .filter(([, b]) => b === kind)
      .reduce((sum, [peer]) => sum + balances.get(peer)!.staked, 0);
  const initial = { honest: stakeOf('honest'), lazy: stakeOf('lazy'), colluding: stakeOf('colluding') };
  const total = Object.keys(behaviours).length * 1000;
  expect(initial.honest / total).toBeGreaterThan(2 / 3);

  const jobs = 3000;
  const correct = { early: 0, late: 0, earlyJobs: 0, lateJobs: 0 };
  for (let job = 0; job < jobs; job++) {
    const human = random() < 0.5;
    const truth = human ? 0.9 : 0.1;
    const candidates = [...balances].map(([peer, b]) => ({ peer, stake: b.staked }));
    const committee = drawCommittee(candidates, 3, `job-${job}`, ROOT);
    const revealed: RevealedVerdict[] = committee.flatMap((member): RevealedVerdict[] => {
      switch (behaviours[member.peer]) {
        case 'honest':
          return [{ ...member, score: truth + (random() - 0.5) * 0.06 }];
        case 'lazy':
          return [{ ...member, score: random() }];
        case 'colluding':
          return [{ ...member, score: 1 - truth }];
        case 'offline':
          return [];
      }
    });
    const outcome = aggregate(committee, revealed, policy);
    for (const reward of outcome.rewards)
      apply({ kind: 'reward', peer: reward.peer, amount: reward.amount, job: `${job}` });
    for (const slash of outcome.slashes)
      apply({ kind: 'slash', peer: slash.peer, amount: slash.amount, job: `${job}` });
    const right = outcome.score !== null && outcome.score >= 0.5 === human;
    const half = job < jobs / 2 ? 'early' : 'late';
    correct[half] += right ? 1 : 0;
    correct[half === 'early' ? 'earlyJobs' : 'lateJobs'] += 1;
  }

  it('grows honest stake and shrinks lazy, colluding and offline stake', () => {
    expect(stakeOf('honest')).toBeGreaterThan(initial.honest);
    expect(stakeOf('lazy')).toBeLessThan(initial.lazy / 2);
    expect(stakeOf('colluding')).toBeLessThan(initial.colluding / 2);
    expect(stakeOf('offline')).toBeLessThan(1000 / 2);
  });

  it('keeps decisions correct, and more so as dishonest stake is slashed away', () => {
    expect(correct.early / correct.earlyJobs).toBeGreaterThan(0.95);
    expect(correct.late / correct.lateJobs).toBeGreaterThan(0.995);
  });
});
