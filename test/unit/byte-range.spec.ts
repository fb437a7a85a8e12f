import { describe, expect, it } from '@jest/globals';
import { decideRange } from '../../src/models/byte-range';

describe('decideRange', () => {
  it.each([
    ['bytes=0-99', { kind: 'partial', start: 0, end: 99 }],
    ['bytes=100-', { kind: 'partial', start: 100, end: 999 }],
    ['bytes=-10', { kind: 'partial', start: 990, end: 999 }],
    ['bytes=-5000', { kind: 'partial', start: 0, end: 999 }],
    ['bytes=990-5000', { kind: 'partial', start: 990, end: 999 }],
    ['bytes=999-999', { kind: 'partial', start: 999, end: 999 }],
    ['Bytes = 5 - 6', { kind: 'partial', start: 5, end: 6 }],
  ])('serves %s of 1000 bytes as %j', (header, expected) => {
    expect(decideRange(header, 1000)).toEqual(expected);
  });

  it.each([undefined, 'items=0-5', 'bytes=0-5,10-20'])('serves the whole file for %j', (header) => {
    expect(decideRange(header, 1000)).toEqual({ kind: 'full' });
  });

  it.each(['bytes=1000-', 'bytes=5-4', 'bytes=-0', 'bytes=-', 'bytes=abc', 'bytes=1-2-3', 'bytes=', 'bytes=-1x'])(
    'refuses %j as unsatisfiable',
    (header) => {
      expect(decideRange(header, 1000)).toEqual({ kind: 'unsatisfiable' });
    },
  );

  it('refuses numbers too large to be exact', () => {
    expect(decideRange('bytes=0-99999999999999999999', 1000)).toEqual({ kind: 'unsatisfiable' });
  });
});
