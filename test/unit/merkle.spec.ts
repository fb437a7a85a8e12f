import { describe, expect, it } from '@jest/globals';
import type { Hash, NodeReader } from '../../src/protocol/merkle';
import {
  EMPTY_ROOT,
  consistencyProof,
  inclusionProof,
  leafHash,
  nodesCompletedBy,
  nodesNeeded,
  rootAt,
  rootOf,
  verifyConsistency,
  verifyInclusion,
} from '../../src/protocol/merkle';

const hex = (hash: Hash) => Buffer.from(hash).toString('hex');
const unhex = (value: string) => new Uint8Array(Buffer.from(value, 'hex'));

// The RFC 6962 reference tree used by Certificate Transparency implementations.
const ENTRIES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'];
const ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
const INCLUSION: Array<[index: number, size: number, proof: string[]]> = [
  [
    0,
    8,
    [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  ],
  [
    5,
    8,
    [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  ],
  [2, 3, ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125']],
  [
    1,
    5,
    [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  ],
];
const CONSISTENCY: Array<[first: number, second: number, proof: string[]]> = [
  [1, 1, []],
  [
    1,
    8,
    [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  ],
  [
    6,
    8,
    [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  ],
  [
    2,
    5,
    [
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  ],
];

/** A log held in memory the way the service holds it in the database: every perfect subtree stored. */
class MemoryTree implements NodeReader {
  private readonly nodes = new Map<string, Hash>();
  size = 0;

  append(leaf: Hash): void {
    for (const node of nodesCompletedBy(this, this.size, leaf))
      this.nodes.set(`${node.level}:${node.index}`, node.hash);
    this.size += 1;
  }

  node(level: number, index: number): Hash {
    const hash = this.nodes.get(`${level}:${index}`);
    if (!hash) throw new Error(`node ${level}:${index} was never stored`);
    return hash;
  }
}

function treeOf(leaves: Hash[]): MemoryTree {
  const tree = new MemoryTree();
  for (const leaf of leaves) tree.append(leaf);
  return tree;
}

const LEAVES = ENTRIES.map((entry) => leafHash(unhex(entry)));

describe('RFC 6962 Merkle tree', () => {
  it('has the reference root at every size from 0 to 8, in memory and from stored subtrees', () => {
    expect(hex(EMPTY_ROOT)).toBe(ROOTS[0]);
    const tree = new MemoryTree();
    for (let n = 1; n <= 8; n++) {
      tree.append(LEAVES[n - 1]);
      expect(hex(rootOf(LEAVES.slice(0, n)))).toBe(ROOTS[n]);
      expect(hex(rootAt(tree, n))).toBe(ROOTS[n]);
    }
  });

  it.each(INCLUSION)('gives the reference inclusion proof for leaf %i in a tree of %i', (index, size, proof) => {
    const sut = treeOf(LEAVES);
    expect(inclusionProof(sut, index, size).map(hex)).toEqual(proof);
    expect(verifyInclusion(index, size, LEAVES[index], proof.map(unhex), unhex(ROOTS[size]))).toBe(true);
    expect(verifyInclusion(index, size, LEAVES[index], proof.map(unhex), unhex(ROOTS[size - 1]))).toBe(false);
  });

  it.each(CONSISTENCY)('gives the reference consistency proof from %i to %i', (first, second, proof) => {
    const sut = treeOf(LEAVES);
    expect(consistencyProof(sut, first, second).map(hex)).toEqual(proof);
    expect(verifyConsistency(first, second, proof.map(unhex), unhex(ROOTS[first]), unhex(ROOTS[second]))).toBe(true);
  });

  const many = Array.from({ length: 70 }, (_, i) => leafHash(Uint8Array.of(i, i * 7, 255 - i)));
  const big = treeOf(many);

  it('proves every leaf of every tree size up to 70, and rejects a changed leaf or a wrong index', () => {
    for (let size = 1; size <= many.length; size++) {
      const root = rootOf(many.slice(0, size));
      expect(rootAt(big, size)).toEqual(root);
      for (let index = 0; index < size; index++) {
        const proof = inclusionProof(big, index, size);
        expect(verifyInclusion(index, size, many[index], proof, root)).toBe(true);
        expect(verifyInclusion(index, size, leafHash(Uint8Array.of(1, 2, 3)), proof, root)).toBe(false);
        if (size > 1) expect(verifyInclusion((index + 1) % size, size, many[index], proof, root)).toBe(false);
      }
    }
  });

  it('proves consistency between every pair of sizes up to 70, and rejects a rewritten history', () => {
    const forged = treeOf([leafHash(Uint8Array.of(9)), ...many.slice(1)]);
    for (let second = 1; second <= many.length; second++) {
      for (let first = 1; first <= second; first++) {
        const proof = consistencyProof(big, first, second);
        const firstRoot = rootAt(big, first);
        expect(verifyConsistency(first, second, proof, firstRoot, rootAt(big, second))).toBe(true);
        if (first < second) {
          const forgedProof = consistencyProof(forged, first, second);
          expect(verifyConsistency(first, second, forgedProof, firstRoot, rootAt(forged, second))).toBe(false);
        }
      }
    }
  });

  it('rejects malformed proofs and impossible sizes instead of throwing', () => {
    const proof = inclusionProof(big, 3, 10);
    const root = rootAt(big, 10);
    expect(verifyInclusion(3, 10, many[3], proof.slice(1), root)).toBe(false);
    expect(verifyInclusion(3, 10, many[3], [...proof, root], root)).toBe(false);
    expect(verifyInclusion(10, 10, many[3], proof, root)).toBe(false);
    expect(verifyInclusion(-1, 10, many[3], proof, root)).toBe(false);
    expect(verifyConsistency(0, 10, [], EMPTY_ROOT, root)).toBe(false);
    expect(verifyConsistency(11, 10, [], root, root)).toBe(false);
    expect(verifyConsistency(3, 10, [], rootAt(big, 3), root)).toBe(false);
    expect(() => inclusionProof(big, 10, 10)).toThrow(RangeError);
    expect(() => consistencyProof(big, 0, 10)).toThrow(RangeError);
  });

  it('reads O(log² n) stored nodes for a proof in a tree of a million leaves', () => {
    const size = 1_000_000;
    const read = nodesNeeded((reader) => {
      inclusionProof(reader, 123_456, size);
      consistencyProof(reader, 654_321, size);
      rootAt(reader, size);
    });
    expect(read.length).toBeLessThan(400);
  });
});
