import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Clock } from '../adapters/clock.adapter';
import { DomainError } from '../common/domain-error';
import type { Balance, LedgerEntry, LedgerEntryBody } from '../protocol/ledger-entry';
import { emptyBalance } from '../protocol/ledger-entry';
import type { NodeReader } from '../protocol/merkle';
import { EMPTY_ROOT, consistencyProof, inclusionProof, nodesNeeded } from '../protocol/merkle';
import type { SignedTreeHead, TreeHead } from '../protocol/tree-head';
import { treeHeadBytes } from '../protocol/tree-head';
import { LedgerBalanceEntity, LedgerEntryEntity, LedgerHeadEntity } from './ledger.entities';
import type { AppendResult } from './ledger-sequencer';
import { LedgerSequencer } from './ledger-sequencer';
import { NodeCache, anyStakeOf, loadBalances, logSize, peersWithStake, toHex } from './ledger-store';

export const LEDGER_SIGNER = Symbol('LEDGER_SIGNER');

/** Signs tree heads with the service key; returns the Ed25519 signature, base64url. */
export interface LedgerSigner {
  sign(bytes: Uint8Array): string;
}

const MAX_PAGE = 1000;
const SNAPSHOT_ATTEMPTS = 5;

export interface LedgerStats {
  size: number;
  peers: number;
  stakedPeers: number;
  totalStaked: number;
  totalUnbonding: number;
  totalRewarded: number;
  totalSlashed: number;
  /** Entries by kind. */
  entries: Record<string, number>;
}

/**
 * The append-only, RFC 6962-hashed ledger: appends go through the one sequencer; reads (entries, proofs,
 * balances) are plain queries that anyone may repeat and check against a signed tree head.
 */
@Injectable()
export class LedgerService {
  private readonly sequencer: LedgerSequencer;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(LEDGER_SIGNER) private readonly signer: LedgerSigner,
    private readonly clock: Clock,
  ) {
    this.sequencer = new LedgerSequencer(
      dataSource,
      (head) => this.sign(head),
      () => clock.nowMs(),
    );
  }

  /**
   * Appends entries atomically, in order; an entry that breaks a balance rule rejects its whole request.
   * With `once`, a key no other append used: a second append with it appends nothing (`duplicate`).
   */
  append(bodies: LedgerEntryBody[], once?: string): Promise<AppendResult> {
    return this.sequencer.append(bodies, once);
  }

  /**
   * The latest signed head and the given peers' balances exactly as of that head, so that a committee drawn
   * from them can be recomputed from the log's first `head.size` entries. A balance row touched by an
   * append after the head was read means both are read again.
   */
  async snapshot(peers: string[]): Promise<{ head: SignedTreeHead; balances: Map<string, Balance> }> {
    for (let attempt = 0; attempt < SNAPSHOT_ATTEMPTS; attempt++) {
      const head = await this.head();
      const rows = await loadBalances(this.dataSource.manager, peers);
      if ([...rows.values()].every((row) => row.lastSeq < head.size)) {
        return { head, balances: new Map([...rows].map(([peer, row]) => [peer, row.balance])) };
      }
    }
    throw new DomainError('ledger-busy', 'The ledger changed during every attempt to read a consistent snapshot', 503);
  }

  /** Peers with at least `amount` bonded (reads balance rows, never the registered peers). */
  peersWithStake(amount: number): Promise<string[]> {
    return peersWithStake(this.dataSource.manager, amount);
  }

  /** Whether any peer has at least `amount` bonded: until one has, committees stay open to unstaked peers. */
  anyStakeOf(amount: number): Promise<boolean> {
    return anyStakeOf(this.dataSource.manager, amount);
  }

  async head(): Promise<SignedTreeHead> {
    const head = await this.dataSource.getRepository(LedgerHeadEntity).find({ order: { size: 'DESC' }, take: 1 });
    if (head.length > 0) return head[0];
    return this.sign({ size: 0, root: toHex(EMPTY_ROOT), timestamp: this.clock.nowMs() });
  }

  async entries(start: number, end: number): Promise<LedgerEntry[]> {
    const rows = await this.dataSource
      .getRepository(LedgerEntryEntity)
      .createQueryBuilder('entry')
      .where('entry.seq >= :start AND entry.seq < :end', { start, end: Math.min(end, start + MAX_PAGE) })
      .orderBy('entry.seq', 'ASC')
      .getMany();
    return rows.map((row) => JSON.parse(row.body) as LedgerEntry);
  }

  async inclusion(index: number, size: number): Promise<{ leafHash: string; proof: string[] }> {
    await this.checkSize(size);
    if (index >= size) throw new DomainError('index-out-of-range', `index ${index} is not below size ${size}`);
    const reader = await this.prefetch((r) => {
      r.node(0, index);
      inclusionProof(r, index, size);
    });
    return { leafHash: toHex(reader.node(0, index)), proof: inclusionProof(reader, index, size).map(toHex) };
  }

  async consistency(first: number, second: number): Promise<string[]> {
    await this.checkSize(second);
    if (first < 1 || first > second) throw new DomainError('size-out-of-range', 'need 1 <= first <= second');
    const reader = await this.prefetch((r) => consistencyProof(r, first, second));
    return consistencyProof(reader, first, second).map(toHex);
  }

  async balance(peer: string): Promise<Balance> {
    const row = await this.dataSource.getRepository(LedgerBalanceEntity).findOneBy({ peer });
    return row?.balance ?? emptyBalance();
  }

  async allBalances(): Promise<Map<string, Balance>> {
    const rows = await this.dataSource.getRepository(LedgerBalanceEntity).find();
    return new Map(rows.map((row) => [row.peer, row.balance]));
  }

  /** Totals for dashboards, derived from the balances and the entry counts. */
  async stats(): Promise<LedgerStats> {
    const counts = (await this.dataSource.query(
      'SELECT kind, COUNT(*) AS n FROM ledger_entries GROUP BY kind',
    )) as Array<{
      kind: string;
      n: string | number;
    }>;
    const entries = Object.fromEntries(counts.map((row) => [row.kind, Number(row.n)]));
    const balances = [...(await this.allBalances()).values()];
    const sum = (pick: (balance: Balance) => number) => balances.reduce((total, balance) => total + pick(balance), 0);
    return {
      size: Object.values(entries).reduce((total, n) => total + n, 0),
      peers: balances.length,
      stakedPeers: balances.filter((balance) => balance.staked > 0).length,
      totalStaked: sum((balance) => balance.staked),
      totalUnbonding: sum((balance) => balance.unbonding.reduce((total, lot) => total + lot.amount, 0)),
      totalRewarded: sum((balance) => balance.rewarded),
      totalSlashed: sum((balance) => balance.slashed),
      entries,
    };
  }

  private sign(head: TreeHead): SignedTreeHead {
    return { ...head, signature: this.signer.sign(treeHeadBytes(head)) };
  }

  private async checkSize(size: number): Promise<void> {
    const current = await logSize(this.dataSource.manager);
    if (size < 1 || size > current) {
      throw new DomainError('size-out-of-range', `size must be between 1 and the log size ${current}`);
    }
  }

  /** Loads the stored nodes a computation reads, found by running it once against a recording reader. */
  private prefetch(work: (reader: NodeReader) => unknown): Promise<NodeCache> {
    return new NodeCache().load(this.dataSource.manager, nodesNeeded(work));
  }
}
