import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { TokensService } from './tokens.service';

const PURGE_INTERVAL_MS = 10 * 60 * 1000;

/** Deletes long-expired tokens in the background so the table stays small. */
@Injectable()
export class TokensJanitor implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('tokens');
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly tokens: TokensService) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.purge(), PURGE_INTERVAL_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private async purge(): Promise<void> {
    try {
      const removed = await this.tokens.purgeExpired();
      if (removed > 0) this.logger.log(`purged ${removed} expired tokens`);
    } catch (error) {
      this.logger.warn(`token purge failed: ${(error as Error).message}`);
    }
  }
}
