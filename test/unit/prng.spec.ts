import { describe, expect, it } from '@jest/globals';
import {
  deriveStreamState,
  fmix32,
  GOLDEN_GAMMA,
  isValidSeed,
  rotl32,
  seedToWords,
  Xoshiro128StarStar,
} from '../../src/protocol/prng';

const take = (generator: Xoshiro128StarStar, n: number) => Array.from({ length: n }, () => generator.nextUint32());

describe('xoshiro128**', () => {
  // Outputs of the reference C code (prng.di.unimi.it/xoshiro128starstar.c) compiled with gcc.
  it('matches the reference implementation from state (1, 2, 3, 4)', () => {
    expect(take(new Xoshiro128StarStar([1, 2, 3, 4]), 8)).toEqual([
      11520, 0, 5927040, 70819200, 2031721883, 1637235492, 1287239034, 3734860849,
    ]);
  });

  it('matches the reference implementation from a state with every bit position in use', () => {
    const generator = new Xoshiro128StarStar([0xdeadbeef, 0xcafebabe, 0x01234567, 0x89abcdef]);
    expect(take(generator, 8)).toEqual([
      1667872595, 1572552925, 483492218, 3828345560, 3516288496, 1968255374, 2235770263, 3650733291,
    ]);
  });

  it('never keeps the all-zero state, which would emit zeros forever', () => {
    const generator = new Xoshiro128StarStar([0, 0, 0, 0]);
    expect(generator.state()).toEqual([GOLDEN_GAMMA, 0, 0, 0]);
    expect(take(generator, 4)).toEqual([0, 3761423075, 3761423075, 990365089]);
  });

  it('takes signed or out-of-range words modulo 2^32', () => {
    expect(new Xoshiro128StarStar([-1, 2 ** 32 + 2, 3, 4]).state()).toEqual([0xffffffff, 2, 3, 4]);
  });

  it('fills floats from the same sequence as nextUint32', () => {
    const a = Xoshiro128StarStar.forInput('000102030405060708090a0b0c0d0e0f', 9);
    const b = Xoshiro128StarStar.forInput('000102030405060708090a0b0c0d0e0f', 9);
    const filled = new Float32Array(1000);
    a.fillSignedUnit(filled);
    const expected = take(b, 1000).map((u) => ((u >>> 8) - 2 ** 23) / 2 ** 23);
    expect(Array.from(filled)).toEqual(expected);
    expect(a.state()).toEqual(b.state());
  });
});

describe('mixing', () => {
  it('rotates left within 32 bits', () => {
    expect(rotl32(0x80000001, 1)).toBe(3);
    expect(rotl32(0x12345678, 8)).toBe(0x34567812);
  });

  it('computes MurmurHash3 fmix32', () => {
    expect(fmix32(0)).toBe(0);
    expect(fmix32(1)).toBe(1364076727);
    expect(fmix32(0xdeadbeef)).toBe(233162409);
  });
});

describe('seeds', () => {
  it('reads the 16 seed bytes as little-endian words', () => {
    expect(seedToWords('000102030405060708090a0b0c0d0e0f')).toEqual([0x03020100, 0x07060504, 0x0b0a0908, 0x0f0e0d0c]);
    expect(seedToWords('ffffffff000000000000000080000000')).toEqual([0xffffffff, 0, 0, 0x80]);
  });

  it.each(['', '00', 'ABCDEF0123456789abcdef0123456789', '0123456789abcdef0123456789abcdeg', ' '.repeat(32)])(
    'rejects %j',
    (seed) => {
      expect(isValidSeed(seed)).toBe(false);
      expect(() => seedToWords(seed)).toThrow(RangeError);
    },
  );
});

describe('per-input streams', () => {
  const seed = '000102030405060708090a0b0c0d0e0f';

  it('derives the documented state (cross-checked with a C implementation)', () => {
    expect(deriveStreamState(seed, 0)).toEqual([3962442321, 2313551207, 3784351051, 64966458]);
    expect(deriveStreamState(seed, 5)).toEqual([3156795934, 3165555817, 2453866972, 3729187436]);
  });

  it('gives every index its own state', () => {
    const states = new Set(Array.from({ length: 2000 }, (_, i) => deriveStreamState(seed, i).join(',')));
    expect(states.size).toBe(2000);
  });

  it('lets one seed word change every state word (and so the first output)', () => {
    const other = deriveStreamState('010102030405060708090a0b0c0d0e0f', 0);
    const base = deriveStreamState(seed, 0);
    for (let j = 0; j < 4; j++) expect(other[j]).not.toBe(base[j]);
  });

  it('accepts every uint32 index and nothing else', () => {
    expect(() => deriveStreamState(seed, 2 ** 32 - 1)).not.toThrow();
    for (const bad of [-1, 2 ** 32, 1.5, Number.NaN]) expect(() => deriveStreamState(seed, bad)).toThrow(RangeError);
  });
});
