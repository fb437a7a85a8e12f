import type { BeforeApplicationShutdown, OnApplicationBootstrap } from '@nestjs/common';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';

const TICK_MS = 250;

/**
 * Notices when this service stopped running: a blocked event loop, a paused process, a suspended machine. A
 * timer ticks every 250 ms on the monotonic clock; a gap longer than the tick plus PEER_STALL_GRACE_SECONDS
 * is time no peer could reach the service, which the job lifecycle gives back to open deadlines instead of
 * slashing peers for it. A gap is also noticed on demand, since after a stall the sweep or a peer's request
 * may run before the timer does.
 */
@Injectable()
export class StallMonitor implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('jobs');
  private timer: NodeJS.Timeout | null = null;
  private last = performance.now();
  private owed = 0;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  onApplicationBootstrap(): void {
    if (!this.enabled) return;
    this.last = performance.now();
    this.timer = setInterval(() => this.observe(), TICK_MS);
    this.timer.unref();
  }

  beforeApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Milliseconds of stall not yet given back, including one still being noticed now; resets to zero. */
  take(): number {
    if (!this.enabled) return 0;
    this.observe();
    const owed = Math.ceil(this.owed);
    this.owed = 0;
    return owed;
  }

  private observe(): void {
    const now = performance.now();
    const gap = now - this.last - TICK_MS;
    if (gap > this.config.peers.stallGraceSeconds * 1000) {
      this.owed += gap;
      this.logger.warn(`the service stalled for ${Math.round(gap)} ms; open job deadlines are extended by as much`);
    }
    this.last = now;
  }

  private get enabled(): boolean {
    return this.config.peers.stallGraceSeconds > 0;
  }
}
