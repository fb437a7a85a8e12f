import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { EpochMsColumn, JsonTextColumn } from '../database/columns';
import type { VerificationLevel } from '../sites/site.entity';

/**
 * A response token handed to the widget after a passed challenge. Only its SHA-256 is kept, so a
 * database leak does not leak redeemable tokens.
 */
@Entity('tokens')
export class TokenEntity {
  @PrimaryColumn({ name: 'token_hash', type: 'varchar', length: 64 })
  tokenHash!: string;

  @Index()
  @Column({ name: 'site_id', type: 'varchar', length: 36 })
  siteId!: string;

  @Column({ type: 'varchar', length: 253 })
  hostname!: string;

  @Column({ type: 'varchar', length: 16 })
  level!: VerificationLevel;

  @Column({ type: 'float' })
  score!: number;

  @Column({ type: 'varchar', length: 64, nullable: true })
  action!: string | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  cdata!: string | null;

  /** The liveness verdict's score and reason codes, for tokens of liveness challenges; never any image data. */
  @Column({ name: 'liveness_score', type: 'float', nullable: true })
  livenessScore!: number | null;

  @JsonTextColumn({ name: 'liveness_reasons', nullable: true })
  livenessReasons!: string[] | null;

  @Column({ name: 'challenge_id', type: 'varchar', length: 36, nullable: true })
  challengeId!: string | null;

  /** When the challenge was passed; siteverify's challenge_ts. */
  @EpochMsColumn({ name: 'issued_at' })
  issuedAt!: number;

  @Index()
  @EpochMsColumn({ name: 'expires_at' })
  expiresAt!: number;

  @EpochMsColumn({ name: 'redeemed_at', nullable: true })
  redeemedAt!: number | null;

  /** The idempotency key of the redemption that succeeded, so its retries get the same answer. */
  @Column({ name: 'redeemed_idempotency_key', type: 'varchar', length: 128, nullable: true })
  redeemedIdempotencyKey!: string | null;
}
