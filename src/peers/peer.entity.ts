import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { EpochMsColumn, JsonTextColumn } from '../database/columns';

/** A registered verifier peer. Its id is its Ed25519 public key (src/protocol/peer-protocol.ts). */
@Entity('peers')
export class PeerEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  id!: string;

  /** Raw 32-byte Ed25519 key, base64url: what every request of this peer is verified with. */
  @Column({ name: 'public_key', type: 'varchar', length: 64 })
  publicKey!: string;

  @EpochMsColumn({ name: 'registered_at' })
  registeredAt!: number;

  /** Time of the peer's last authenticated request; committees are drawn from recently seen peers. */
  @Index()
  @EpochMsColumn({ name: 'last_seen_at' })
  lastSeenAt!: number;

  /** sha256 of the model files the peer reported holding (verified) at its last heartbeat. */
  @JsonTextColumn()
  models!: string[];

  @Column({ name: 'jobs_answered', type: 'integer', default: 0 })
  jobsAnswered!: number;
}
