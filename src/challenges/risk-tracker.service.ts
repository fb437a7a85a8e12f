import { Injectable } from '@nestjs/common';
import { Clock } from '../adapters/clock.adapter';
import { SlidingWindowCounter } from '../common/sliding-window';
import type { RiskSignals } from './difficulty';

export const MINUTE_SECONDS = 60;
/** Failures count against an IP for this long. */
export const FAILURE_WINDOW_SECONDS = 600;
const MINUTE_MS = MINUTE_SECONDS * 1000;
const FAILURE_WINDOW_MS = FAILURE_WINDOW_SECONDS * 1000;

/**
 * In-memory risk signals per client IP and per site. Per instance by design: behind a load balancer
 * each instance sees a share of the traffic, which scales the thresholds but keeps them meaningful.
 */
@Injectable()
export class RiskTracker {
  private readonly ipChallenges = new SlidingWindowCounter(MINUTE_MS);
  private readonly siteChallenges = new SlidingWindowCounter(MINUTE_MS, 10_000);
  private readonly ipFailures = new SlidingWindowCounter(FAILURE_WINDOW_MS);

  constructor(private readonly clock: Clock) {}

  /** Records a challenge request and returns the signals that include it. */
  recordChallenge(ip: string, siteId: string): RiskSignals {
    const now = this.clock.nowMs();
    return {
      ipChallengesPerMinute: this.ipChallenges.hit(ip, now),
      siteChallengesPerMinute: this.siteChallenges.hit(siteId, now),
      ipRecentFailures: this.ipFailures.count(ip, now),
    };
  }

  recordFailure(ip: string): void {
    this.ipFailures.hit(ip, this.clock.nowMs());
  }
}
