import { Injectable } from '@nestjs/common';

/** The one source of time for business code, so tests can move time without sleeping. */
@Injectable()
export class Clock {
  nowMs(): number {
    return Date.now();
  }

  now(): Date {
    return new Date(this.nowMs());
  }
}

/** A clock that only moves when told to; for tests and simulations. */
export class ManualClock extends Clock {
  constructor(private current = Date.UTC(2026, 0, 1)) {
    super();
  }

  override nowMs(): number {
    return this.current;
  }

  advance(ms: number): void {
    this.current += ms;
  }

  set(ms: number): void {
    this.current = ms;
  }
}
