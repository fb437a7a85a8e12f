import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { EpochMsColumn } from '../../database/columns';

/**
 * One analysed step's frames of an attempt on a site whose liveness passes are reviewed by peers, kept
 * until the attempt ends: AES-256-GCM under a key derived from the service key (never stored here), bound
 * to the attempt and step. Deleted when the attempt's review is created, or when it cannot be.
 */
@Entity('liveness_evidence')
export class LivenessEvidenceEntity {
  @PrimaryColumn({ name: 'attempt_id', type: 'varchar', length: 36 })
  attemptId!: string;

  @PrimaryColumn({ type: 'integer' })
  step!: number;

  /** iv ‖ ciphertext ‖ tag, base64url. */
  @Column({ type: 'text' })
  sealed!: string;

  @Index('IDX_liveness_evidence_created_at')
  @EpochMsColumn({ name: 'created_at' })
  createdAt!: number;
}
