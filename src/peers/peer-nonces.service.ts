import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { LessThan, Repository } from 'typeorm';
import { Clock } from '../adapters/clock.adapter';
import { queryRows } from '../database/raw-sql';
import { PeerNonceEntity } from './peer-nonce.entity';

/** Remembers every nonce a peer used while its timestamp is still acceptable; the database decides races. */
@Injectable()
export class PeerNoncesService {
  constructor(
    @InjectRepository(PeerNonceEntity) private readonly nonces: Repository<PeerNonceEntity>,
    private readonly clock: Clock,
  ) {}

  /**
   * True when this nonce is new for this peer, false for a replay. One INSERT … ON CONFLICT DO NOTHING on
   * the (peer, nonce) primary key, so two instances receiving the same request cannot both accept it.
   */
  async claim(peerId: string, nonce: string, expiresAt: number): Promise<boolean> {
    const rows = await queryRows(
      this.nonces,
      'INSERT INTO peer_nonces (peer_id, nonce, expires_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING RETURNING nonce',
      [peerId, nonce, expiresAt],
    );
    return rows.length === 1;
  }

  async purgeExpired(): Promise<number> {
    const removed = await this.nonces.delete({ expiresAt: LessThan(this.clock.nowMs()) });
    return removed.affected ?? 0;
  }
}
