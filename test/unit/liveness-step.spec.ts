import { describe, expect, it } from '@jest/globals';
import { chooseLevel } from '../../src/challenges/liveness-step';
import type { SiteEntity } from '../../src/sites/site.entity';

const site = (level: SiteEntity['level'], livenessFallback = false) => ({ level, livenessFallback }) as SiteEntity;

describe('chooseLevel', () => {
  it('gives the site its own level by default and a stronger one on request', () => {
    expect(chooseLevel(site('compute'), undefined)).toBe('compute');
    expect(chooseLevel(site('liveness'), undefined)).toBe('liveness');
    expect(chooseLevel(site('compute'), 'liveness')).toBe('liveness');
  });

  it('steps a liveness site down to compute only where the site allows camera-less visitors', () => {
    expect(chooseLevel(site('liveness', true), 'compute')).toBe('compute');
    expect(() => chooseLevel(site('liveness'), 'compute')).toThrow(
      expect.objectContaining({ code: 'level-not-allowed', statusCode: 403 }),
    );
  });
});
