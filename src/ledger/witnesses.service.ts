import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Clock } from '../adapters/clock.adapter';
import { CryptoAdapter } from '../adapters/crypto.adapter';
import { DomainError, NotFoundError } from '../common/domain-error';
import type { TreeHead } from '../protocol/tree-head';
import type { Cosignature } from '../protocol/witness';
import { witnessBytes } from '../protocol/witness';
import { LedgerCosignatureEntity, LedgerHeadEntity } from './ledger.entities';
import { queryRows } from '../database/raw-sql';
import { run } from './ledger-store';

export interface CosignatureSubmission extends TreeHead {
  /** Ed25519 by the witness's peer key over witnessBytes(head), base64url. */
  signature: string;
}

/** The latest head that witnesses co-signed, exactly as they signed it, with their co-signatures. */
export interface WitnessedHeadDto extends TreeHead {
  cosignatures: Cosignature[];
}

/**
 * Co-signatures of signed tree heads by witness peers (docs/ledger.md, "Witnessed heads"). The service only
 * stores and serves them: auditors check every co-signature themselves against the witness keys they trust.
 */
@Injectable()
export class WitnessesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly crypto: CryptoAdapter,
    private readonly clock: Clock,
  ) {}

  /**
   * Stores `witness`'s co-signature of a head the service signed (size, root and timestamp exactly as
   * signed), once it verifies with the witness's key. Sending the same co-signature again changes nothing.
   */
  async record(witness: string, submission: CosignatureSubmission): Promise<{ size: number; witnesses: number }> {
    const { signature, ...head } = submission;
    const signed = await this.dataSource.getRepository(LedgerHeadEntity).findOneBy({ size: head.size });
    if (!signed || signed.root !== head.root || Number(signed.timestamp) !== head.timestamp) {
      throw new NotFoundError(
        'unknown-head',
        `The service signed no head of size ${head.size} with this root and time`,
      );
    }
    // The peer id is its public key (peer-protocol.ts), so the witness key is the authenticated peer's own.
    if (!this.crypto.verifyEd25519(witness, witnessBytes(head), signature)) {
      throw new DomainError('bad-cosignature', "The co-signature does not verify with the peer's key", 422);
    }
    await run(
      this.dataSource.manager,
      'INSERT INTO ledger_cosignatures (size, witness, root, timestamp, signature, received_at) ' +
        'VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (size, witness) DO NOTHING',
      [head.size, witness, head.root, head.timestamp, signature, this.clock.nowMs()],
    );
    const witnesses = await this.dataSource.getRepository(LedgerCosignatureEntity).countBy({ size: head.size });
    return { size: head.size, witnesses };
  }

  /**
   * The largest head with co-signatures, as the witnesses signed it (from their rows, not the heads table),
   * and them; 404 `no-witnessed-head` before the first.
   */
  async latest(): Promise<WitnessedHeadDto> {
    const repository = this.dataSource.getRepository(LedgerCosignatureEntity);
    const newest = await repository.find({ order: { size: 'DESC' }, take: 1 });
    if (newest.length === 0) throw new NotFoundError('no-witnessed-head', 'No witness has co-signed a head yet');
    const { size, root, timestamp } = newest[0];
    const rows = await repository.find({ where: { size, root, timestamp }, order: { witness: 'ASC' } });
    return {
      size,
      root,
      timestamp,
      cosignatures: rows.map((row) => ({ witness: row.witness, signature: row.signature })),
    };
  }

  /**
   * Deletes co-signatures received before `before`, except those of the latest witnessed head: an auditor
   * needs one witnessed head, and the newest binds the most history (README, "Retention").
   */
  async purgeOld(before: number): Promise<number> {
    const rows = await queryRows(
      this.dataSource.getRepository(LedgerCosignatureEntity),
      'DELETE FROM ledger_cosignatures WHERE received_at < ? ' +
        'AND size < (SELECT MAX(size) FROM ledger_cosignatures) RETURNING size',
      [before],
    );
    return rows.length;
  }
}
