import { Entity, Index, PrimaryColumn } from 'typeorm';
import { EpochMsColumn } from '../database/columns';

/**
 * A nonce a peer has used. In the database, not in memory, so that every instance sharing a PostgreSQL
 * database rejects a request replayed to another instance. Kept until its request's timestamp leaves the
 * accepted window, after which the timestamp check alone rejects a replay.
 */
@Entity('peer_nonces')
export class PeerNonceEntity {
  @PrimaryColumn({ name: 'peer_id', type: 'varchar', length: 64 })
  peerId!: string;

  @PrimaryColumn({ type: 'varchar', length: 128 })
  nonce!: string;

  @Index()
  @EpochMsColumn({ name: 'expires_at' })
  expiresAt!: number;
}
