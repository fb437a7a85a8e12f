import type { DataSource, EntityManager } from 'typeorm';
import { DomainError } from '../common/domain-error';
import type { Balance, LedgerEntry, LedgerEntryBody } from '../protocol/ledger-entry';
import { LedgerRuleError, applyEntry, serializeEntry } from '../protocol/ledger-entry';
import { appendReads, leafHash, nodesCompletedBy, nodesNeeded, rootAt } from '../protocol/merkle';
import type { SignedTreeHead, TreeHead } from '../protocol/tree-head';
import { NodeCache, insertRows, loadBalances, logSize, run, saveBalances, toHex } from './ledger-store';

export interface AppendResult {
  entries: LedgerEntry[];
  head: SignedTreeHead;
  /** True when an append with the same `once` key was already in the log: nothing was appended. */
  duplicate?: boolean;
}

interface Request {
  bodies: LedgerEntryBody[];
  once?: string;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; entries: LedgerEntry[]; duplicate?: boolean } | { ok: false; error: unknown };

/** Any number: all PeerProof instances sharing a PostgreSQL database take this advisory lock to append. */
const SEQUENCER_LOCK = 0x5065_6572;
const MAX_REQUESTS_PER_COMMIT = 512;

/**
 * The single writer of the ledger, with group commit: appends that arrive while a transaction runs go
 * into the next one together. Each request stays atomic (one that breaks a balance rule is refused alone),
 * but the batch shares one transaction, one signed head and one write per table. The right edge of the
 * Merkle tree is kept in memory between commits and trusted only if the log still has the size it had.
 */
export class LedgerSequencer {
  private queue: Request[] = [];
  private running = false;
  private frontier: { size: number; nodes: NodeCache } | null = null;

  constructor(
    private readonly dataSource: DataSource,
    private readonly sign: (head: TreeHead) => SignedTreeHead,
    private readonly now: () => number,
  ) {}

  /**
   * With `once`, the entries are appended only if no append with that key ever was: the receipt is written
   * in the same transaction as the entries, so a retry after a crash cannot append them twice.
   */
  append(bodies: LedgerEntryBody[], once?: string): Promise<AppendResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ bodies, once, resolve, reject });
      void this.drain();
    });
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_REQUESTS_PER_COMMIT);
      try {
        const { outcomes, head } = await this.dataSource.transaction((manager) => this.commit(manager, batch));
        batch.forEach((request, i) => {
          const outcome = outcomes[i];
          if (outcome.ok) request.resolve({ entries: outcome.entries, head, duplicate: outcome.duplicate });
          else request.reject(outcome.error);
        });
      } catch (error) {
        this.frontier = null;
        for (const request of batch) request.reject(error);
      }
    }
    this.running = false;
  }

  private async commit(manager: EntityManager, batch: Request[]) {
    if (this.dataSource.options.type === 'postgres')
      await run(manager, 'SELECT pg_advisory_xact_lock(?)', [SEQUENCER_LOCK]);
    const size = await logSize(manager);
    const time = this.now();
    const peers = [...new Set(batch.flatMap((r) => r.bodies.map((b) => b.peer)).filter((p): p is string => !!p))];
    const balances = new Map([...(await loadBalances(manager, peers))].map(([peer, row]) => [peer, row.balance]));
    const entries: LedgerEntry[] = [];
    const done = await existingReceipts(manager, batch);
    const receipts: unknown[][] = [];
    const outcomes = batch.map((request): Outcome => {
      if (request.once !== undefined && done.has(request.once)) return { ok: true, entries: [], duplicate: true };
      const outcome = admit(request.bodies, balances, size + entries.length, time, entries);
      if (outcome.ok && request.once !== undefined && outcome.entries.length > 0) {
        done.add(request.once);
        receipts.push([request.once, outcome.entries[0].seq, outcome.entries.length]);
      }
      return outcome;
    });
    if (entries.length === 0) return { outcomes, head: await this.currentHead(manager, size, time) };

    const nodes = await this.nodesFor(manager, size, entries.length);
    const leaves = entries.map((entry) => leafHash(new TextEncoder().encode(serializeEntry(entry))));
    const created: unknown[][] = [];
    leaves.forEach((leaf, i) => {
      for (const node of nodesCompletedBy(nodes, size + i, leaf)) {
        nodes.remember(node.level, node.index, node.hash);
        created.push([node.level, node.index, toHex(node.hash)]);
      }
    });
    const newSize = size + entries.length;
    const head = this.sign({ size: newSize, root: toHex(rootAt(nodes, newSize)), timestamp: time });

    const rows = entries.map((entry, i) => [
      entry.seq,
      entry.kind,
      entry.peer ?? null,
      serializeEntry(entry),
      toHex(leaves[i]),
      time,
    ]);
    await insertRows(manager, 'ledger_entries', ['seq', 'kind', 'peer', 'body', 'leaf_hash', 'time'], rows);
    await insertRows(manager, 'ledger_nodes', ['level', 'idx', 'hash'], created);
    await insertRows(manager, 'ledger_receipts', ['once_key', 'first_seq', 'count'], receipts);
    await saveBalances(manager, balances, newSize - 1);
    await insertRows(
      manager,
      'ledger_heads',
      ['size', 'root', 'timestamp', 'signature'],
      [[head.size, head.root, head.timestamp, head.signature]],
    );
    this.frontier = { size: newSize, nodes: nodes.subset(nodesNeeded((r) => rootAt(r, newSize))) };
    return { outcomes, head };
  }

  /**
   * The stored nodes this append reads: the left siblings the new leaves complete subtrees with, and the
   * perfect subtrees of the new root that the batch does not create. From memory when the log is as this
   * process left it; a fresh process (or one another instance wrote past) reads them all from the database.
   */
  private async nodesFor(manager: EntityManager, size: number, count: number): Promise<NodeCache> {
    const cached = this.frontier?.size === size ? this.frontier.nodes : new NodeCache();
    this.frontier = null;
    const rootReads = nodesNeeded((r) => rootAt(r, size + count)).filter((node) => lastLeaf(node) < size);
    return cached.load(manager, [...appendReads(size, count), ...rootReads]);
  }

  private async currentHead(manager: EntityManager, size: number, time: number): Promise<SignedTreeHead> {
    const rows = (await run(manager, 'SELECT size, root, timestamp, signature FROM ledger_heads WHERE size = ?', [
      size,
    ])) as Array<Record<string, string | number>>;
    if (rows.length === 0) return this.sign({ size: 0, root: toHex(rootAt(new NodeCache(), 0)), timestamp: time });
    const row = rows[0];
    return {
      size: Number(row.size),
      root: String(row.root),
      timestamp: Number(row.timestamp),
      signature: String(row.signature),
    };
  }
}

/** The last leaf a perfect subtree covers: nodes ending at or past the old size are created by the append. */
function lastLeaf({ level, index }: { level: number; index: number }): number {
  return (index + 1) * 2 ** level - 1;
}

async function existingReceipts(manager: EntityManager, batch: Request[]): Promise<Set<string>> {
  const keys = [...new Set(batch.map((request) => request.once).filter((key): key is string => key !== undefined))];
  if (keys.length === 0) return new Set();
  const sql = `SELECT once_key FROM ledger_receipts WHERE once_key IN (${keys.map(() => '?').join(', ')})`;
  return new Set(((await run(manager, sql, keys)) as Array<{ once_key: string }>).map((row) => row.once_key));
}

/**
 * Applies one request's entries to a copy of the balances it touches; only if every entry is allowed do
 * the copy and the entries join the batch.
 */
function admit(
  bodies: LedgerEntryBody[],
  balances: Map<string, Balance>,
  firstSeq: number,
  time: number,
  accepted: LedgerEntry[],
): Outcome {
  const trial = new Map<string, Balance>();
  for (const body of bodies) {
    if (body.peer && balances.has(body.peer)) trial.set(body.peer, structuredClone(balances.get(body.peer)!));
  }
  const entries = bodies.map((body, i) => withoutUndefined({ ...body, seq: firstSeq + i, time }));
  try {
    for (const entry of entries) applyEntry(trial, entry);
  } catch (error) {
    if (error instanceof LedgerRuleError) return { ok: false, error: new DomainError(error.code, error.message, 409) };
    return { ok: false, error };
  }
  for (const [peer, balance] of trial) balances.set(peer, balance);
  accepted.push(...entries);
  return { ok: true, entries };
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined)) as T;
}
