import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ChallengesService } from '../challenges/challenges.service';
import { TokensService } from '../tokens/tokens.service';

const INTERVAL_MS = 10 * 60 * 1000;

/** Expires and deletes old challenges and tokens in the background so the tables stay small. */
@Injectable()
export class HousekeepingService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('housekeeping');
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly tokens: TokensService,
    private readonly challenges: ChallengesService,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.run(), INTERVAL_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async run(): Promise<void> {
    try {
      const tokens = await this.tokens.purgeExpired();
      const challenges = await this.challenges.housekeep();
      if (tokens + challenges > 0) this.logger.log(`removed ${tokens} old tokens and ${challenges} old challenges`);
    } catch (error) {
      this.logger.warn(`housekeeping failed: ${(error as Error).message}`);
    }
  }
}
