import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { EpochMsColumn, JsonTextColumn } from '../database/columns';
import type { Balance, LedgerKind } from '../protocol/ledger-entry';

/** One log entry; `body` holds the exact canonical bytes its Merkle leaf hashes. */
@Entity('ledger_entries')
export class LedgerEntryEntity {
  @PrimaryColumn({ type: 'integer' })
  seq!: number;

  @Column({ type: 'varchar', length: 16 })
  kind!: LedgerKind;

  @Index()
  @Column({ type: 'varchar', length: 128, nullable: true })
  peer!: string | null;

  @Column({ type: 'text' })
  body!: string;

  @Column({ name: 'leaf_hash', type: 'varchar', length: 64 })
  leafHash!: string;

  @EpochMsColumn()
  time!: number;
}

/** The hash of a perfect subtree: level L, index i covers leaves i·2^L … (i+1)·2^L − 1. */
@Entity('ledger_nodes')
export class LedgerNodeEntity {
  @PrimaryColumn({ type: 'integer' })
  level!: number;

  @PrimaryColumn({ type: 'integer' })
  idx!: number;

  @Column({ type: 'varchar', length: 64 })
  hash!: string;
}

/** A signed tree head, one per append. */
@Entity('ledger_heads')
export class LedgerHeadEntity {
  @PrimaryColumn({ type: 'integer' })
  size!: number;

  @Column({ type: 'varchar', length: 64 })
  root!: string;

  @EpochMsColumn()
  timestamp!: number;

  @Column({ type: 'text' })
  signature!: string;
}

/** Balances as of the latest entry: a cache the sequencer derives from the log, checked by auditors. */
@Entity('ledger_balances')
export class LedgerBalanceEntity {
  @PrimaryColumn({ type: 'varchar', length: 128 })
  peer!: string;

  @JsonTextColumn()
  balance!: Balance;

  @Column({ name: 'last_seq', type: 'integer' })
  lastSeq!: number;
}

/**
 * A witness's co-signature of a signed head (src/protocol/witness.ts): a peer that checked the head for
 * consistency with the last one it co-signed. Auditors fetch the latest witnessed head with these.
 */
@Entity('ledger_cosignatures')
export class LedgerCosignatureEntity {
  @PrimaryColumn({ type: 'integer' })
  size!: number;

  @PrimaryColumn({ type: 'varchar', length: 128 })
  witness!: string;

  /** The head as co-signed, kept here so what witnesses signed is served even if the heads were rewritten. */
  @Column({ type: 'varchar', length: 64 })
  root!: string;

  @EpochMsColumn()
  timestamp!: number;

  @Column({ type: 'text' })
  signature!: string;

  @Index()
  @EpochMsColumn({ name: 'received_at' })
  receivedAt!: number;
}
