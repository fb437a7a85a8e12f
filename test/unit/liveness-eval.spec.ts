import { describe, expect, it } from '@jest/globals';
import type { ScoredSample } from '../../src/liveness/eval/evaluate';
import { errorRates, formatReport } from '../../src/liveness/eval/evaluate';

const sample = (label: string, score: number, vetoed = false): ScoredSample => ({
  label,
  name: `${label}-${score}`,
  score,
  vetoed,
  reasons: [],
});

describe('liveness error rates (ISO/IEC 30107-3)', () => {
  const samples = [
    sample('live', 0.9),
    sample('live', 0.7),
    sample('live', 0.4),
    sample('live', 0.95, true),
    sample('print', 0.8),
    sample('print', 0.2),
    sample('replay', 0.99, true),
    sample('replay', 0.3),
  ];

  it('counts attacks accepted per type, live attempts rejected, and ACER from the worst type', () => {
    const sut = errorRates(samples, 0.6);
    expect(sut.apcer).toEqual({ print: 0.5, replay: 0 });
    expect(sut.bpcer).toBe(0.5);
    expect(sut.acer).toBe(0.5);
    expect(sut.counts).toEqual({ live: 4, print: 2, replay: 2 });
  });

  it('never accepts a vetoed sample, whatever the threshold', () => {
    expect(errorRates(samples, 0).apcer.replay).toBe(0.5);
    expect(errorRates(samples, 0).bpcer).toBe(0.25);
  });

  it('prints the figures at the threshold and a sweep', () => {
    const sut = formatReport(samples, 0.6);
    expect(sut).toMatch(/APCER print +50.0%/);
    expect(sut).toMatch(/BPCER +50.0%/);
    expect(sut).toContain('threshold sweep:');
    expect(sut.split('\n').filter((line) => /^ {2}0\.\d\d /.test(line))).toHaveLength(19);
  });
});
