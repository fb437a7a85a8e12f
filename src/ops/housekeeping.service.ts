import type { BeforeApplicationShutdown, OnApplicationBootstrap } from '@nestjs/common';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Clock } from '../adapters/clock.adapter';
import { ChallengesService } from '../challenges/challenges.service';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { WitnessesService } from '../ledger/witnesses.service';
import { EvidenceVaultService } from '../liveness/review/evidence-vault.service';
import { JobLifecycleService } from '../peers/job-lifecycle.service';
import { PeerNoncesService } from '../peers/peer-nonces.service';
import { PeersService } from '../peers/peers.service';
import { TokensService } from '../tokens/tokens.service';

/** Rows deleted by one pass, by table. */
export interface HousekeepingReport {
  challenges: number;
  tokens: number;
  peerNonces: number;
  jobs: number;
  peers: number;
  cosignatures: number;
  livenessEvidence: number;
}

/**
 * Frames kept for a liveness review outlive their attempt only when it was abandoned between steps (the
 * visitor left, an instance stopped): an attempt lasts well under a minute, so anything this old goes.
 */
export const ABANDONED_EVIDENCE_SECONDS = 300;

/**
 * Deletes what has outlived its use (README, "Retention"): once at start-up, so a service that was down
 * does not wait a whole interval, and then every HOUSEKEEPING_INTERVAL_SECONDS, on every instance (the
 * deletes are idempotent). The ledger's entries and heads and the sites are never touched here; old
 * co-signatures are, but never those of the latest witnessed head.
 */
@Injectable()
export class HousekeepingService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('housekeeping');
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<HousekeepingReport | null> | null = null;

  constructor(
    private readonly tokens: TokensService,
    private readonly challenges: ChallengesService,
    private readonly nonces: PeerNoncesService,
    private readonly jobs: JobLifecycleService,
    private readonly peers: PeersService,
    private readonly witnesses: WitnessesService,
    private readonly evidence: EvidenceVaultService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    void this.run();
    this.timer = setInterval(() => void this.run(), this.config.retention.intervalSeconds * 1000);
    this.timer.unref();
  }

  /** Before the database closes: stop the timer and let a pass in progress finish. */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** One pass; a call during a pass shares it. Null when the pass failed (it is logged and tried again later). */
  run(): Promise<HousekeepingReport | null> {
    this.running ??= this.pass().finally(() => (this.running = null));
    return this.running;
  }

  private async pass(): Promise<HousekeepingReport | null> {
    const now = this.clock.nowMs();
    const retention = this.config.retention;
    const before = (seconds: number) => now - seconds * 1000;
    try {
      const report: HousekeepingReport = {
        challenges: await this.challenges.housekeep(before(retention.challengesSeconds)),
        tokens: await this.tokens.purgeExpired(before(retention.tokensSeconds)),
        peerNonces: await this.nonces.purgeExpired(),
        // Jobs before peers: a peer goes only once none of its jobs is left.
        jobs: await this.jobs.purgeFinal(before(retention.jobsSeconds)),
        peers: await this.peers.purgeIdle(before(retention.peersSeconds)),
        cosignatures: await this.witnesses.purgeOld(before(retention.cosignaturesSeconds)),
        livenessEvidence: await this.evidence.purgeBefore(before(ABANDONED_EVIDENCE_SECONDS)),
      };
      if (Object.values(report).some((count) => count > 0)) this.logger.log(`deleted ${JSON.stringify(report)}`);
      return report;
    } catch (error) {
      this.logger.warn(`housekeeping failed: ${(error as Error).message}`);
      return null;
    }
  }
}
