import { Inject, Injectable, Logger } from '@nestjs/common';
import { CryptoAdapter } from '../../adapters/crypto.adapter';
import { APP_CONFIG } from '../../config/app-config';
import type { AppConfig } from '../../config/app-config';
import { ModelRegistryService } from '../../models/model-registry.service';
import { JobLifecycleService } from '../../peers/job-lifecycle.service';
import type { LivenessReviewSettings } from '../../protocol/liveness-review';
import {
  LIVENESS_REVIEW_KIND,
  LIVENESS_REVIEW_VERSION,
  REVIEW_FAIL,
  REVIEW_PASS,
  reviewContext,
} from '../../protocol/liveness-review';
import type { SiteEntity } from '../../sites/site.entity';
import type { CheckedFrame } from '../attempts/frame-structure';
import { EvidenceVaultService } from './evidence-vault.service';
import { reviewModelIds } from './review-models';

export interface ReviewedAttempt {
  id: string;
  seed: string;
}

/**
 * Liveness reviews (docs/ledger.md, "Liveness reviews"): on a site that has its liveness passes reviewed,
 * each analysed step's frames are kept encrypted until the attempt ends; then they are sealed for a
 * committee of peers, which runs the same verifier on them. Every analysed attempt is reviewed, failed
 * ones too: a peer that cannot tell which way the service decided cannot earn by always agreeing.
 */
@Injectable()
export class LivenessReviewsService {
  private readonly logger = new Logger('liveness');

  constructor(
    private readonly vault: EvidenceVaultService,
    private readonly lifecycle: JobLifecycleService,
    private readonly registry: ModelRegistryService,
    private readonly crypto: CryptoAdapter,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  reviews(site: Pick<SiteEntity, 'reviewLevels'> | null): boolean {
    return site?.reviewLevels.includes('liveness') ?? false;
  }

  /** Keeps a step's frames, encrypted, for the attempt's review. */
  keep(attemptId: string, step: number, frames: readonly CheckedFrame[]): Promise<void> {
    return this.vault.keep(attemptId, step, frames);
  }

  /** The attempt ended without a verdict worth reviewing (refused frames, an analysis error). */
  discard(attemptId: string): Promise<void> {
    return this.vault.discard(attemptId);
  }

  /**
   * Seals the attempt's kept frames for a committee and creates its review, with the service's verdict as
   * its seat's vote. The kept frames are deleted whatever happens. Never throws: a review is extra
   * assurance, and its failure must not fail the visitor. Null when no committee could be drawn.
   */
  async create(attempt: ReviewedAttempt, passed: boolean, threshold: number): Promise<string | null> {
    try {
      const steps = await this.vault.take(attempt.id);
      if (steps.length === 0) return null;
      const settings = this.settings(attempt.id, threshold);
      const models = reviewModelIds(settings.passive.enabled).map((id) => this.registry.find(id)?.descriptor.sha256);
      if (models.some((sha) => sha === undefined)) return null;
      const plaintext = Buffer.from(JSON.stringify({ seed: attempt.seed, steps }));
      const job = await this.lifecycle.create({
        kind: LIVENESS_REVIEW_KIND,
        subject: attempt.id,
        models: models as string[],
        evidence: (pin) => ({
          evidence: settings,
          sealed: this.crypto.sealFor(plaintext, pin.members, reviewContext(pin.id)),
        }),
        localScore: passed ? REVIEW_PASS : REVIEW_FAIL,
      });
      return job?.id ?? null;
    } catch (error) {
      this.logger.warn(`could not create the review of attempt ${attempt.id}: ${(error as Error).message}`);
      await this.vault.discard(attempt.id).catch(() => undefined);
      return null;
    }
  }

  /** Everything the verdict depends on besides the frames, so every member judges as the service did. */
  private settings(attemptId: string, threshold: number): LivenessReviewSettings {
    const { passiveChecks, endOnFailure, passive } = this.config.liveness;
    return {
      version: LIVENESS_REVIEW_VERSION,
      attempt: attemptId,
      threshold,
      endOnFailure,
      passive: { enabled: passiveChecks, ...passive },
    };
  }
}
