import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Clock } from '../../adapters/clock.adapter';
import { CryptoAdapter } from '../../adapters/crypto.adapter';
import { ChallengeEntity } from '../../challenges/challenge.entity';
import { APP_CONFIG } from '../../config/app-config';
import type { AppConfig } from '../../config/app-config';
import { ConflictError, DomainError, NotFoundError } from '../../common/domain-error';
import { MetricsService } from '../../ops/metrics.service';
import type { PlanStep, RevealedStep } from '../../protocol/liveness-plan';
import { deriveAttemptPlan } from '../../protocol/liveness-plan';
import { SitesService } from '../../sites/sites.service';
import { LivenessService } from '../liveness.service';
import { LivenessReviewsService } from '../review/liveness-reviews.service';
import { deriveStepKey } from './attempt-keys';
import type { LivenessFramesDto, LivenessStepDto } from './attempt.dto';
import type { AttemptState } from './attempt-state';
import { EMPTY_STATE, mergeChecks } from './attempt-state';
import type { AttemptVerdict } from './attempt-verdict';
import { attemptVerdict } from './attempt-verdict';
import { checkStepFrames } from './frame-structure';
import { LivenessAttemptEntity } from './liveness-attempt.entity';

/** Attempts a challenge allows (docs/liveness.md): enough for a visitor to recover from a bad take. */
export const MAX_ATTEMPTS = 3;

export interface LivenessStepAnswer {
  attempt: string;
  step: RevealedStep;
  verdict?: Pick<AttemptVerdict, 'passed' | 'score' | 'hints'>;
}

/** The attempt a solution names, once it has passed. */
export interface PassedAttempt {
  score: number;
  reasons: string[];
}

/**
 * Liveness v2 attempts over HTTP: each step's frames are checked (structure, MACs, timing) before a pixel
 * is decoded, analysed, and answered with the next step's reveal. Frames live in one request's memory.
 */
@Injectable()
export class LivenessAttemptsService {
  constructor(
    @InjectRepository(LivenessAttemptEntity) private readonly attempts: Repository<LivenessAttemptEntity>,
    @InjectRepository(ChallengeEntity) private readonly challenges: Repository<ChallengeEntity>,
    private readonly sites: SitesService,
    private readonly liveness: LivenessService,
    private readonly reviews: LivenessReviewsService,
    private readonly metrics: MetricsService,
    private readonly crypto: CryptoAdapter,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async step(challengeId: string, dto: LivenessStepDto): Promise<LivenessStepAnswer> {
    // Server time is read before anything else, so slow work of ours never counts against the visitor.
    const receivedAt = this.clock.nowMs();
    const challenge = await this.openChallenge(challengeId);
    return isFrames(dto) ? this.frames(challenge, dto, receivedAt) : this.start(challenge);
  }

  /** The attempt `attemptId` of this challenge if it passed, else null. */
  async passed(challengeId: string, attemptId: string): Promise<PassedAttempt | null> {
    const attempt = await this.attempts.findOneBy({ id: attemptId, challengeId });
    if (attempt?.status !== 'passed' || attempt.score === null) return null;
    return { score: attempt.score, reasons: attempt.reasons ?? [] };
  }

  private async start(challenge: ChallengeEntity): Promise<LivenessStepAnswer> {
    const number = await this.attempts.countBy({ challengeId: challenge.id });
    if (number >= MAX_ATTEMPTS) throw attemptsExhausted();
    const seed = this.crypto.randomBytes(16).toString('hex');
    const now = this.clock.nowMs();
    const attempt: LivenessAttemptEntity = {
      id: this.crypto.randomUuid(),
      challengeId: challenge.id,
      number,
      seed,
      status: 'running',
      nextStep: 0,
      revealedAt: now,
      lastFrame: -1,
      jpegBytes: 0,
      state: EMPTY_STATE,
      score: null,
      reasons: null,
      createdAt: now,
      finishedAt: null,
    };
    try {
      await this.attempts.insert(attempt);
    } catch (error) {
      // Two starts raced for the same number (unique index): the loser counts as one attempt too many.
      if ((await this.attempts.countBy({ challengeId: challenge.id })) > number) throw attemptsExhausted();
      throw error;
    }
    return { attempt: attempt.id, step: reveal(seed, deriveAttemptPlan(seed)[0]) };
  }

  private async frames(
    challenge: ChallengeEntity,
    dto: LivenessFramesDto,
    receivedAt: number,
  ): Promise<LivenessStepAnswer> {
    const attempt = await this.attempts.findOneBy({ id: dto.attempt, challengeId: challenge.id });
    if (!attempt) throw new NotFoundError('liveness-attempt-not-found', 'No such attempt of this challenge');
    if (attempt.status === 'passed' || attempt.status === 'failed') {
      throw new ConflictError('liveness-attempt-finished', 'This attempt has ended; start a new one');
    }
    if (attempt.status === 'analysing') {
      throw new ConflictError('liveness-step-busy', "This attempt's step is being analysed");
    }
    if (dto.step !== attempt.nextStep) {
      throw new ConflictError('liveness-step-out-of-order', `Frames of step ${attempt.nextStep} are expected`);
    }
    const plan = deriveAttemptPlan(attempt.seed);
    const step = plan[attempt.nextStep];
    const structure = checkStepFrames(dto.frames, {
      attempt: attempt.id,
      step,
      key: deriveStepKey(attempt.seed, step.index),
      lastFrame: attempt.lastFrame,
      attemptBytes: attempt.jpegBytes,
      elapsedMs: receivedAt - attempt.revealedAt,
    });
    if (!structure.ok) {
      // One try per step: frames that were refused end the attempt, so nothing can be probed step by step.
      await this.end(attempt, attempt.nextStep, 'running', { passed: false, score: 0, reasons: [structure.code] });
      await this.reviews.discard(attempt.id);
      throw new DomainError(structure.code, structure.message, 400, { attemptEnded: true });
    }
    await this.claim(attempt);
    const site = await this.sites.findById(challenge.siteId);
    const reviewed = this.reviews.reviews(site);

    let state: AttemptState;
    let failed: boolean;
    try {
      if (reviewed) await this.reviews.keep(attempt.id, step.index, structure.frames);
      const analysis = await (await this.liveness.analyser()).analyse(step, structure.frames, attempt.state, plan);
      state = mergeChecks(analysis.state, analysis.checks);
      failed = analysis.failed;
    } catch (error) {
      await this.end(attempt, attempt.nextStep, 'analysing', { passed: false, score: 0, reasons: ['analysis-error'] });
      await this.reviews.discard(attempt.id);
      throw error;
    }
    const last = step.index === plan.length - 1;
    if ((failed && this.config.liveness.endOnFailure) || last) {
      const threshold = site?.livenessThreshold ?? this.config.liveness.threshold;
      const verdict = attemptVerdict(state, threshold);
      await this.end(attempt, attempt.nextStep, 'analysing', verdict, {
        lastFrame: structure.frames[structure.frames.length - 1].i,
        jpegBytes: attempt.jpegBytes + structure.bytes,
      });
      this.metrics.recordLivenessVerdict(verdict.passed, verdict.reasons);
      if (reviewed) await this.reviews.create(attempt, verdict.passed, threshold);
      return {
        attempt: attempt.id,
        step: { index: step.index + 1, kind: 'done' },
        verdict: { passed: verdict.passed, score: verdict.score, hints: verdict.hints },
      };
    }
    const next = plan[step.index + 1];
    const updated = await this.attempts.update(
      { id: attempt.id, status: 'analysing', nextStep: step.index },
      {
        status: 'running',
        nextStep: next.index,
        revealedAt: this.clock.nowMs(),
        lastFrame: structure.frames[structure.frames.length - 1].i,
        jpegBytes: attempt.jpegBytes + structure.bytes,
        state,
      },
    );
    if (updated.affected !== 1) throw new ConflictError('liveness-step-busy', "This attempt's step changed meanwhile");
    return { attempt: attempt.id, step: reveal(attempt.seed, next) };
  }

  /** A live challenge of the liveness level, the only kind that has attempts. */
  private async openChallenge(id: string): Promise<ChallengeEntity> {
    const challenge = await this.challenges.findOneBy({ id });
    if (!challenge) throw new NotFoundError('challenge-not-found', 'No such challenge');
    if (
      challenge.status === 'expired' ||
      (challenge.status === 'issued' && challenge.expiresAt <= this.clock.nowMs())
    ) {
      throw new DomainError('challenge-expired', 'The challenge has expired; request a new one', 410);
    }
    if (challenge.status !== 'issued') {
      throw new ConflictError('challenge-already-attempted', 'A solution for this challenge was already submitted');
    }
    if (challenge.level !== 'liveness') {
      throw new DomainError('liveness-not-requested', 'This challenge asked for no liveness capture', 400);
    }
    return challenge;
  }

  /** One conditional UPDATE decides which of two posts of the same step is analysed. */
  private async claim(attempt: LivenessAttemptEntity): Promise<void> {
    const claimed = await this.attempts.update(
      { id: attempt.id, status: 'running', nextStep: attempt.nextStep },
      { status: 'analysing' },
    );
    if (claimed.affected !== 1) throw new ConflictError('liveness-step-busy', "This attempt's step is being analysed");
  }

  /** Ends the attempt with its verdict; the references (baseline, identity descriptor) go with it. */
  private async end(
    attempt: LivenessAttemptEntity,
    step: number,
    from: 'running' | 'analysing',
    verdict: Pick<AttemptVerdict, 'passed' | 'score' | 'reasons'>,
    progress: Pick<LivenessAttemptEntity, 'lastFrame' | 'jpegBytes'> = attempt,
  ): Promise<void> {
    await this.attempts.update(
      { id: attempt.id, status: from, nextStep: step },
      {
        lastFrame: progress.lastFrame,
        jpegBytes: progress.jpegBytes,
        status: verdict.passed ? 'passed' : 'failed',
        score: verdict.score,
        reasons: verdict.reasons,
        state: { ...EMPTY_STATE, checks: {} },
        finishedAt: this.clock.nowMs(),
      },
    );
  }

  /** The id of the challenge's attempt that passed, if one did (its review's subject). */
  async passedAttemptOf(challengeId: string): Promise<string | null> {
    const attempt = await this.attempts.findOne({ where: { challengeId, status: 'passed' }, select: { id: true } });
    return attempt?.id ?? null;
  }
}

function isFrames(dto: LivenessStepDto): dto is LivenessFramesDto {
  return 'attempt' in dto;
}

function reveal(seed: string, step: PlanStep): RevealedStep {
  return { ...step, key: deriveStepKey(seed, step.index) };
}

function attemptsExhausted(): ConflictError {
  return new ConflictError('liveness-attempts-exhausted', `At most ${MAX_ATTEMPTS} liveness attempts a challenge`);
}
