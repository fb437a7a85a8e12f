import { describe, expect, it } from '@jest/globals';
import { knownHints } from '../../widget/src/service-client';

describe('knownHints', () => {
  it('keeps the hints the widget has texts for, in the protocol’s order, and drops the rest', () => {
    expect(knownHints(['try-again', 'face-not-found', 'model-says-deepfake', 7])).toEqual([
      'face-not-found',
      'try-again',
    ]);
  });

  it('answers no hints for anything but an array', () => {
    for (const value of [undefined, null, 'try-again', { 0: 'try-again' }]) expect(knownHints(value)).toEqual([]);
  });
});
