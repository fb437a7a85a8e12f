import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, MoreThanOrEqual, Repository } from 'typeorm';
import type { FindOptionsWhere } from 'typeorm';
import { Clock } from '../adapters/clock.adapter';
import { CryptoAdapter } from '../adapters/crypto.adapter';
import { ForbiddenError } from '../common/domain-error';
import { deleteInBatches } from '../database/raw-sql';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { LedgerService } from '../ledger/ledger.service';
import { PeerEntity } from './peer.entity';
import type { PeerDto } from './peers.dto';

const LIST_LIMIT = 1000;

/** Registered peers: identity, presence, the models they hold. */
@Injectable()
export class PeersService {
  constructor(
    @InjectRepository(PeerEntity) private readonly peers: Repository<PeerEntity>,
    private readonly crypto: CryptoAdapter,
    private readonly clock: Clock,
    private readonly ledger: LedgerService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  find(id: string): Promise<PeerEntity | null> {
    return this.peers.findOneBy({ id });
  }

  /** Registers the key that signed the request; registering again is harmless and changes nothing but presence. */
  async register(id: string, publicKey: string, models?: string[]): Promise<{ peer: PeerDto; created: boolean }> {
    const now = this.clock.nowMs();
    const existing = await this.find(id);
    if (existing) {
      await this.peers.update({ id }, { lastSeenAt: now, ...(models ? { models: unique(models) } : {}) });
      return { peer: toDto((await this.find(id))!), created: false };
    }
    const peer: PeerEntity = {
      id,
      publicKey,
      registeredAt: now,
      lastSeenAt: now,
      models: unique(models ?? []),
      jobsAnswered: 0,
    };
    // Two registrations racing for one key: the loser's insert fails on the primary key and it reads the winner.
    await this.peers.insert(peer).catch(async (error: unknown) => {
      if (!(await this.find(id))) throw error;
    });
    return { peer: toDto((await this.find(id))!), created: true };
  }

  async heartbeat(id: string, models: string[]): Promise<PeerDto> {
    await this.peers.update({ id }, { models: unique(models), lastSeenAt: this.clock.nowMs() });
    return toDto((await this.find(id))!);
  }

  /** Every authenticated request counts as a sign of life. */
  async touch(id: string): Promise<void> {
    await this.peers.update({ id }, { lastSeenAt: this.clock.nowMs() });
  }

  async list(): Promise<PeerDto[]> {
    const peers = await this.peers.find({ order: { lastSeenAt: 'DESC', id: 'ASC' }, take: LIST_LIMIT });
    return peers.map(toDto);
  }

  /**
   * Up to `limit` peers, in random order, seen within PEER_ACTIVE_SECONDS, holding every model in `models`
   * and not in `exclude`: a job's committee while no peer has stake (docs/ledger.md, "Committees").
   */
  async pickActive(models: readonly string[], exclude: ReadonlySet<string>, limit: number): Promise<string[]> {
    if (limit <= 0) return [];
    return this.shuffle(await this.present(models, exclude)).slice(0, limit);
  }

  /**
   * Every admitted peer seen within PEER_ACTIVE_SECONDS that holds every model in `models` and is not in
   * `exclude`. With PEER_ADMISSION=stake (the default) only peers with LEDGER_MIN_STAKE bonded or listed in
   * PEER_GRANTED are admitted, and they are found from the ledger's balance rows and the list: the work per
   * job grows with the admitted peers, whose number stake bounds, never with the registered ones.
   */
  async present(models: readonly string[], exclude: ReadonlySet<string> = new Set()): Promise<string[]> {
    const since = this.clock.nowMs() - this.config.peers.activeSeconds * 1000;
    let admitted: FindOptionsWhere<PeerEntity> = {};
    if (this.config.peers.admission === 'stake') {
      const staked = await this.ledger.peersWithStake(this.config.ledger.minStake);
      const ids = [...new Set([...staked, ...this.config.peers.granted])];
      if (ids.length === 0) return [];
      admitted = { id: In(ids) };
    }
    const recent = await this.peers.find({
      where: { ...admitted, lastSeenAt: MoreThanOrEqual(since) },
      select: { id: true, models: true },
    });
    return recent
      .filter((peer) => !exclude.has(peer.id) && models.every((sha) => peer.models.includes(sha)))
      .map((peer) => peer.id);
  }

  /** 403 `peer-not-admitted` unless PEER_ADMISSION admits the peer: stake, a grant, or an open network. */
  async requireAdmitted(id: string): Promise<void> {
    const { admission, granted } = this.config.peers;
    if (admission === 'open' || granted.includes(id)) return;
    if ((await this.ledger.balance(id)).staked >= this.config.ledger.minStake) return;
    throw new ForbiddenError(
      'peer-not-admitted',
      `Only admitted peers witness heads: bond LEDGER_MIN_STAKE (${this.config.ledger.minStake}) or ask for a grant`,
    );
  }

  /**
   * Deletes peers last seen before `before` that have no job left (jobs go after their own retention), so
   * no job loses its record of who was assigned. A deleted peer that comes back simply registers again;
   * its ledger balance is keyed by its id and stays.
   */
  purgeIdle(before: number): Promise<number> {
    const condition = 'last_seen_at < ? AND NOT EXISTS (SELECT 1 FROM job_assignments a WHERE a.peer_id = peers.id)';
    return deleteInBatches(this.peers, 'peers', 'id', condition, [before]);
  }

  async recordAnswer(id: string): Promise<void> {
    await this.peers.increment({ id }, 'jobsAnswered', 1);
  }

  private shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.crypto.randomInt(0, i + 1);
      [items[i], items[j]] = [items[j], items[i]];
    }
    return items;
  }
}

function unique(models: string[]): string[] {
  return [...new Set(models)].sort();
}

export function toDto(peer: PeerEntity): PeerDto {
  return {
    id: peer.id,
    publicKey: peer.publicKey,
    models: peer.models,
    registeredAt: new Date(peer.registeredAt).toISOString(),
    lastSeenAt: new Date(peer.lastSeenAt).toISOString(),
    jobsAnswered: peer.jobsAnswered,
  };
}
