import { Column, Entity, PrimaryColumn } from 'typeorm';
import { EpochMsColumn, JsonTextColumn } from '../database/columns';

export const VERIFICATION_LEVELS = ['compute', 'liveness'] as const;
export type VerificationLevel = (typeof VERIFICATION_LEVELS)[number];

export const DIFFICULTIES = ['easy', 'normal', 'hard'] as const;
export type Difficulty = (typeof DIFFICULTIES)[number];

@Entity('sites')
export class SiteEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ type: 'varchar', length: 64, unique: true })
  sitekey!: string;

  @Column({ type: 'varchar', length: 200 })
  name!: string;

  /** SHA-256 of the current secret; the secret itself is never stored. */
  @Column({ name: 'secret_hash', type: 'varchar', length: 64, unique: true })
  secretHash!: string;

  /** The secret before the last rotation, accepted until previousSecretExpiresAt. */
  @Column({ name: 'previous_secret_hash', type: 'varchar', length: 64, nullable: true })
  previousSecretHash!: string | null;

  @EpochMsColumn({ name: 'previous_secret_expires_at', nullable: true })
  previousSecretExpiresAt!: number | null;

  @JsonTextColumn()
  hostnames!: string[];

  @Column({ type: 'varchar', length: 16 })
  level!: VerificationLevel;

  /** siteverify reports success only for tokens scoring at least this. */
  @Column({ name: 'score_threshold', type: 'float' })
  scoreThreshold!: number;

  @Column({ type: 'varchar', length: 16 })
  difficulty!: Difficulty;

  /** The liveness score this site's visitors need; null = the service's LIVENESS_THRESHOLD. */
  @Column({ name: 'liveness_threshold', type: 'float', nullable: true })
  livenessThreshold!: number | null;

  /** Whether visitors without a usable camera may pass a `compute` challenge instead (their token says so). */
  @Column({ name: 'liveness_fallback', type: 'boolean', default: false })
  livenessFallback!: boolean;

  /**
   * Levels whose passes a committee of peers reviews (docs/ledger.md, "Liveness reviews"): `liveness`
   * sends every analysed attempt to a liveness review, `compute` every solution to an inference audit
   * (instead of PEER_AUDIT_RATE's sample). siteverify can then wait for the committee.
   */
  @JsonTextColumn({ name: 'review_levels' })
  reviewLevels!: VerificationLevel[];

  @EpochMsColumn({ name: 'created_at' })
  createdAt!: number;

  @EpochMsColumn({ name: 'updated_at' })
  updatedAt!: number;
}
