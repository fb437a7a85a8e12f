/**
 * What `peerproof ledger verify` does, without the HTTP and file plumbing: download the log, recompute its
 * Merkle root and every balance, and hold the service to its signed tree head and to the last head this
 * auditor saw. Nothing the service says is taken on trust except what its signature or a proof covers.
 */
import type { Balance, LedgerEntry } from '../protocol/ledger-entry';
import { LedgerRuleError, replay, serializeEntry } from '../protocol/ledger-entry';
import type { Hash } from '../protocol/merkle';
import { leafHash, rootOf, verifyConsistency } from '../protocol/merkle';
import type { SignedTreeHead, TreeHead } from '../protocol/tree-head';
import { treeHeadBytes } from '../protocol/tree-head';
import type { WitnessedHead } from '../protocol/witness';
import { validWitnesses } from '../protocol/witness';

export type WitnessVerifier = (key: string, bytes: Uint8Array, signature: string) => boolean;

export interface LedgerSource {
  head(): Promise<SignedTreeHead>;
  entries(start: number, end: number): Promise<LedgerEntry[]>;
  consistency(first: number, second: number): Promise<string[]>;
  balances(): Promise<Record<string, Balance>>;
}

export interface AuditOptions {
  verifySignature(bytes: Uint8Array, signature: string): boolean;
  /** The head this auditor verified last time, if any. */
  previous?: TreeHead;
  /**
   * A head co-signed by witnesses (peers that checked it): with it, the log must hold exactly that history
   * up to its size, signed by at least `minWitnesses` of `witnesses`, whatever the service key signs now.
   */
  witnessed?: { head: WitnessedHead; witnesses: string[]; minWitnesses: number; verify: WitnessVerifier };
  pageSize?: number;
}

export type AuditResult =
  { ok: true; head: SignedTreeHead; peers: number } | { ok: false; code: string; message: string; entry?: number };

const toHex = (hash: Hash) => Buffer.from(hash).toString('hex');
const fromHex = (hex: string) => new Uint8Array(Buffer.from(hex, 'hex'));

export async function auditLedger(source: LedgerSource, options: AuditOptions): Promise<AuditResult> {
  const head = await source.head();
  if (!options.verifySignature(treeHeadBytes(head), head.signature)) {
    return {
      ok: false,
      code: 'bad-signature',
      message: `the tree head of size ${head.size} is not signed by the service key`,
    };
  }
  const previous = options.previous;
  if (previous && previous.size > head.size) {
    return { ok: false, code: 'log-shrank', message: `the log had ${previous.size} entries, now ${head.size}` };
  }

  const entries = await download(source, head.size, options.pageSize ?? 1000);
  if (entries.length !== head.size) {
    return { ok: false, code: 'missing-entries', message: `the head says ${head.size} entries, got ${entries.length}` };
  }
  const leaves = entries.map((entry) => leafHash(new TextEncoder().encode(serializeEntry(entry))));
  if (toHex(rootOf(leaves)) !== head.root) {
    const bad = await firstBadEntry(source, leaves, head);
    return {
      ok: false,
      code: 'root-mismatch',
      message: `entry ${bad} is not the entry the signed head covers`,
      entry: bad,
    };
  }
  const witnessed = options.witnessed && checkWitnessed(options.witnessed, leaves);
  if (witnessed) return witnessed;
  if (previous && !(await consistentWith(source, previous, head))) {
    return {
      ok: false,
      code: 'inconsistent-history',
      message: `the log of ${head.size} entries does not extend the head of ${previous.size} seen before`,
    };
  }
  return compareBalances(entries, await source.balances(), head);
}

/**
 * The witnessed head's own co-signatures first (too few: `unwitnessed-head`), then the log against it: the
 * auditor recomputes the root of the log's first `size` entries itself, so a history rewritten below the
 * witnessed size is caught whatever the service signs or proves (`witness-mismatch`, or `log-shrank`).
 */
function checkWitnessed(witnessed: NonNullable<AuditOptions['witnessed']>, leaves: Hash[]): AuditResult | null {
  const { head } = witnessed;
  const valid = validWitnesses(head, witnessed.witnesses, witnessed.verify);
  if (valid.length < witnessed.minWitnesses) {
    return {
      ok: false,
      code: 'unwitnessed-head',
      message: `the witnessed head of size ${head.size} carries ${valid.length} valid co-signatures of trusted witnesses, ${witnessed.minWitnesses} needed`,
    };
  }
  if (head.size > leaves.length) {
    return {
      ok: false,
      code: 'log-shrank',
      message: `witnesses saw ${head.size} entries, the log has ${leaves.length}`,
    };
  }
  if (toHex(rootOf(leaves.slice(0, head.size))) !== head.root) {
    return {
      ok: false,
      code: 'witness-mismatch',
      message: `the log's first ${head.size} entries are not the history ${valid.length} witnesses co-signed`,
    };
  }
  return null;
}

async function download(source: LedgerSource, size: number, pageSize: number): Promise<LedgerEntry[]> {
  const entries: LedgerEntry[] = [];
  while (entries.length < size) {
    const page = await source.entries(entries.length, Math.min(size, entries.length + pageSize));
    if (page.length === 0) break;
    entries.push(...page);
  }
  return entries;
}

/**
 * Binary search for the first entry that differs from what the head covers: a prefix is intact exactly
 * when the service can prove the signed tree extends the root this auditor computes for that prefix.
 */
async function firstBadEntry(source: LedgerSource, leaves: Hash[], head: SignedTreeHead): Promise<number> {
  let intact = 0;
  let broken = leaves.length;
  while (broken - intact > 1) {
    const middle = Math.floor((intact + broken) / 2);
    const prefix = { size: middle, root: toHex(rootOf(leaves.slice(0, middle))), timestamp: 0 };
    if (await consistentWith(source, prefix, head)) intact = middle;
    else broken = middle;
  }
  return broken - 1;
}

async function consistentWith(source: LedgerSource, earlier: TreeHead, later: TreeHead): Promise<boolean> {
  if (earlier.size === 0) return true;
  try {
    const proof = (await source.consistency(earlier.size, later.size)).map(fromHex);
    return verifyConsistency(earlier.size, later.size, proof, fromHex(earlier.root), fromHex(later.root));
  } catch {
    return false;
  }
}

function compareBalances(entries: LedgerEntry[], claimed: Record<string, Balance>, head: SignedTreeHead): AuditResult {
  let replayed: Map<string, Balance>;
  try {
    replayed = replay(entries);
  } catch (error) {
    if (!(error instanceof LedgerRuleError)) throw error;
    return {
      ok: false,
      code: error.code,
      message: `entry ${error.seq} breaks a rule: ${error.message}`,
      entry: error.seq,
    };
  }
  const peers = new Set([...replayed.keys(), ...Object.keys(claimed)]);
  for (const peer of [...peers].sort()) {
    const mine = JSON.stringify(replayed.get(peer) ?? null);
    const theirs = JSON.stringify(claimed[peer] ?? null);
    if (mine !== theirs) {
      const last = entries.filter((entry) => entry.peer === peer).pop()?.seq;
      return {
        ok: false,
        code: 'balance-mismatch',
        message: `the service says ${peer} has ${theirs}, the log says ${mine}`,
        entry: last,
      };
    }
  }
  return { ok: true, head, peers: peers.size };
}
