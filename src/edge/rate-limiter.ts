import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../adapters/clock.adapter';
import { SlidingWindowCounter } from '../common/sliding-window';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import type { RateGroup } from './route-policy';

/** A budget of requests per minute: a route group's per-address budget, or one of siteverify's two. */
export type RateBudget = Exclude<RateGroup, 'siteverify'> | 'siteverify-site' | 'siteverify-ip';

export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Whole seconds until the current window ends; what Retry-After says when refused. */
  retryAfterSeconds: number;
}

const WINDOW_MS = 60_000;

/**
 * Sliding-window request budgets, one counter per budget, kept in memory per instance. The edge counts
 * requests per client address before their bodies are read; siteverify counts per site once it knows it.
 */
@Injectable()
export class RateLimiter {
  private readonly counters = new Map<RateBudget, SlidingWindowCounter>();
  private readonly limits: Record<RateBudget, number>;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly clock: Clock,
  ) {
    const limits = config.rateLimit;
    this.limits = {
      challenges: limits.perMinute,
      peers: limits.perMinute,
      demo: limits.perMinute,
      other: limits.perMinute,
      ledger: limits.ledgerPerMinute,
      models: limits.modelsPerMinute,
      metrics: limits.metricsPerMinute,
      'siteverify-site': limits.siteverifyPerSitePerMinute,
      'siteverify-ip': limits.siteverifyPerIpPerMinute,
    };
  }

  /** Counts one request of `key` against `budget`; null when the budget is switched off. */
  hit(budget: RateBudget, key: string): RateDecision | null {
    const limit = this.limits[budget];
    if (limit === 0) return null;
    const now = this.clock.nowMs();
    const count = this.counter(budget).hit(key, now);
    return this.decide(budget, key, limit, count, now, count <= limit);
  }

  /** Whether `key` may send one more request against `budget`, without counting one. */
  peek(budget: RateBudget, key: string): RateDecision | null {
    const limit = this.limits[budget];
    if (limit === 0) return null;
    const now = this.clock.nowMs();
    const count = this.counter(budget).count(key, now);
    return this.decide(budget, key, limit, count, now, count + 1 <= limit);
  }

  private decide(budget: RateBudget, key: string, limit: number, count: number, now: number, allowed: boolean) {
    const retryAfterSeconds = Math.max(1, Math.ceil(this.counter(budget).msUntilWindowEnd(key, now) / 1000));
    return { allowed, limit, remaining: Math.max(0, Math.floor(limit - count)), retryAfterSeconds };
  }

  private counter(budget: RateBudget): SlidingWindowCounter {
    let counter = this.counters.get(budget);
    if (!counter) {
      counter = new SlidingWindowCounter(WINDOW_MS);
      this.counters.set(budget, counter);
    }
    return counter;
  }
}
