/**
 * The arithmetic of the passive models' validation table: quantiles, the veto ceiling with its per-clip
 * bound, simulated attempts. Readings here are made-up numbers for counting, not samples of anything.
 */
import { describe, expect, it } from '@jest/globals';
import {
  formatPassiveReport,
  passiveRejects,
  quantile,
  simulatedAttempts,
  vetoCeiling,
  SCORES,
} from '../../src/liveness/eval/passive-report';
import type { ScoredFrame } from '../../src/liveness/eval/passive-samples';
import { DEFAULT_PASSIVE_CONFIG } from '../../src/liveness/passive/passive-config';

const crop = { rect: { x: 0, y: 0, w: 10, h: 10 }, scale: 1, clamped: false, shifted: false };

function reading(group: string, presentation: number, deepfake: number, label: ScoredFrame['label'] = 'live') {
  return {
    label,
    group,
    file: `${group}.jpg`,
    context: 4,
    facesInFrame: 1,
    readings: {
      'minifasnet-v2': { pReal: presentation, crop },
      'minifasnet-v1se': { pReal: presentation, crop },
      'meso4-df': { pReal: deepfake, crop },
    },
  };
}

describe('passive validation arithmetic', () => {
  it('takes the lower nearest-rank quantile', () => {
    expect(quantile([5, 1, 4, 2, 3], 0.5)).toBe(3);
    expect(quantile([5, 1, 4, 2, 3], 0.05)).toBe(1);
    expect(quantile([1, 2], 0.5)).toBe(1);
  });

  it('stops the veto ceiling where one clip loses more than its share, even if the total stays low', () => {
    // Clip a: 40 frames at 0.9. Clip b: 10 frames, one at 0.035, the rest at 0.9. At 0.04, b loses 10 %.
    const live = [
      ...Array.from({ length: 40 }, () => reading('a', 0.9, 0.9)),
      reading('b', 0.035, 0.9),
      ...Array.from({ length: 9 }, () => reading('b', 0.9, 0.9)),
    ];
    const sut = vetoCeiling(live, SCORES['presentation (fused)'], 0.05);
    expect(sut).toEqual({ threshold: 0.03, overall: 0, worst: { group: '', rejected: 0, frames: 1 } });
  });

  it('groups attempts of three frames within one clip, dropping a short tail', () => {
    const live = [...Array.from({ length: 7 }, () => reading('a', 1, 1)), ...[1, 2].map(() => reading('b', 1, 1))];
    expect(simulatedAttempts(live).map((attempt) => attempt.map((f) => f.group).join(''))).toEqual(['aaa', 'aaa']);
  });

  it('rejects a frame only for a check whose veto is on', () => {
    const lowDeepfake = reading('a', 0.9, 0.01);
    expect(passiveRejects(lowDeepfake, DEFAULT_PASSIVE_CONFIG)).toBe(false);
    expect(passiveRejects(lowDeepfake, { ...DEFAULT_PASSIVE_CONFIG, deepfakeVeto: true })).toBe(true);
    expect(passiveRejects(reading('a', 0.05, 0.9), DEFAULT_PASSIVE_CONFIG)).toBe(true);
  });

  it('reports attacks and live frames apart, and leaves real references out of APCER', () => {
    const frames = [reading('a', 0.9, 0.9), reading('p', 0.05, 1, 'print'), reading('r', 0.5, 1, 'real-reference')];
    const sut = formatPassiveReport(frames, DEFAULT_PASSIVE_CONFIG);
    expect(sut).toContain('passive path BPCER per frame:   0/1 (0.0%)');
    expect(sut).toContain('APCER print: 0/1 (0.0%)');
    expect(sut).not.toContain('APCER real-reference');
  });
});
