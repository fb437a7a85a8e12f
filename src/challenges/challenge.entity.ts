import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { EpochMsColumn } from '../database/columns';
import type { VerificationLevel } from '../sites/site.entity';

/** issued → verifying → solved | failed, or issued → expired. One solution attempt per challenge. */
export const CHALLENGE_STATUSES = ['issued', 'verifying', 'solved', 'failed', 'expired'] as const;
export type ChallengeStatus = (typeof CHALLENGE_STATUSES)[number];

@Entity('challenges')
export class ChallengeEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Index()
  @Column({ name: 'site_id', type: 'varchar', length: 36 })
  siteId!: string;

  /** The hostname of the page that asked for the challenge (from Origin), checked again at solution time. */
  @Column({ type: 'varchar', length: 253 })
  hostname!: string;

  @Column({ type: 'varchar', length: 16 })
  status!: ChallengeStatus;

  @Column({ type: 'varchar', length: 16 })
  level!: VerificationLevel;

  @Column({ name: 'model_id', type: 'varchar', length: 64 })
  modelId!: string;

  @Column({ name: 'model_sha256', type: 'varchar', length: 64 })
  modelSha256!: string;

  @Column({ type: 'varchar', length: 32 })
  seed!: string;

  @Column({ name: 'input_count', type: 'integer' })
  inputCount!: number;

  @Column({ type: 'float' })
  tolerance!: number;

  /** Score the visitor earns on success, fixed at issuance from the risk signals of that moment. */
  @Column({ type: 'float' })
  score!: number;

  @Column({ type: 'varchar', length: 64, nullable: true })
  action!: string | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  cdata!: string | null;

  @EpochMsColumn({ name: 'issued_at' })
  issuedAt!: number;

  @Index()
  @EpochMsColumn({ name: 'expires_at' })
  expiresAt!: number;

  @EpochMsColumn({ name: 'attempted_at', nullable: true })
  attemptedAt!: number | null;

  @Column({ name: 'failure_reason', type: 'varchar', length: 64, nullable: true })
  failureReason!: string | null;
}
