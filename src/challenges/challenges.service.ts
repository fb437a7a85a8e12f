import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { LessThanOrEqual, Repository } from 'typeorm';
import { Clock } from '../adapters/clock.adapter';
import { CryptoAdapter } from '../adapters/crypto.adapter';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { deleteInBatches, hydrate, queryRows } from '../database/raw-sql';
import { ConflictError, DomainError, ForbiddenError, NotFoundError } from '../common/domain-error';
import { InferenceService } from '../inference/inference.service';
import type { PassedAttempt } from '../liveness/attempts/liveness-attempts.service';
import { LivenessAttemptsService } from '../liveness/attempts/liveness-attempts.service';
import { AuditJobsService } from '../peers/audit-jobs.service';
import { DUMMY_TOKEN, TEST_SITEKEYS } from '../protocol/keys';
import { hostnameAllowed } from '../sites/hostname-pattern';
import type { SiteEntity } from '../sites/site.entity';
import { SitesService } from '../sites/sites.service';
import type { MintedToken } from '../tokens/tokens.service';
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
import type { DifficultyDecision } from './difficulty';
import { decideDifficulty } from './difficulty';
import { chooseLevel, livenessChallenge } from './liveness-step';
import { FAILURE_WINDOW_SECONDS, MINUTE_SECONDS, RiskTracker } from './risk-tracker.service';

/** Where the request came from: the page's hostname (from Origin) and the client's IP. */
export interface RequestOrigin {
  hostname: string | null;
  ip: string;
}

/**
 * The solution path's statements, hand-written as prepared statements (see raw-sql.ts): a garbage solution
 * costs the service these three and one inference, so their overhead counts.
 */
const FIND_SQL = 'SELECT * FROM challenges WHERE id = ?';
const CLAIM_SQL =
  "UPDATE challenges SET status = 'verifying', attempted_at = ? " +
  "WHERE id = ? AND status = 'issued' AND expires_at > ? RETURNING id";
const FINISH_SQL = "UPDATE challenges SET status = ?, failure_reason = ? WHERE id = ? AND status = 'verifying'";

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
    private readonly attempts: LivenessAttemptsService,
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
    if (!site) throw unknownSitekey();
    const hostname = this.checkOrigin(site, origin);
    const level = chooseLevel(site, dto.level);

    // The verdict is given now, before the visitor works: a refusal, or the real cost and score.
    const decision = decideDifficulty(site.difficulty, this.risk.recordChallenge(origin.ip, site.id));
    refuseIfTooRisky(site, decision);
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
    await this.store(challenge, site);
    return {
      id: challenge.id,
      sitekey: site.sitekey,
      level: challenge.level,
      issuedAt: new Date(now).toISOString(),
      expiresAt: new Date(challenge.expiresAt).toISOString(),
      score: challenge.score,
      ...(level === 'liveness'
        ? { steps: ['liveness', 'inference'], inference: task, liveness: livenessChallenge(site) }
        : { steps: ['inference'], inference: task }),
    };
  }

  /**
   * Every cheap check (the challenge's state, context, shape and evidence; the risk verdict was given at
   * issuance) comes before the one attempt is claimed, and that before any inference. Spot checks stop at
   * the first mismatch, so a garbage solution costs about one inference (bench/garbage-solution.bench.mjs).
   */
  async submit(id: string, dto: SubmitSolutionDto, origin: RequestOrigin): Promise<SolutionResultDto> {
    const [row] = await queryRows(this.challenges, FIND_SQL, [id]);
    const challenge = row ? hydrate(this.challenges, row) : null;
    if (!challenge) throw new NotFoundError('challenge-not-found', 'No such challenge');
    this.checkAttemptable(challenge);
    await this.checkSolutionContext(challenge, dto, origin);
    this.checkEvidencePresence(challenge, dto);
    if (dto.outputs.length !== challenge.inputCount) {
      throw new DomainError(
        'wrong-output-count',
        `Expected ${challenge.inputCount} outputs, got ${dto.outputs.length}`,
        400,
      );
    }
    // The attempt is read before the claim: a solution naming an attempt that did not pass costs no inference
    // and leaves the challenge open for the visitor's next attempt.
    const liveness = await this.checkLiveness(challenge, dto);
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
    await this.finish(challenge.id, 'solved', null);
    const minted = await this.mintFor(challenge, liveness);
    // Verifier peers re-check a sample of solutions, or every one where the site has its compute passes
    // reviewed; createAudit never throws, so it cannot fail the visitor.
    const reviewed = (await this.sites.findById(challenge.siteId))?.reviewLevels.includes('compute') ?? false;
    await this.audits.createAudit(challenge, dto.outputs, { always: reviewed });
    return {
      status: 'solved',
      token: minted.token,
      expiresAt: new Date(minted.expiresAt).toISOString(),
      score: challenge.score,
      ...(liveness ? { liveness: { score: liveness.score } } : {}),
    };
  }

  /** The passed attempt a liveness challenge's solution names; null for other levels. */
  private async checkLiveness(challenge: ChallengeEntity, dto: SubmitSolutionDto): Promise<PassedAttempt | null> {
    if (!dto.liveness) return null;
    const passed = await this.attempts.passed(challenge.id, dto.liveness.attempt);
    if (!passed) {
      throw new ForbiddenError('liveness-not-passed', 'This challenge has no passed liveness attempt of that id');
    }
    return passed;
  }

  private checkEvidencePresence(challenge: ChallengeEntity, dto: SubmitSolutionDto): void {
    if (challenge.level === 'liveness' && dto.liveness === undefined) {
      throw new DomainError('liveness-evidence-required', 'This challenge needs the liveness capture', 400);
    }
    if (challenge.level !== 'liveness' && dto.liveness !== undefined) {
      throw new DomainError('liveness-not-requested', 'This challenge asked for no liveness capture', 400);
    }
  }

  /** Marks unattempted challenges past their expiry as expired, and deletes those expired before `before`. */
  async housekeep(before: number): Promise<number> {
    const now = this.clock.nowMs();
    await this.challenges.update({ status: 'issued', expiresAt: LessThanOrEqual(now) }, { status: 'expired' });
    return deleteInBatches(this.challenges, 'challenges', 'id', 'expires_at < ?', [before]);
  }

  /**
   * Stores a new challenge. A site deleted through another instance may still sit in this one's cache for
   * a few seconds; its row is gone, so the insert fails on the foreign key: answer as for an unknown sitekey.
   */
  private async store(challenge: ChallengeEntity, site: SiteEntity): Promise<void> {
    try {
      await this.writer.insert(challenge);
    } catch (error) {
      if (!(await this.sites.reloadCached(site.sitekey))) throw unknownSitekey();
      throw error;
    }
  }

  /** A token for a solved challenge; a site deleted meanwhile (by another instance) leaves nothing to mint for. */
  private async mintFor(challenge: ChallengeEntity, liveness: PassedAttempt | null): Promise<MintedToken> {
    try {
      return await this.tokens.mint({
        siteId: challenge.siteId,
        hostname: challenge.hostname,
        level: challenge.level,
        score: challenge.score,
        action: challenge.action,
        cdata: challenge.cdata,
        challengeId: challenge.id,
        liveness: liveness && { score: liveness.score, reasons: liveness.reasons },
      });
    } catch (error) {
      if (!(await this.sites.findById(challenge.siteId))) {
        throw new NotFoundError('challenge-not-found', 'The site of this challenge was deleted');
      }
      throw error;
    }
  }

  /** The cheap look at the state; claimAttempt decides races with one conditional UPDATE. */
  private checkAttemptable(challenge: ChallengeEntity): void {
    if (
      challenge.status === 'expired' ||
      (challenge.status === 'issued' && challenge.expiresAt <= this.clock.nowMs())
    ) {
      throw challengeExpired();
    }
    if (challenge.status !== 'issued') throw challengeAlreadyAttempted();
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
      const site = await this.sites.findBySitekeyCached(dto.sitekey);
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
    const claimed = await queryRows(this.challenges, CLAIM_SQL, [now, challenge.id, now]);
    if (claimed.length === 1) return;
    const [current] = await queryRows(this.challenges, FIND_SQL, [challenge.id]);
    if (!current) throw new NotFoundError('challenge-not-found', 'No such challenge');
    if (current.status === 'issued' || current.status === 'expired') throw challengeExpired();
    throw challengeAlreadyAttempted();
  }

  private async finish(id: string, status: 'solved' | 'failed', reason: string | null): Promise<void> {
    await queryRows(this.challenges, FINISH_SQL, [status, reason, id]);
  }
}

/**
 * Refuses, up front, a challenge whose score could not pass the site's threshold: the visitor learns it
 * before doing any work, with the signals behind it, instead of `score-below-threshold` afterwards.
 */
function refuseIfTooRisky(site: SiteEntity, decision: DifficultyDecision): void {
  if (decision.score >= site.scoreThreshold) return;
  const retryAfterSeconds = decision.reasons.includes('recent-failures') ? FAILURE_WINDOW_SECONDS : MINUTE_SECONDS;
  throw new DomainError(
    'risk-too-high',
    `Too much risky traffic from this network (${decision.reasons.join(', ')}); try again later`,
    403,
    { reasons: decision.reasons, score: decision.score, threshold: site.scoreThreshold, retryAfterSeconds },
  );
}

function unknownSitekey(): NotFoundError {
  return new NotFoundError('unknown-sitekey', 'No site with this sitekey');
}

function challengeExpired(): DomainError {
  return new DomainError('challenge-expired', 'The challenge has expired; request a new one', 410);
}

function challengeAlreadyAttempted(): ConflictError {
  return new ConflictError('challenge-already-attempted', 'A solution for this challenge was already submitted');
}
