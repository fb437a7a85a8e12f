import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Clock } from '../adapters/clock.adapter';
import { CryptoAdapter } from '../adapters/crypto.adapter';
import { ConflictError, DomainError, ForbiddenError, NotFoundError } from '../common/domain-error';
import { LIVENESS_REVIEW_KIND } from '../protocol/liveness-review';
import { commitmentFor } from '../protocol/peer-protocol';
import type { SealedFor } from '../protocol/sealed-box';
import { boxFor } from '../protocol/sealed-box';
import { JobSealedEvidenceEntity } from './job-sealed-evidence.entity';
import { JobAssignmentEntity, JobEntity } from './job.entity';
import { JobLifecycleService } from './job-lifecycle.service';
import { JobNotifier } from './job-notifier';
import { PeersService } from './peers.service';
import type { CommitDto, CommitteeDto, EvidenceDto, PendingJobDto, RevealDto } from './peers.dto';

const PENDING_LIMIT = 50;

/** What a peer does with its jobs: find them, read their evidence, commit, reveal. */
@Injectable()
export class JobsService {
  private readonly logger = new Logger('jobs');

  constructor(
    @InjectRepository(JobEntity) private readonly jobs: Repository<JobEntity>,
    @InjectRepository(JobAssignmentEntity) private readonly assignments: Repository<JobAssignmentEntity>,
    @InjectRepository(JobSealedEvidenceEntity) private readonly sealedEvidence: Repository<JobSealedEvidenceEntity>,
    private readonly lifecycle: JobLifecycleService,
    private readonly notifier: JobNotifier,
    private readonly peers: PeersService,
    private readonly crypto: CryptoAdapter,
    private readonly clock: Clock,
  ) {}

  /** Jobs waiting for this peer; with `waitSeconds`, holds the request until one arrives or the time is up. */
  async poll(peerId: string, waitSeconds: number): Promise<PendingJobDto[]> {
    // Subscribed before looking, so a job created between the query and the wait still wakes this poll.
    const wait = this.notifier.subscribe(peerId);
    try {
      const ready = await this.pending(peerId);
      if (ready.length > 0 || waitSeconds === 0) return ready;
      await wait.until(waitSeconds * 1000);
      return await this.pending(peerId);
    } finally {
      wait.cancel();
    }
  }

  async evidence(peerId: string, jobId: string): Promise<EvidenceDto> {
    const { job } = await this.assigned(peerId, jobId);
    return {
      id: job.id,
      kind: job.kind,
      models: job.models,
      evidence: { ...job.evidence, ...(await this.sealedFor(job, peerId)) },
      commitDeadline: new Date(job.commitDeadline).toISOString(),
    };
  }

  /**
   * The part of the job's sealed evidence this member can open: only its own wrapped key travels. Gone
   * once the job is final, when no member needs it any more.
   */
  private async sealedFor(job: JobEntity, peerId: string): Promise<{ sealed: SealedFor } | Record<string, never>> {
    const row = await this.sealedEvidence.findOneBy({ jobId: job.id });
    if (!row) {
      if (job.status === 'final' && job.kind === LIVENESS_REVIEW_KIND) {
        throw new DomainError('evidence-deleted', 'The job is final and its sealed evidence was deleted', 410);
      }
      return {};
    }
    const sealed = boxFor(row.box, peerId);
    if (!sealed) throw new ForbiddenError('not-sealed-for-peer', 'The evidence was not sealed for this peer');
    return { sealed };
  }

  /** Public: what anyone needs to recompute a job's committee draw from the ledger (docs/ledger.md). */
  async committee(jobId: string): Promise<CommitteeDto> {
    const job = await this.jobs.findOneBy({ id: jobId });
    if (!job) throw new NotFoundError('job-not-found', 'No such job');
    if (!job.committee)
      return { id: job.id, drawn: false, headSize: null, headRoot: null, candidates: [], members: [], service: null };
    return {
      id: job.id,
      drawn: true,
      headSize: job.drawHeadSize,
      headRoot: job.drawHeadRoot,
      candidates: job.committee.candidates,
      members: job.committee.members,
      service: job.committee.service ?? null,
    };
  }

  async commit(peerId: string, jobId: string, dto: CommitDto): Promise<{ id: string; status: 'committed' }> {
    const { job, assignment } = await this.assigned(peerId, jobId);
    if (assignment.status === 'missed-commit') {
      throw new ConflictError('commit-deadline-passed', 'The commit deadline passed; the job went to another peer');
    }
    if (assignment.status !== 'assigned') throw new ConflictError('already-committed', 'This peer already committed');
    if (job.status !== 'committing') throw new ConflictError('commits-closed', 'Commits for this job are closed');
    const done = await this.assignments.update(
      { jobId, peerId, status: 'assigned' },
      { status: 'committed', commitment: dto.commitment, committedAt: this.clock.nowMs() },
    );
    if (done.affected !== 1) throw new ConflictError('already-committed', 'This peer already committed');
    await this.lifecycle.closeCommitsIfComplete(jobId);
    return { id: jobId, status: 'committed' };
  }

  async reveal(peerId: string, jobId: string, dto: RevealDto): Promise<{ id: string; status: 'revealed' }> {
    const { job, assignment } = await this.assigned(peerId, jobId);
    this.checkRevealable(job, assignment);
    if (!this.crypto.constantTimeEqual(commitmentFor(dto.verdict, dto.salt), assignment.commitment ?? '')) {
      this.logger.warn(`job ${jobId}: reveal of peer ${this.crypto.ed25519KeyId(peerId)} does not match its commit`);
      throw new DomainError('reveal-mismatch', 'The verdict and salt do not hash to the commitment', 400);
    }
    const missing = job.models.filter((sha) => !dto.verdict.models.includes(sha));
    if (missing.length > 0) {
      throw new DomainError('verdict-models-mismatch', `The verdict does not name the job's model ${missing[0]}`, 400);
    }
    const done = await this.assignments.update(
      { jobId, peerId, status: 'committed' },
      { status: 'revealed', verdict: dto.verdict, salt: dto.salt, revealedAt: this.clock.nowMs() },
    );
    if (done.affected !== 1) throw new ConflictError('already-revealed', 'This peer already revealed');
    await this.peers.recordAnswer(peerId);
    await this.lifecycle.finalizeIfComplete(jobId);
    return { id: jobId, status: 'revealed' };
  }

  private checkRevealable(job: JobEntity, assignment: JobAssignmentEntity): void {
    if (job.status === 'committing') {
      throw new ConflictError('commits-open', 'Reveals open once every assigned peer committed or the deadline passed');
    }
    if (assignment.status === 'revealed') throw new ConflictError('already-revealed', 'This peer already revealed');
    if (assignment.status === 'missed-reveal' || (job.status === 'final' && assignment.status === 'committed')) {
      throw new ConflictError('reveal-deadline-passed', 'The reveal deadline passed; the job is final');
    }
    if (assignment.status !== 'committed') throw new ConflictError('not-committed', 'This peer never committed');
  }

  /** The job and this peer's assignment on it, after applying any deadline that has passed. */
  private async assigned(peerId: string, jobId: string) {
    const found = await this.jobs.findOneBy({ id: jobId });
    if (!found) throw new NotFoundError('job-not-found', 'No such job');
    const job = await this.lifecycle.advance(found);
    const assignment = await this.assignments.findOneBy({ jobId, peerId });
    if (!assignment) throw new ForbiddenError('not-assigned', 'This job is not assigned to this peer');
    return { job, assignment };
  }

  private async pending(peerId: string): Promise<PendingJobDto[]> {
    const rows = await this.jobs
      .createQueryBuilder('job')
      .innerJoin(JobAssignmentEntity, 'assignment', 'assignment.jobId = job.id')
      .where('assignment.peerId = :peerId', { peerId })
      .andWhere(
        "((assignment.status = 'assigned' AND job.status = 'committing') OR " +
          "(assignment.status = 'committed' AND job.status = 'revealing'))",
      )
      .orderBy('job.createdAt', 'ASC')
      .limit(PENDING_LIMIT)
      .getMany();
    const now = this.clock.nowMs();
    const offers = rows.filter((job) => job.status === 'committing' && job.commitDeadline > now).map((job) => job.id);
    await this.lifecycle.offered(peerId, offers);
    return rows.map((job) => ({
      id: job.id,
      kind: job.kind,
      phase: job.status === 'committing' ? 'commit' : 'reveal',
      models: job.models,
      commitDeadline: new Date(job.commitDeadline).toISOString(),
      revealDeadline: job.revealDeadline === null ? null : new Date(job.revealDeadline).toISOString(),
    }));
  }
}
