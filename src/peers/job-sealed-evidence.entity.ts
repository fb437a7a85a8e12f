import { Entity, PrimaryColumn } from 'typeorm';
import { EpochMsColumn, JsonTextColumn } from '../database/columns';
import type { SealedBox } from '../protocol/sealed-box';

/**
 * A job's evidence sealed for its committee (src/protocol/sealed-box.ts): only ciphertext, and deleted when
 * the job is final. Each member is handed its own wrapped key with the job's evidence.
 */
@Entity('job_sealed_evidence')
export class JobSealedEvidenceEntity {
  @PrimaryColumn({ name: 'job_id', type: 'varchar', length: 36 })
  jobId!: string;

  @JsonTextColumn()
  box!: SealedBox;

  @EpochMsColumn({ name: 'created_at' })
  createdAt!: number;
}
