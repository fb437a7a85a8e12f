import { describe, expect, it } from '@jest/globals';
import { SlidingWindowCounter } from '../../src/common/sliding-window';

const WINDOW = 60_000;
/** The start of a fixed window, so offsets below read as "this far into the window". */
const T0 = 28_000_000 * WINDOW;

function hitTimes(sut: SlidingWindowCounter, key: string, times: number, at: number): void {
  for (let i = 0; i < times; i++) sut.hit(key, at);
}

describe('SlidingWindowCounter', () => {
  it('counts hits within one window, each hit included in its own answer', () => {
    const sut = new SlidingWindowCounter(WINDOW);

    expect(sut.hit('ip', T0)).toBe(1);
    expect(sut.hit('ip', T0 + 10_000)).toBe(2);
    expect(sut.hit('ip', T0 + WINDOW - 1)).toBe(3);
  });

  it('adds weighted hits', () => {
    const sut = new SlidingWindowCounter(WINDOW);

    sut.hit('ip', T0, 2.5);

    expect(sut.hit('ip', T0, 0.5)).toBe(3);
  });

  it('weights the previous window by how much of it still overlaps', () => {
    const sut = new SlidingWindowCounter(WINDOW);
    hitTimes(sut, 'ip', 40, T0 + 30_000);

    expect(sut.count('ip', T0 + WINDOW)).toBe(40);
    expect(sut.count('ip', T0 + WINDOW + 15_000)).toBe(30);
    expect(sut.hit('ip', T0 + WINDOW + 45_000)).toBe(11);
  });

  it('combines the weighted previous window with the current one', () => {
    const sut = new SlidingWindowCounter(WINDOW);
    hitTimes(sut, 'ip', 20, T0);
    hitTimes(sut, 'ip', 5, T0 + WINDOW + 6_000);

    expect(sut.count('ip', T0 + WINDOW + 30_000)).toBe(20 * 0.5 + 5);
  });

  it('forgets everything after a whole idle window', () => {
    const sut = new SlidingWindowCounter(WINDOW);
    hitTimes(sut, 'ip', 50, T0);

    expect(sut.count('ip', T0 + 2 * WINDOW)).toBe(0);
    expect(sut.hit('ip', T0 + 2 * WINDOW + 1)).toBe(1);
  });

  it('keeps keys apart', () => {
    const sut = new SlidingWindowCounter(WINDOW);
    hitTimes(sut, 'a', 7, T0);

    expect(sut.hit('b', T0)).toBe(1);
    expect(sut.count('a', T0)).toBe(7);
  });

  it('does not record anything when only counting', () => {
    const sut = new SlidingWindowCounter(WINDOW);
    sut.hit('ip', T0);

    sut.count('ip', T0);
    sut.count('unknown', T0);

    expect(sut.count('ip', T0)).toBe(1);
    expect(sut.count('unknown', T0)).toBe(0);
    expect(sut.size).toBe(1);
  });

  it('tells how long until the current fixed window ends', () => {
    const sut = new SlidingWindowCounter(WINDOW);
    sut.hit('ip', T0 + 20_000);

    expect(sut.msUntilWindowEnd('ip', T0 + 20_000)).toBe(40_000);
    expect(sut.msUntilWindowEnd('ip', T0 + WINDOW - 1)).toBe(1);
    expect(sut.msUntilWindowEnd('unknown', T0)).toBe(0);
  });

  describe('memory bound', () => {
    it('never holds more than maxKeys keys', () => {
      const sut = new SlidingWindowCounter(WINDOW, 100);
      let largest = 0;

      for (let i = 0; i < 5_000; i++) {
        sut.hit(`ip-${i}`, T0 + i);
        largest = Math.max(largest, sut.size);
      }

      expect(largest).toBe(100);
    });

    it('sweeps keys idle for a whole window before dropping any active one', () => {
      const sut = new SlidingWindowCounter(WINDOW, 4);
      sut.hit('stale-1', T0);
      sut.hit('stale-2', T0);
      hitTimes(sut, 'active-1', 3, T0 + 2 * WINDOW);
      hitTimes(sut, 'active-2', 3, T0 + 2 * WINDOW);

      sut.hit('new', T0 + 2 * WINDOW);

      expect(sut.size).toBe(3);
      expect(sut.count('active-1', T0 + 2 * WINDOW)).toBe(3);
      expect(sut.count('active-2', T0 + 2 * WINDOW)).toBe(3);
      expect(sut.count('stale-1', T0 + 2 * WINDOW)).toBe(0);
    });

    it('keeps a key whose previous window still counts', () => {
      const sut = new SlidingWindowCounter(WINDOW, 4);
      const now = T0 + WINDOW + 30_000;
      sut.hit('stale', T0 - WINDOW);
      hitTimes(sut, 'recent', 10, T0);
      sut.hit('a', now);
      sut.hit('b', now);

      sut.hit('c', now);

      expect(sut.size).toBe(4);
      expect(sut.count('stale', now)).toBe(0);
      expect(sut.count('recent', now)).toBe(5);
    });

    it('drops the oldest keys when every key is active', () => {
      const sut = new SlidingWindowCounter(WINDOW, 10);
      for (let i = 0; i < 10; i++) sut.hit(`ip-${i}`, T0);

      sut.hit('ip-10', T0);

      expect(sut.size).toBe(10);
      expect(sut.count('ip-0', T0)).toBe(0);
      expect(sut.count('ip-1', T0)).toBe(1);
      expect(sut.count('ip-10', T0)).toBe(1);
    });
  });
});
