import { describe, expect, it } from '@jest/globals';
import { JobNotifier } from '../../src/peers/job-notifier';
import { AGREEMENT_TOLERANCE, medianResult } from '../../src/peers/job-result';

describe('medianResult', () => {
  it('takes the median of the revealed scores and names the peers close to it', () => {
    const sut = medianResult([
      { peer: 'c', score: 0.2 },
      { peer: 'a', score: 0.9 },
      { peer: 'b', score: 0.9 + AGREEMENT_TOLERANCE / 2 },
    ]);

    expect(sut).toEqual({ score: 0.9, agreeing: ['a', 'b'] });
  });

  it('takes the lower middle score of an even count', () => {
    expect(
      medianResult([
        { peer: 'a', score: 1 },
        { peer: 'b', score: 0 },
      ]).score,
    ).toBe(0);
  });

  it('has no score without reveals', () => {
    expect(medianResult([])).toEqual({ score: null, agreeing: [] });
  });
});

describe('JobNotifier', () => {
  it('wakes a waiting peer when it is notified', async () => {
    const sut = new JobNotifier();
    const wait = sut.subscribe('p');
    const started = Date.now();

    setTimeout(() => sut.notify(['p']), 20);
    await wait.until(10_000);

    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('remembers a notification that arrives between subscribing and waiting', async () => {
    const sut = new JobNotifier();
    const wait = sut.subscribe('p');

    sut.notify(['p']);

    await expect(wait.until(10_000)).resolves.toBeUndefined();
  });

  it('times out without a notification, and ignores notifications for other peers', async () => {
    const sut = new JobNotifier();
    const wait = sut.subscribe('p');
    sut.notify(['q']);
    const started = Date.now();

    await wait.until(50);

    expect(Date.now() - started).toBeGreaterThanOrEqual(40);
  });

  it('wakes everyone at shutdown and does not wait afterwards', async () => {
    const sut = new JobNotifier();
    const wait = sut.subscribe('p');

    sut.onModuleDestroy();

    await wait.until(10_000);
    await sut.subscribe('q').until(10_000);
    expect(sut.closing).toBe(true);
  });
});
