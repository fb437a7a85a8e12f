import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { LessThan, LessThanOrEqual, MoreThan, Repository } from 'typeorm';
import { Clock } from '../adapters/clock.adapter';
import { CryptoAdapter } from '../adapters/crypto.adapter';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { ConflictError, DomainError, ForbiddenError, NotFoundError } from '../common/domain-error';
import { InferenceService } from '../inference/inference.service';
import type { LivenessVerdict } from '../liveness/liveness-verifier';
import { LivenessService } from '../liveness/liveness.service';
import { MetricsService } from '../ops/metrics.service';
import { AuditJobsService } from '../peers/audit-jobs.service';
import { DUMMY_TOKEN, TEST_SITEKEYS } from '../protocol/keys';
import { hostnameAllowed } from '../sites/hostname-pattern';
import type { SiteEntity } from '../sites/site.entity';
import { SitesService } from '../sites/sites.service';
import { TokensService } from '../tokens/tokens.service';
import { ChallengeEntity } from './challenge.entity';
import { ChallengeWriter } from './challenge-writer.service';
import type {
  ChallengeResponseDto,
  CreateChallengeDto,
  SolutionResultDto,
  SubmitSolutionDto,
  TestChallengeResponseDto,
} from './challenges.dto';
import { decideDifficulty } from './difficulty';
import { chooseLevel, livenessChallenge, livenessHints } from './liveness-step';
import { RiskTracker } from './risk-tracker.service';

/** Where the request came from: the page's hostname (from Origin) and the client's IP. */
export interface RequestOrigin {
  hostname: string | null;
  ip: string;
}

const RETENTION_MS = 24 * 3600 * 1000;

@Injectable()
export class ChallengesService {
  constructor(
    @InjectRepository(ChallengeEntity) private readonly challenges: Repository<ChallengeEntity>,
    private readonly writer: ChallengeWriter,
    private readonly sites: SitesService,
    private readonly tokens: TokensService,
    private readonly inference: InferenceService,
    private readonly risk: RiskTracker,
    private readonly audits: AuditJobsService,
    private readonly liveness: LivenessService,
    private readonly metrics: MetricsService,
    private readonly crypto: CryptoAdapter,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async issue(
    dto: CreateChallengeDto,
    origin: RequestOrigin,
  ): Promise<ChallengeResponseDto | TestChallengeResponseDto> {
    const test = this.answerForTestSitekey(dto.sitekey);
    if (test) return test;
    const site = await this.sites.findBySitekeyCached(dto.sitekey);
    if (!site) throw new NotFoundError('unknown-sitekey', 'No site with this sitekey');
    const hostname = this.checkOrigin(site, origin);
    const level = chooseLevel(site, dto.level);

    const decision = decideDifficulty(site.difficulty, this.risk.recordChallenge(origin.ip, site.id));
    const task = this.inference.newTask(decision.inputCount);
    const now = this.clock.nowMs();
    const challenge: ChallengeEntity = {
      id: this.crypto.randomUuid(),
      siteId: site.id,
      hostname,
      status: 'issued',
      level,
      modelId: task.modelId,
      modelSha256: task.modelSha256,
      seed: task.seed,
      inputCount: task.count,
      tolerance: task.tolerance,
      score: decision.score,
      action: dto.action ?? null,
      cdata: dto.cdata ?? null,
      issuedAt: now,
      expiresAt: now + this.ttlMs,
      attemptedAt: null,
      failureReason: null,
    };
    await this.writer.insert(challenge);
    return {
      id: challenge.id,
      sitekey: site.sitekey,
      level: challenge.level,
      issuedAt: new Date(now).toISOString(),
      expiresAt: new Date(challenge.expiresAt).toISOString(),
      ...(level === 'liveness'
        ? { steps: ['liveness', 'inference'], inference: task, liveness: livenessChallenge(site, task.seed) }
        : { steps: ['inference'], inference: task }),
    };
  }

  async submit(id: string, dto: SubmitSolutionDto, origin: RequestOrigin): Promise<SolutionResultDto> {
    const challenge = await this.challenges.findOneBy({ id });
    if (!challenge) throw new NotFoundError('challenge-not-found', 'No such challenge');
    await this.checkSolutionContext(challenge, dto, origin);
    this.checkEvidencePresence(challenge, dto);
    if (dto.outputs.length !== challenge.inputCount) {
      throw new DomainError(
        'wrong-output-count',
        `Expected ${challenge.inputCount} outputs, got ${dto.outputs.length}`,
        400,
      );
    }
    await this.claimAttempt(challenge);

    let verdict: Awaited<ReturnType<InferenceService['verify']>>;
    try {
      verdict = await this.inference.verify(challenge, dto.outputs);
    } catch (error) {
      await this.finish(challenge.id, 'failed', 'verification-error');
      throw error;
    }
    if (!verdict.ok) {
      await this.finish(challenge.id, 'failed', verdict.reason);
      this.risk.recordFailure(origin.ip);
      return { status: 'failed', reason: verdict.reason, message: verdict.message };
    }
    const site = await this.sites.findById(challenge.siteId);
    if (!site || challenge.score < site.scoreThreshold) {
      await this.finish(challenge.id, 'failed', 'score-below-threshold');
      return { status: 'failed', reason: 'score-below-threshold', message: 'Too much risky traffic; try again later' };
    }
    const liveness = challenge.level === 'liveness' ? await this.checkLiveness(challenge, site, dto) : null;
    if (liveness && !liveness.passed) {
      this.risk.recordFailure(origin.ip);
      return {
        status: 'failed',
        reason: 'liveness-failed',
        message: 'We could not confirm a live person in front of the camera; try again',
        hints: livenessHints(liveness.reasons),
      };
    }
    await this.finish(challenge.id, 'solved', null);
    const minted = await this.tokens.mint({
      siteId: challenge.siteId,
      hostname: challenge.hostname,
      level: challenge.level,
      score: challenge.score,
      action: challenge.action,
      cdata: challenge.cdata,
      challengeId: challenge.id,
      liveness: liveness && { score: liveness.score, reasons: liveness.reasons },
    });
    // Verifier peers re-check a sample of solutions; createAudit never throws, so it cannot fail the visitor.
    await this.audits.createAudit(challenge, dto.outputs);
    return {
      status: 'solved',
      token: minted.token,
      expiresAt: new Date(minted.expiresAt).toISOString(),
      score: challenge.score,
      ...(liveness ? { liveness: { score: liveness.score } } : {}),
    };
  }

  /**
   * The evidence lives in this call's memory only; the verdict keeps scores and reason codes. A verifier
   * error fails the attempt (its one attempt is spent) rather than letting it through.
   */
  private async checkLiveness(
    challenge: ChallengeEntity,
    site: SiteEntity,
    dto: SubmitSolutionDto,
  ): Promise<LivenessVerdict> {
    let verdict: LivenessVerdict;
    try {
      verdict = await this.liveness.verify(dto.liveness, challenge.seed, site.livenessThreshold ?? undefined);
    } catch (error) {
      await this.finish(challenge.id, 'failed', 'verification-error');
      throw error;
    }
    this.metrics.recordLivenessVerdict(verdict.passed, verdict.reasons);
    if (!verdict.passed) await this.finish(challenge.id, 'failed', 'liveness-failed');
    return verdict;
  }

  private checkEvidencePresence(challenge: ChallengeEntity, dto: SubmitSolutionDto): void {
    if (challenge.level === 'liveness' && dto.liveness === undefined) {
      throw new DomainError('liveness-evidence-required', 'This challenge needs the liveness capture', 400);
    }
    if (challenge.level !== 'liveness' && dto.liveness !== undefined) {
      throw new DomainError('liveness-not-requested', 'This challenge asked for no liveness capture', 400);
    }
  }

  /** Marks unattempted challenges past their expiry and deletes those older than a day. */
  async housekeep(): Promise<number> {
    const now = this.clock.nowMs();
    await this.challenges.update({ status: 'issued', expiresAt: LessThanOrEqual(now) }, { status: 'expired' });
    const removed = await this.challenges.delete({ expiresAt: LessThan(now - RETENTION_MS) });
    return removed.affected ?? 0;
  }

  private get ttlMs(): number {
    return this.config.challenges.ttlSeconds * 1000;
  }

  private answerForTestSitekey(sitekey: string): TestChallengeResponseDto | null {
    if (sitekey === TEST_SITEKEYS.alwaysFail) {
      throw new ForbiddenError('test-sitekey-fails', 'This test sitekey always fails');
    }
    if (sitekey !== TEST_SITEKEYS.alwaysPass) return null;
    const expiresAt = new Date(this.clock.nowMs() + this.ttlMs).toISOString();
    return { id: null, sitekey, test: true, token: DUMMY_TOKEN, expiresAt };
  }

  private checkOrigin(site: SiteEntity, origin: RequestOrigin): string {
    if (origin.hostname === null) {
      throw new ForbiddenError('origin-required', 'Challenges are issued to pages: send an Origin header');
    }
    if (!hostnameAllowed(origin.hostname, site.hostnames)) {
      throw new ForbiddenError('hostname-not-allowed', `This sitekey is not allowed on ${origin.hostname}`);
    }
    return origin.hostname;
  }

  private async checkSolutionContext(
    challenge: ChallengeEntity,
    dto: SubmitSolutionDto,
    origin: RequestOrigin,
  ): Promise<void> {
    if (dto.sitekey !== undefined) {
      const site = await this.sites.findBySitekey(dto.sitekey);
      if (!site || site.id !== challenge.siteId) {
        throw new ForbiddenError('challenge-site-mismatch', 'This challenge belongs to another site');
      }
    }
    if (origin.hostname !== null && origin.hostname !== challenge.hostname) {
      throw new ForbiddenError('origin-mismatch', 'The solution comes from another page than the challenge');
    }
  }

  /** One conditional UPDATE decides which of several concurrent submissions gets the single attempt. */
  private async claimAttempt(challenge: ChallengeEntity): Promise<void> {
    const now = this.clock.nowMs();
    const claimed = await this.challenges.update(
      { id: challenge.id, status: 'issued', expiresAt: MoreThan(now) },
      { status: 'verifying', attemptedAt: now },
    );
    if (claimed.affected === 1) return;
    const current = await this.challenges.findOneByOrFail({ id: challenge.id });
    if (current.status === 'issued' || current.status === 'expired') {
      throw new DomainError('challenge-expired', 'The challenge has expired; request a new one', 410);
    }
    throw new ConflictError('challenge-already-attempted', 'A solution for this challenge was already submitted');
  }

  private async finish(id: string, status: 'solved' | 'failed', reason: string | null): Promise<void> {
    await this.challenges.update({ id, status: 'verifying' }, { status, failureReason: reason });
  }
}
