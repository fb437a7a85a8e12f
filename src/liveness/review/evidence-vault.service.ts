import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Clock } from '../../adapters/clock.adapter';
import { CryptoAdapter } from '../../adapters/crypto.adapter';
import { deleteInBatches } from '../../database/raw-sql';
import { ServiceKeyService } from '../../keys/service-key.service';
import type { ReviewFrame } from '../../protocol/liveness-review';
import type { CheckedFrame } from '../attempts/frame-structure';
import { LivenessEvidenceEntity } from './liveness-evidence.entity';

export interface KeptStep {
  index: number;
  frames: ReviewFrame[];
}

/**
 * Keeps an attempt's analysed frames, step by step, until the attempt ends and its review is sealed for a
 * committee (docs/ledger.md, "Liveness reviews"). Rows hold AES-256-GCM ciphertext under a key derived
 * from the service key, so every instance can read what another kept and the database alone cannot.
 */
@Injectable()
export class EvidenceVaultService {
  private key: Buffer | undefined;

  constructor(
    @InjectRepository(LivenessEvidenceEntity) private readonly rows: Repository<LivenessEvidenceEntity>,
    private readonly serviceKey: ServiceKeyService,
    private readonly crypto: CryptoAdapter,
    private readonly clock: Clock,
  ) {}

  async keep(attemptId: string, step: number, frames: readonly CheckedFrame[]): Promise<void> {
    const plain = frames.map((frame) => ({
      i: frame.i,
      t: frame.t,
      width: frame.width,
      height: frame.height,
      jpeg: Buffer.from(frame.jpeg).toString('base64'),
    }));
    const sealed = this.crypto.encrypt(this.vaultKey(), Buffer.from(JSON.stringify(plain)), aad(attemptId, step));
    await this.rows.insert({ attemptId, step, sealed: sealed.toString('base64url'), createdAt: this.clock.nowMs() });
  }

  /** Every step kept for the attempt, in order, and the rows deleted. */
  async take(attemptId: string): Promise<KeptStep[]> {
    const rows = await this.rows.find({ where: { attemptId }, order: { step: 'ASC' } });
    await this.discard(attemptId);
    return rows.map((row) => ({
      index: row.step,
      frames: JSON.parse(
        this.crypto.decrypt(this.vaultKey(), Buffer.from(row.sealed, 'base64url'), aad(attemptId, row.step)).toString(),
      ) as ReviewFrame[],
    }));
  }

  async discard(attemptId: string): Promise<void> {
    await this.rows.delete({ attemptId });
  }

  /** Frames of attempts abandoned mid-way (the visitor left; an instance stopped between steps). */
  purgeBefore(before: number): Promise<number> {
    return deleteInBatches(this.rows, 'liveness_evidence', 'attempt_id', 'created_at < ?', [before]);
  }

  private vaultKey(): Buffer {
    this.key ??= this.serviceKey.derivedKey('liveness evidence at rest v1');
    return this.key;
  }
}

function aad(attemptId: string, step: number): string {
  return `liveness-evidence:${attemptId}:${step}`;
}
