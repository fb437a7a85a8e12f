import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { LessThanOrEqual, Not, Repository } from 'typeorm';
import { Clock } from '../adapters/clock.adapter';
import { CryptoAdapter } from '../adapters/crypto.adapter';
import { APP_CONFIG } from '../config/app-config';
import { deleteInBatches } from '../database/raw-sql';
import type { AppConfig } from '../config/app-config';
import type { SealedBox } from '../protocol/sealed-box';
import { JobAssignmentEntity, JobEntity } from './job.entity';
import { JobSealedEvidenceEntity } from './job-sealed-evidence.entity';
import type { AssignmentStatus, CanaryPlan, JobResult } from './job.entity';
import { CommitteesService } from './committees.service';
import { JobNotifier } from './job-notifier';
import { jobTolerance, medianResult } from './job-result';
import { PeersService } from './peers.service';
import { StallMonitor } from './stall-monitor';

/** What a job is pinned to when it is created: its id and the signed tree head its committee saw. */
export interface JobPin {
  id: string;
  headSize: number;
  headRoot: string;
  /** The committee's peer ids (their Ed25519 public keys), for evidence sealed to them. */
  members: string[];
}

/** Evidence made from a pin, with the canary plan when the service planted faults in it. */
export interface PreparedJob {
  evidence: Record<string, unknown>;
  canary?: CanaryPlan | null;
  /** Evidence only the committee may read, sealed for its members; deleted when the job is final. */
  sealed?: SealedBox;
}

export interface NewJob {
  kind: string;
  subject: string | null;
  /** sha256 of the model files the job needs. */
  models: string[];
  /** The evidence, or how to make it from the job's pin (an audit's common sample is seeded by it). */
  evidence: Record<string, unknown> | ((pin: JobPin) => PreparedJob | Promise<PreparedJob>);
  /** The service's own verdict score on the job, its vote when it sits on the committee; none, no seat. */
  localScore?: number;
}

const SWEEP_BATCH = 200;
const COMMITTED: readonly AssignmentStatus[] = ['committed', 'revealed', 'missed-reveal'];

/**
 * A job's state machine: creation with its committee, commits closing, reassignment of peers that miss the
 * commit deadline, finalization. Every transition is a conditional UPDATE on the state it leaves, so several
 * instances sweeping the same PostgreSQL database (or a sweep racing a peer's request) apply it once.
 */
@Injectable()
export class JobLifecycleService {
  constructor(
    @InjectRepository(JobEntity) private readonly jobs: Repository<JobEntity>,
    @InjectRepository(JobAssignmentEntity) private readonly assignments: Repository<JobAssignmentEntity>,
    @InjectRepository(JobSealedEvidenceEntity) private readonly sealedEvidence: Repository<JobSealedEvidenceEntity>,
    private readonly peers: PeersService,
    private readonly committees: CommitteesService,
    private readonly notifier: JobNotifier,
    private readonly stalls: StallMonitor,
    private readonly crypto: CryptoAdapter,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Creates a job with its committee (CommitteesService.choose): drawn by stake from the ledger, or, while
   * nobody has stake, up to PEER_COMMITTEE_SIZE present peers. Null when no peer can take it. The service's
   * seat, if it sits, is kept with the draw: it has no assignment, since it reveals at once.
   */
  async create({ localScore, evidence, ...spec }: NewJob): Promise<JobEntity | null> {
    const id = this.crypto.randomUuid();
    const choice = await this.committees.choose(id, spec.models, localScore ?? null);
    if (choice.kind === 'none') return null;
    const committee = choice.kind === 'drawn' ? choice.members.map((member) => member.peer) : choice.members;
    if (committee.length === 0) return null;
    const now = this.clock.nowMs();
    const pin = { id, headSize: choice.headSize, headRoot: choice.headRoot, members: committee };
    const prepared = typeof evidence === 'function' ? await evidence(pin) : { evidence };
    const job: JobEntity = {
      id,
      ...spec,
      evidence: prepared.evidence,
      canary: prepared.canary ?? null,
      status: 'committing',
      createdAt: now,
      commitDeadline: now + this.commitMs,
      revealDeadline: null,
      retries: 0,
      resultScore: null,
      result: null,
      finalizedAt: null,
      drawHeadSize: choice.kind === 'drawn' ? choice.headSize : null,
      drawHeadRoot: choice.kind === 'drawn' ? choice.headRoot : null,
      committee:
        choice.kind === 'drawn'
          ? { candidates: choice.candidates, members: choice.members, service: choice.service }
          : null,
    };
    await this.jobs.manager.transaction(async (manager) => {
      // The evidence is arbitrary JSON, which TypeORM's deep-partial insert type cannot follow.
      await manager.insert(JobEntity, job as object);
      await manager.insert(
        JobAssignmentEntity,
        committee.map((peerId) => this.assignment(job.id, peerId, now)),
      );
      if (prepared.sealed) {
        await manager.insert(JobSealedEvidenceEntity, { jobId: id, box: prepared.sealed as object, createdAt: now });
      }
    });
    this.notifier.notify(committee);
    return job;
  }

  /** Applies a deadline that has passed, if any, and returns the job as it is afterwards. */
  async advance(found: JobEntity): Promise<JobEntity> {
    const job = (await this.giveBackStalls()) ? await this.jobs.findOneByOrFail({ id: found.id }) : found;
    const now = this.clock.nowMs();
    if (job.status === 'committing' && now >= job.commitDeadline) {
      await this.onCommitDeadline(job, now);
    } else if (job.status === 'revealing' && job.revealDeadline !== null && now >= job.revealDeadline) {
      await this.onRevealDeadline(job.id);
    } else {
      return job;
    }
    return this.jobs.findOneByOrFail({ id: job.id });
  }

  /** Applies every deadline that has passed; run periodically and by tests after moving the clock. */
  async sweep(): Promise<number> {
    await this.giveBackStalls();
    const now = this.clock.nowMs();
    const due = await this.jobs.find({
      where: [
        { status: 'committing', commitDeadline: LessThanOrEqual(now) },
        { status: 'revealing', revealDeadline: LessThanOrEqual(now) },
      ],
      order: { createdAt: 'ASC' },
      take: SWEEP_BATCH,
    });
    for (const job of due) await this.advance(job);
    return due.length;
  }

  /**
   * Time the service was stalled is time no peer could commit or reveal in: every open deadline moves by it
   * before any is applied (StallMonitor), so peers are never slashed as absent for the service's own pause.
   * Whether anything was given back.
   */
  private async giveBackStalls(): Promise<boolean> {
    const stall = this.stalls.take();
    if (stall <= 0) return false;
    // `stall` is an integer this process measured, never input, so it can sit in the SQL text.
    await this.jobs
      .createQueryBuilder()
      .update(JobEntity)
      .set({ commitDeadline: () => `commit_deadline + ${stall}` })
      .where("status = 'committing'")
      .execute();
    await this.jobs
      .createQueryBuilder()
      .update(JobEntity)
      .set({ revealDeadline: () => `reveal_deadline + ${stall}` })
      .where("status = 'revealing'")
      .execute();
    return true;
  }

  /** After a commit: commits close as soon as no assigned peer is still to commit. */
  async closeCommitsIfComplete(jobId: string): Promise<void> {
    if ((await this.assignments.countBy({ jobId, status: 'assigned' })) === 0) await this.closeCommits(jobId);
  }

  /** After a reveal: the job is final as soon as no committed peer is still to reveal. */
  async finalizeIfComplete(jobId: string): Promise<void> {
    if ((await this.assignments.countBy({ jobId, status: 'committed' })) === 0) await this.finalize(jobId);
  }

  /**
   * Peers still to commit are out; up to PEER_JOB_RETRIES times, present peers not yet on the job replace
   * them with a fresh commit window. Without replacements, commits close on what was committed. A committee
   * drawn from the ledger is never topped up: the draw must stay recomputable, and absent members are slashed.
   */
  private async onCommitDeadline(job: JobEntity, now: number): Promise<void> {
    // A peer still to commit that got the job late (its first poll answered with it less than a commit window
    // ago) had less time than the window: the deadline runs from its offer instead, once per member.
    const lateOffer = await this.latestOffer(job.id, job.commitDeadline);
    if (lateOffer !== null && lateOffer + this.commitMs > job.commitDeadline) {
      await this.jobs.update(
        { id: job.id, status: 'committing', commitDeadline: job.commitDeadline },
        { commitDeadline: lateOffer + this.commitMs },
      );
      return;
    }
    // Claiming the deadline (moving it) makes this instance the only one to handle it.
    const claimed = await this.jobs.update(
      { id: job.id, status: 'committing', commitDeadline: job.commitDeadline },
      { commitDeadline: now + this.commitMs },
    );
    if (claimed.affected !== 1) return;
    const missed = await this.assignments.update({ jobId: job.id, status: 'assigned' }, { status: 'missed-commit' });
    const missing = missed.affected ?? 0;
    // Evidence sealed for the committee cannot be read by a replacement, so such a job is never topped up.
    const replaceable =
      missing > 0 &&
      job.committee === null &&
      job.retries < this.config.peers.jobRetries &&
      !(await this.sealedEvidence.existsBy({ jobId: job.id }));
    if (replaceable && (await this.reassign(job, missing, now))) return;
    await this.closeCommits(job.id);
  }

  /** The latest offer to a peer still to commit, made before `deadline` (an offer after it extends nothing). */
  private async latestOffer(jobId: string, deadline: number): Promise<number | null> {
    const row = await this.assignments
      .createQueryBuilder('a')
      .select('MAX(a.offered_at)', 'latest')
      .where("a.job_id = :jobId AND a.status = 'assigned' AND a.offered_at < :deadline", { jobId, deadline })
      .getRawOne<{ latest: string | number | null }>();
    return row?.latest === null || row?.latest === undefined ? null : Number(row.latest);
  }

  /** Records that these jobs reached the peer now, where they had not before (see onCommitDeadline). */
  async offered(peerId: string, jobIds: readonly string[]): Promise<void> {
    if (jobIds.length === 0) return;
    await this.assignments
      .createQueryBuilder()
      .update(JobAssignmentEntity)
      .set({ offeredAt: this.clock.nowMs() })
      .where('peer_id = :peerId AND job_id IN (:...jobIds) AND offered_at IS NULL', { peerId, jobIds: [...jobIds] })
      .execute();
  }

  private async reassign(job: JobEntity, count: number, now: number): Promise<boolean> {
    const onJob = await this.assignments.find({ where: { jobId: job.id }, select: { peerId: true } });
    const replacements = await this.peers.pickActive(job.models, new Set(onJob.map((a) => a.peerId)), count);
    if (replacements.length === 0) return false;
    await this.assignments.insert(replacements.map((peerId) => this.assignment(job.id, peerId, now)));
    await this.jobs.update({ id: job.id }, { retries: job.retries + 1 });
    this.notifier.notify(replacements);
    return true;
  }

  private async closeCommits(jobId: string): Promise<void> {
    const committed = await this.assignments.find({ where: { jobId, status: 'committed' }, select: { peerId: true } });
    if (committed.length === 0) return this.finalize(jobId);
    const closed = await this.jobs.update(
      { id: jobId, status: 'committing' },
      { status: 'revealing', revealDeadline: this.clock.nowMs() + this.config.peers.revealSeconds * 1000 },
    );
    if (closed.affected === 1) this.notifier.notify(committed.map((assignment) => assignment.peerId));
  }

  private async onRevealDeadline(jobId: string): Promise<void> {
    await this.assignments.update({ jobId, status: 'committed' }, { status: 'missed-reveal' });
    await this.finalize(jobId);
  }

  /**
   * The job's result, kept with it: for a drawn committee, its stake-weighted verdict, settled in the ledger
   * first (once, whatever the retries); otherwise the median of the revealed scores and who agrees with it.
   * Settling before marking the job final means a crash in between leaves a job that is finalized again.
   */
  private async finalize(jobId: string): Promise<void> {
    const job = await this.jobs.findOneByOrFail({ id: jobId });
    if (job.status === 'final') return;
    const all = await this.assignments.findBy({ jobId });
    const result = job.committee ? await this.committees.settle(job, all) : localResult(job.evidence, all);
    await this.jobs.update(
      { id: jobId, status: Not('final') },
      { status: 'final', result, resultScore: result.score, finalizedAt: this.clock.nowMs() },
    );
    // What was sealed for the committee has served its purpose: it goes now, not at retention.
    await this.sealedEvidence.delete({ jobId });
  }

  /** Deletes final jobs finalized before `before`; their assignments go with them (ON DELETE CASCADE). */
  purgeFinal(before: number): Promise<number> {
    return deleteInBatches(this.jobs, 'jobs', 'id', "status = 'final' AND finalized_at < ?", [before]);
  }

  private assignment(jobId: string, peerId: string, now: number): JobAssignmentEntity {
    return {
      jobId,
      peerId,
      status: 'assigned',
      assignedAt: now,
      offeredAt: null,
      commitment: null,
      committedAt: null,
      verdict: null,
      salt: null,
      revealedAt: null,
    };
  }

  private get commitMs(): number {
    return this.config.peers.commitSeconds * 1000;
  }
}

function localResult(evidence: Record<string, unknown>, all: readonly JobAssignmentEntity[]): JobResult {
  const revealed = all.filter((a) => a.status === 'revealed' && a.verdict !== null);
  const { score, agreeing } = medianResult(
    revealed.map((a) => ({ peer: a.peerId, score: a.verdict!.score })),
    jobTolerance(evidence),
  );
  return {
    score,
    agreeing,
    assigned: all.length,
    committed: all.filter((a) => COMMITTED.includes(a.status)).length,
    revealed: revealed.length,
  };
}
