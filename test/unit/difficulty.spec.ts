import { describe, expect, it } from '@jest/globals';
import { BASE_INPUTS, MAX_INPUTS, decideDifficulty } from '../../src/challenges/difficulty';

const calm = { ipChallengesPerMinute: 1, ipRecentFailures: 0, siteChallengesPerMinute: 1 };

describe('decideDifficulty', () => {
  it('asks the base amount of work, at full score, from a calm client', () => {
    expect(decideDifficulty('normal', calm)).toEqual({
      inputCount: BASE_INPUTS.normal,
      riskLevel: 0,
      score: 1,
      reasons: [],
    });
    expect(decideDifficulty('easy', calm).inputCount).toBe(BASE_INPUTS.easy);
    expect(decideDifficulty('hard', calm).inputCount).toBe(BASE_INPUTS.hard);
  });

  it('doubles the work for each doubling of one IP’s rate above the free rate', () => {
    const at = (rate: number) => decideDifficulty('normal', { ...calm, ipChallengesPerMinute: rate }).inputCount;
    expect(at(10)).toBe(128);
    expect(at(11)).toBe(256);
    expect(at(20)).toBe(256);
    expect(at(40)).toBe(512);
  });

  it('adds one level per recent failure, at most three, and one for a site-wide surge', () => {
    const failures = (n: number) => decideDifficulty('normal', { ...calm, ipRecentFailures: n });
    expect(failures(1)).toMatchObject({ inputCount: 256, riskLevel: 1, score: 0.85, reasons: ['recent-failures'] });
    expect(failures(3).riskLevel).toBe(3);
    expect(failures(50).riskLevel).toBe(3);
    expect(decideDifficulty('normal', { ...calm, siteChallengesPerMinute: 5000 }).riskLevel).toBe(1);
  });

  it('stays within bounds and never scores below 0.1', () => {
    const flood = decideDifficulty('hard', {
      ipChallengesPerMinute: 1e9,
      ipRecentFailures: 9,
      siteChallengesPerMinute: 1e9,
    });
    expect(flood.inputCount).toBe(MAX_INPUTS);
    expect(flood.score).toBe(0.1);
    expect(flood.reasons).toEqual(['ip-rate', 'recent-failures', 'site-surge']);
  });
});
