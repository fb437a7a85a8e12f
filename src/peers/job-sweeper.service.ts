import type { BeforeApplicationShutdown, OnApplicationBootstrap } from '@nestjs/common';
import { Injectable, Logger } from '@nestjs/common';
import { JobLifecycleService } from './job-lifecycle.service';

const INTERVAL_MS = 5_000;

/** Applies passed job deadlines every few seconds, on every instance (expired nonces go in housekeeping). */
@Injectable()
export class JobSweeperService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('jobs');
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(private readonly lifecycle: JobLifecycleService) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.run(), INTERVAL_MS);
    this.timer.unref();
  }

  /** Before the database closes: stop the timer and let a pass in progress finish. */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** One pass; overlapping calls share the pass in progress. */
  run(): Promise<void> {
    this.running ??= this.pass().finally(() => (this.running = null));
    return this.running;
  }

  private async pass(): Promise<void> {
    try {
      await this.lifecycle.sweep();
    } catch (error) {
      this.logger.warn(`job sweep failed: ${(error as Error).message}`);
    }
  }
}
