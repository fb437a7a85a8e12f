import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { EntityManager } from 'typeorm';
import { DataSource } from 'typeorm';
import { Clock } from '../adapters/clock.adapter';
import { DomainError } from '../common/domain-error';
import type { Balance, LedgerEntry, LedgerEntryBody } from '../protocol/ledger-entry';
import { LedgerRuleError, applyEntry, emptyBalance, serializeEntry } from '../protocol/ledger-entry';
import type { Hash, NodeReader } from '../protocol/merkle';
import {
  EMPTY_ROOT,
  appendReads,
  consistencyProof,
  inclusionProof,
  leafHash,
  nodesCompletedBy,
  nodesNeeded,
  rootAt,
} from '../protocol/merkle';
import type { SignedTreeHead, TreeHead } from '../protocol/tree-head';
import { treeHeadBytes } from '../protocol/tree-head';
import { LedgerBalanceEntity, LedgerEntryEntity, LedgerHeadEntity, LedgerNodeEntity } from './ledger.entities';

export const LEDGER_SIGNER = Symbol('LEDGER_SIGNER');

/** Signs tree heads with the service key; returns the Ed25519 signature, base64url. */
export interface LedgerSigner {
  sign(bytes: Uint8Array): string;
}

/** Any number: all PeerProof instances sharing a PostgreSQL database take this advisory lock to append. */
const SEQUENCER_LOCK = 0x5065_6572;
const MAX_PAGE = 1000;

const toHex = (hash: Hash) => Buffer.from(hash).toString('hex');
const fromHex = (hex: string): Hash => new Uint8Array(Buffer.from(hex, 'hex'));
const key = (level: number, index: number) => `${level}:${index}`;

/**
 * The append-only, RFC 6962-hashed ledger. One sequencer at a time appends (an in-process queue, plus a
 * database lock across instances); each append stores the new entries, the O(log n) subtree hashes they
 * complete, the derived balances and a signed tree head, in one transaction.
 */
@Injectable()
export class LedgerService {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(LEDGER_SIGNER) private readonly signer: LedgerSigner,
    private readonly clock: Clock,
  ) {}

  /** Appends entries atomically, in order; an entry that breaks a balance rule rejects the whole batch. */
  append(bodies: LedgerEntryBody[]): Promise<{ entries: LedgerEntry[]; head: SignedTreeHead }> {
    const run = this.tail.then(() => this.dataSource.transaction((manager) => this.appendLocked(manager, bodies)));
    this.tail = run.catch(() => undefined);
    return run;
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
    const reader = await this.prefetch(this.dataSource.manager, (r) => inclusionProof(r, index, size), [
      { level: 0, index },
    ]);
    return { leafHash: toHex(reader.node(0, index)), proof: inclusionProof(reader, index, size).map(toHex) };
  }

  async consistency(first: number, second: number): Promise<string[]> {
    await this.checkSize(second);
    if (first < 1 || first > second) throw new DomainError('size-out-of-range', 'need 1 <= first <= second');
    const reader = await this.prefetch(this.dataSource.manager, (r) => consistencyProof(r, first, second));
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

  private async appendLocked(manager: EntityManager, bodies: LedgerEntryBody[]) {
    if (this.dataSource.options.type === 'postgres') {
      await manager.query('SELECT pg_advisory_xact_lock($1)', [SEQUENCER_LOCK]);
    }
    const size = await this.size(manager);
    const time = this.clock.nowMs();
    const entries = bodies.map((body, i) => withoutUndefined({ ...body, seq: size + i, time }));
    const balances = await this.applyAll(manager, entries);
    const leaves = entries.map((entry) => leafHash(new TextEncoder().encode(serializeEntry(entry))));

    const reader = await this.prefetch(manager, () => undefined, appendReads(size, entries.length));
    const created: LedgerNodeEntity[] = [];
    leaves.forEach((leaf, i) => {
      for (const node of nodesCompletedBy(reader, size + i, leaf)) {
        reader.remember(node.level, node.index, node.hash);
        created.push({ level: node.level, idx: node.index, hash: toHex(node.hash) });
      }
    });
    const newSize = size + entries.length;
    await reader.fetchMissing(nodesNeeded((r) => rootAt(r, newSize)));
    const head = this.sign({ size: newSize, root: toHex(rootAt(reader, newSize)), timestamp: time });

    await manager.insert(
      LedgerEntryEntity,
      entries.map((entry, i) => ({
        seq: entry.seq,
        kind: entry.kind,
        peer: entry.peer ?? null,
        body: serializeEntry(entry),
        leafHash: toHex(leaves[i]),
        time,
      })),
    );
    await manager.insert(LedgerNodeEntity, created);
    await manager.save(
      LedgerBalanceEntity,
      [...balances].map(([peer, balance]) => ({ peer, balance, lastSeq: newSize - 1 })),
    );
    await manager.insert(LedgerHeadEntity, head);
    return { entries, head };
  }

  /** Applies the entries to the balances they touch; a broken rule becomes a 409 naming the entry. */
  private async applyAll(manager: EntityManager, entries: LedgerEntry[]): Promise<Map<string, Balance>> {
    const peers = [...new Set(entries.map((entry) => entry.peer).filter((peer): peer is string => Boolean(peer)))];
    const rows =
      peers.length > 0 ? await manager.find(LedgerBalanceEntity, { where: peers.map((peer) => ({ peer })) }) : [];
    const balances = new Map(rows.map((row) => [row.peer, row.balance]));
    for (const entry of entries) {
      try {
        applyEntry(balances, entry);
      } catch (error) {
        if (error instanceof LedgerRuleError) throw new DomainError(error.code, error.message, 409);
        throw error;
      }
    }
    return balances;
  }

  private sign(head: TreeHead): SignedTreeHead {
    return { ...head, signature: this.signer.sign(treeHeadBytes(head)) };
  }

  private async size(manager: EntityManager): Promise<number> {
    const last = await manager.find(LedgerEntryEntity, { select: { seq: true }, order: { seq: 'DESC' }, take: 1 });
    return last.length === 0 ? 0 : last[0].seq + 1;
  }

  private async checkSize(size: number): Promise<void> {
    const current = await this.size(this.dataSource.manager);
    if (size < 1 || size > current) {
      throw new DomainError('size-out-of-range', `size must be between 1 and the log size ${current}`);
    }
  }

  /** Loads the stored nodes a computation will read, found by running it once against a recording reader. */
  private async prefetch(
    manager: EntityManager,
    work: (reader: NodeReader) => unknown,
    extra: Array<{ level: number; index: number }> = [],
  ): Promise<PrefetchedReader> {
    const reader = new PrefetchedReader(manager);
    await reader.fetchMissing([...nodesNeeded(work), ...extra]);
    return reader;
  }
}

/** A NodeReader over nodes loaded in bulk beforehand (and nodes created during an append). */
class PrefetchedReader implements NodeReader {
  private readonly nodes = new Map<string, Hash>();

  constructor(private readonly manager: EntityManager) {}

  async fetchMissing(wanted: Array<{ level: number; index: number }>): Promise<void> {
    const missing = wanted.filter(({ level, index }) => !this.nodes.has(key(level, index)));
    for (let i = 0; i < missing.length; i += 200) {
      const where = missing.slice(i, i + 200).map(({ level, index }) => ({ level, idx: index }));
      for (const row of await this.manager.find(LedgerNodeEntity, { where })) {
        this.nodes.set(key(row.level, row.idx), fromHex(row.hash));
      }
    }
  }

  remember(level: number, index: number, hash: Hash): void {
    this.nodes.set(key(level, index), hash);
  }

  node(level: number, index: number): Hash {
    const hash = this.nodes.get(key(level, index));
    if (!hash) throw new Error(`ledger node ${key(level, index)} is missing from the database`);
    return hash;
  }
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined)) as T;
}
