import { describe, expect, it } from '@jest/globals';
import { chooseLevel, livenessHints } from '../../src/challenges/liveness-step';
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

describe('livenessHints', () => {
  it('maps reason codes to what a visitor can do about them, in a fixed order', () => {
    expect(livenessHints(['flash-correlation-low', 'turn-left-missing', 'no-face-in-crop'])).toEqual([
      'face-not-found',
      'prompts-missed',
      'flash-not-reflected',
    ]);
    expect(livenessHints(['blink-not-at-rest-before', 'prompts-out-of-order'])).toEqual(['prompts-missed']);
    expect(livenessHints(['nonce-mismatch', 'crop-not-jpeg'])).toEqual(['evidence-invalid']);
  });

  it('never tells which model suspected an attack', () => {
    expect(livenessHints(['presentation-attack-suspected'])).toEqual(['try-again']);
    expect(livenessHints(['face-swap-suspected', 'score-below-threshold'])).toEqual(['try-again']);
    expect(livenessHints([])).toEqual(['try-again']);
  });
});
