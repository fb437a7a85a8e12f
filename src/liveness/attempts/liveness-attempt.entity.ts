import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { EpochMsColumn, JsonTextColumn } from '../../database/columns';
import type { AttemptState } from './attempt-state';

/**
 * running → analysing (one step's frames being checked) → running … → passed | failed. The analysing state
 * is claimed with one conditional UPDATE, so two posts of the same step cannot both be analysed.
 */
export const ATTEMPT_STATUSES = ['running', 'analysing', 'passed', 'failed'] as const;
export type AttemptStatus = (typeof ATTEMPT_STATUSES)[number];

/**
 * One liveness v2 attempt of a challenge (docs/liveness.md). No frame is ever stored: `state` holds derived
 * numbers only (the rest step's measures and identity descriptor, per-check results), and is cleared of the
 * descriptor when the attempt ends.
 */
@Entity('liveness_attempts')
@Index('IDX_liveness_attempts_challenge_number', ['challengeId', 'number'], { unique: true })
export class LivenessAttemptEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'challenge_id', type: 'varchar', length: 36 })
  challengeId!: string;

  /** 0-based number of the attempt within its challenge. */
  @Column({ type: 'integer' })
  number!: number;

  /** The attempt seed (32 hex): the plan and step keys derive from it. Server-only; never logged or sent. */
  @Column({ type: 'varchar', length: 32 })
  seed!: string;

  @Column({ type: 'varchar', length: 16 })
  status!: AttemptStatus;

  /** The step whose frames are expected next (the one last revealed). */
  @Column({ name: 'next_step', type: 'integer' })
  nextStep!: number;

  /** Server time at which `nextStep` was revealed. */
  @EpochMsColumn({ name: 'revealed_at' })
  revealedAt!: number;

  /** The index of the last frame received (frames are numbered across the whole attempt), -1 before any. */
  @Column({ name: 'last_frame', type: 'integer' })
  lastFrame!: number;

  /** JPEG bytes received so far, against FRAME_LIMITS.maxAttemptBytes. */
  @Column({ name: 'jpeg_bytes', type: 'integer' })
  jpegBytes!: number;

  @JsonTextColumn()
  state!: AttemptState;

  /** The verdict's score once the attempt has ended. */
  @Column({ type: 'float', nullable: true })
  score!: number | null;

  @JsonTextColumn({ nullable: true })
  reasons!: string[] | null;

  @EpochMsColumn({ name: 'created_at' })
  createdAt!: number;

  @EpochMsColumn({ name: 'finished_at', nullable: true })
  finishedAt!: number | null;
}
