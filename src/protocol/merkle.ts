/**
 * RFC 6962 / RFC 9162 Merkle tree hashing, shared by the ledger service, `peerproof ledger verify` and any
 * auditor: leaf = SHA-256(0x00 ‖ entry), node = SHA-256(0x01 ‖ left ‖ right), the empty tree = SHA-256().
 *
 * The service stores the hash of every perfect subtree (level L, index i covers leaves i·2^L … (i+1)·2^L − 1),
 * so an append writes O(log n) hashes and a proof reads O(log² n) of them, never the whole log. Functions
 * take a `NodeReader` for those stored hashes, which keeps this file free of I/O.
 */
import { createHash } from 'node:crypto';

export type Hash = Uint8Array;

/** Stored perfect-subtree hashes; `node(0, i)` is the hash of leaf i. */
export interface NodeReader {
  node(level: number, index: number): Hash;
}

export interface StoredNode {
  level: number;
  index: number;
  hash: Hash;
}

const LEAF_PREFIX = Uint8Array.of(0);
const NODE_PREFIX = Uint8Array.of(1);

export const EMPTY_ROOT: Hash = sha256();

export function sha256(...parts: Uint8Array[]): Hash {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return new Uint8Array(hash.digest());
}

export function leafHash(entry: Uint8Array): Hash {
  return sha256(LEAF_PREFIX, entry);
}

export function nodeHash(left: Hash, right: Hash): Hash {
  return sha256(NODE_PREFIX, left, right);
}

export function equalHashes(a: Hash, b: Hash): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

/** The largest power of two strictly below n (n ≥ 2): where RFC 6962 splits a tree of n leaves. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** MTH over leaf hashes held in memory: for auditors that downloaded the whole log. O(n). */
export function rootOf(leaves: readonly Hash[]): Hash {
  if (leaves.length === 0) return EMPTY_ROOT;
  // Fold perfect subtrees left to right as a binary counter, then merge the ragged right edge.
  const stack: Array<{ size: number; hash: Hash }> = [];
  for (const leaf of leaves) {
    let item = { size: 1, hash: leaf };
    while (stack.length > 0 && stack[stack.length - 1].size === item.size) {
      const left = stack.pop()!;
      item = { size: left.size * 2, hash: nodeHash(left.hash, item.hash) };
    }
    stack.push(item);
  }
  let root = stack.pop()!.hash;
  while (stack.length > 0) root = nodeHash(stack.pop()!.hash, root);
  return root;
}

/** The perfect subtrees that appending leaf `index` completes, the leaf itself first. O(log n) reads. */
export function nodesCompletedBy(reader: NodeReader, index: number, leaf: Hash): StoredNode[] {
  const nodes: StoredNode[] = [{ level: 0, index, hash: leaf }];
  let level = 0;
  let position = index;
  let hash = leaf;
  while (position % 2 === 1) {
    hash = nodeHash(reader.node(level, position - 1), hash);
    level += 1;
    position = (position - 1) / 2;
    nodes.push({ level, index: position, hash });
  }
  return nodes;
}

/** MTH(D[start:end]) from stored perfect subtrees; `start` must be aligned as RFC 6962's recursion leaves it. */
export function subtreeHash(reader: NodeReader, start: number, end: number): Hash {
  const size = end - start;
  if (size <= 0) return EMPTY_ROOT;
  if (isPowerOfTwo(size) && start % size === 0) return reader.node(Math.log2(size), start / size);
  const k = splitPoint(size);
  return nodeHash(subtreeHash(reader, start, start + k), subtreeHash(reader, start + k, end));
}

export function rootAt(reader: NodeReader, size: number): Hash {
  return subtreeHash(reader, 0, size);
}

/** RFC 6962 PATH(index, D[size]): sibling hashes from the leaf up. */
export function inclusionProof(reader: NodeReader, index: number, size: number): Hash[] {
  assertRange(index >= 0 && index < size, `index ${index} is not in a tree of ${size}`);
  return path(reader, index, 0, size);
}

function path(reader: NodeReader, index: number, start: number, end: number): Hash[] {
  if (end - start <= 1) return [];
  const k = splitPoint(end - start);
  return index < start + k
    ? [...path(reader, index, start, start + k), subtreeHash(reader, start + k, end)]
    : [...path(reader, index, start + k, end), subtreeHash(reader, start, start + k)];
}

/** RFC 6962 PROOF(first, D[second]): shows the tree of `first` leaves is a prefix of the tree of `second`. */
export function consistencyProof(reader: NodeReader, first: number, second: number): Hash[] {
  assertRange(first > 0 && first <= second, `no consistency proof from ${first} to ${second}`);
  return subproof(reader, first, 0, second, true);
}

function subproof(reader: NodeReader, m: number, start: number, end: number, whole: boolean): Hash[] {
  if (m === end - start) return whole ? [] : [subtreeHash(reader, start, end)];
  const k = splitPoint(end - start);
  return m <= k
    ? [...subproof(reader, m, start, start + k, whole), subtreeHash(reader, start + k, end)]
    : [...subproof(reader, m - k, start + k, end, false), subtreeHash(reader, start, start + k)];
}

/** RFC 9162 §2.1.3.2. */
export function verifyInclusion(index: number, size: number, leaf: Hash, proof: readonly Hash[], root: Hash): boolean {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let hash = leaf;
  for (const sibling of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      hash = nodeHash(sibling, hash);
      while (fn % 2 === 0 && fn !== 0) [fn, sn] = [half(fn), half(sn)];
    } else {
      hash = nodeHash(hash, sibling);
    }
    [fn, sn] = [half(fn), half(sn)];
  }
  return sn === 0 && equalHashes(hash, root);
}

/** RFC 9162 §2.1.4.2. */
export function verifyConsistency(
  first: number,
  second: number,
  proof: readonly Hash[],
  firstRoot: Hash,
  secondRoot: Hash,
): boolean {
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(second) || first < 1 || first > second) return false;
  if (first === second) return proof.length === 0 && equalHashes(firstRoot, secondRoot);
  const path = isPowerOfTwo(first) ? [firstRoot, ...proof] : [...proof];
  if (path.length === 0) return false;
  let fn = first - 1;
  let sn = second - 1;
  while (fn % 2 === 1) [fn, sn] = [half(fn), half(sn)];
  let fr = path[0];
  let sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (fn % 2 === 0 && fn !== 0) [fn, sn] = [half(fn), half(sn)];
    } else {
      sr = nodeHash(sr, c);
    }
    [fn, sn] = [half(fn), half(sn)];
  }
  return sn === 0 && equalHashes(fr, firstRoot) && equalHashes(sr, secondRoot);
}

/** Reads through `reader`, remembering which nodes were asked for: lets a service prefetch them in one query. */
export function nodesNeeded(work: (reader: NodeReader) => unknown): Array<{ level: number; index: number }> {
  const seen = new Map<string, { level: number; index: number }>();
  work({
    node(level, index) {
      seen.set(`${level}:${index}`, { level, index });
      return EMPTY_ROOT;
    },
  });
  return [...seen.values()];
}

function half(value: number): number {
  return Math.floor(value / 2);
}

function isPowerOfTwo(value: number): boolean {
  return value >= 1 && Number.isInteger(Math.log2(value));
}

function assertRange(ok: boolean, message: string): void {
  if (!ok) throw new RangeError(message);
}

/**
 * The stored nodes that appending `count` leaves to a tree of `size` will read: left siblings not created
 * by the batch itself. Lets the sequencer fetch them in one query before computing anything.
 */
export function appendReads(size: number, count: number): Array<{ level: number; index: number }> {
  const created = new Set<string>();
  const reads: Array<{ level: number; index: number }> = [];
  for (let leaf = size; leaf < size + count; leaf++) {
    let level = 0;
    let position = leaf;
    created.add(`0:${leaf}`);
    while (position % 2 === 1) {
      if (!created.has(`${level}:${position - 1}`)) reads.push({ level, index: position - 1 });
      level += 1;
      position = (position - 1) / 2;
      created.add(`${level}:${position}`);
    }
  }
  return reads;
}
