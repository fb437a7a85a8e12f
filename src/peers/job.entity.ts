import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { EpochMsColumn, JsonTextColumn } from '../database/columns';
import type { ServiceSeat, StakedPeer } from '../protocol/committee';
import type { Verdict } from '../protocol/peer-protocol';

/** committing → revealing → final; a job whose commits all fail goes from committing to final directly. */
export const JOB_STATUSES = ['committing', 'revealing', 'final'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** What a finalized job concluded: the median of the revealed scores and who agreed with it. */
export interface JobResult {
  /** Median revealed score; null when nobody revealed. */
  score: number | null;
  /** Peers whose score lies within the agreement tolerance of the median. */
  agreeing: string[];
  assigned: number;
  committed: number;
  revealed: number;
  /** Jobs with a committee drawn from the ledger: whether its verdict stands, and the share of stake behind it. */
  consensus?: JobConsensus;
}

/** `committee` when a committee with quorum decided; `local` when the service's own verdict stands. */
export interface JobConsensus {
  source: 'committee' | 'local';
  /** Share (0…1) of the committee's stake, the service seat's included, that agrees with the verdict. */
  agreeingStake: number;
}

/**
 * What the service planted in a canary job: kept with the job, never shown to peers (the evidence, pending
 * and committee routes leave it out), and settled against instead of a vote.
 */
export interface CanaryPlan {
  /** The score an honest peer reaches on the common sample. */
  truth: number;
  /** The sampled outputs the service changed. */
  faulted: number[];
}

/** What anyone needs to recompute a committee draw: the peers that were eligible, and who was drawn. */
export interface CommitteeDraw {
  /** Present peers holding the job's models with at least the minimum stake, at the draw head. */
  candidates: string[];
  /** In draw order, with their bonded stake at the draw head. */
  members: StakedPeer[];
  /** The service's own seat when fewer than the committee size were eligible (absent on older jobs). */
  service?: ServiceSeat | null;
}

/**
 * Work for verifier peers: a kind (e.g. `inference-audit`) and its evidence as JSON, so later kinds
 * (liveness) reuse the same machinery. Deadlines are epoch milliseconds.
 */
@Entity('jobs')
export class JobEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ type: 'varchar', length: 32 })
  kind!: string;

  /** What the job is about, e.g. the audited challenge's id. */
  @Index()
  @Column({ type: 'varchar', length: 64, nullable: true })
  subject!: string | null;

  /** sha256 of the model files a peer needs for this job; only peers holding them are assigned. */
  @JsonTextColumn()
  models!: string[];

  @JsonTextColumn()
  evidence!: Record<string, unknown>;

  @Index()
  @Column({ type: 'varchar', length: 16 })
  status!: JobStatus;

  @EpochMsColumn({ name: 'created_at' })
  createdAt!: number;

  @EpochMsColumn({ name: 'commit_deadline' })
  commitDeadline!: number;

  /** Set when commits close. */
  @EpochMsColumn({ name: 'reveal_deadline', nullable: true })
  revealDeadline!: number | null;

  /** Rounds of reassignment so far. */
  @Column({ type: 'integer', default: 0 })
  retries!: number;

  @Column({ name: 'result_score', type: 'float', nullable: true })
  resultScore!: number | null;

  @JsonTextColumn({ nullable: true })
  result!: JobResult | null;

  @EpochMsColumn({ name: 'finalized_at', nullable: true })
  finalizedAt!: number | null;

  /** Size of the signed tree head the committee was drawn from; null for an unstaked (open) committee. */
  @Column({ name: 'draw_head_size', type: 'integer', nullable: true })
  drawHeadSize!: number | null;

  /** Root of that tree head: the draw's seed, with the job id. */
  @Column({ name: 'draw_head_root', type: 'varchar', length: 64, nullable: true })
  drawHeadRoot!: string | null;

  @JsonTextColumn({ nullable: true })
  committee!: CommitteeDraw | null;

  /** Set on canaries only (docs/ledger.md, "Canaries"); null on every real job. */
  @JsonTextColumn({ nullable: true })
  canary!: CanaryPlan | null;
}

/** assigned → committed → revealed; or assigned → missed-commit (replaced), committed → missed-reveal. */
export const ASSIGNMENT_STATUSES = ['assigned', 'committed', 'revealed', 'missed-commit', 'missed-reveal'] as const;
export type AssignmentStatus = (typeof ASSIGNMENT_STATUSES)[number];

@Entity('job_assignments')
@Index('IDX_job_assignments_peer_status', ['peerId', 'status'])
export class JobAssignmentEntity {
  @PrimaryColumn({ name: 'job_id', type: 'varchar', length: 36 })
  jobId!: string;

  @PrimaryColumn({ name: 'peer_id', type: 'varchar', length: 64 })
  peerId!: string;

  @Column({ type: 'varchar', length: 16 })
  status!: AssignmentStatus;

  @EpochMsColumn({ name: 'assigned_at' })
  assignedAt!: number;

  /** When the job first reached this peer (a poll answered with it); its commit window runs from here. */
  @EpochMsColumn({ name: 'offered_at', nullable: true })
  offeredAt!: number | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  commitment!: string | null;

  @EpochMsColumn({ name: 'committed_at', nullable: true })
  committedAt!: number | null;

  @JsonTextColumn({ nullable: true })
  verdict!: Verdict | null;

  @Column({ type: 'varchar', length: 128, nullable: true })
  salt!: string | null;

  @EpochMsColumn({ name: 'revealed_at', nullable: true })
  revealedAt!: number | null;
}
