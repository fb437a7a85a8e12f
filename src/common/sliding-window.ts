interface Bucket {
  windowStart: number;
  current: number;
  previous: number;
}

/**
 * Sliding-window counter (the approximation used by Cloudflare and nginx-style limiters): the count
 * of the previous fixed window, weighted by how much of it still overlaps, plus the current one.
 * Memory is bounded: past `maxKeys`, stale keys are swept and then the oldest are dropped.
 */
export class SlidingWindowCounter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly windowMs: number,
    private readonly maxKeys = 100_000,
  ) {}

  /** Records one event for `key` and returns the estimated events in the last window, this one included. */
  hit(key: string, nowMs: number, weight = 1): number {
    const bucket = this.roll(key, nowMs);
    bucket.current += weight;
    return this.estimate(bucket, nowMs);
  }

  /** Estimated events for `key` in the last window, without recording one. */
  count(key: string, nowMs: number): number {
    const bucket = this.buckets.get(key);
    if (!bucket) return 0;
    return this.estimate(this.advance(bucket, nowMs), nowMs);
  }

  /** Milliseconds until the current fixed window ends: a fair Retry-After. */
  msUntilWindowEnd(key: string, nowMs: number): number {
    const bucket = this.buckets.get(key);
    return bucket ? Math.max(0, bucket.windowStart + this.windowMs - nowMs) : 0;
  }

  get size(): number {
    return this.buckets.size;
  }

  private roll(key: string, nowMs: number): Bucket {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= this.maxKeys) this.evict(nowMs);
      bucket = { windowStart: this.windowStartFor(nowMs), current: 0, previous: 0 };
      this.buckets.set(key, bucket);
      return bucket;
    }
    return this.advance(bucket, nowMs);
  }

  private advance(bucket: Bucket, nowMs: number): Bucket {
    const start = this.windowStartFor(nowMs);
    if (start === bucket.windowStart) return bucket;
    bucket.previous = start - bucket.windowStart === this.windowMs ? bucket.current : 0;
    bucket.current = 0;
    bucket.windowStart = start;
    return bucket;
  }

  private estimate(bucket: Bucket, nowMs: number): number {
    const elapsed = (nowMs - bucket.windowStart) / this.windowMs;
    return bucket.previous * (1 - elapsed) + bucket.current;
  }

  private windowStartFor(nowMs: number): number {
    return nowMs - (nowMs % this.windowMs);
  }

  private evict(nowMs: number): void {
    const staleBefore = this.windowStartFor(nowMs) - this.windowMs;
    for (const [key, bucket] of this.buckets) {
      if (bucket.windowStart < staleBefore) this.buckets.delete(key);
    }
    const excess = this.buckets.size - Math.floor(this.maxKeys * 0.9);
    if (excess <= 0) return;
    let dropped = 0;
    for (const key of this.buckets.keys()) {
      if (dropped++ >= excess) break;
      this.buckets.delete(key);
    }
  }
}
