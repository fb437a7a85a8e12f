/**
 * The pseudo-random generator of the proof-of-inference task, specified so that a browser worker, the
 * service and any third party derive bit-identical inputs. Pure TypeScript: no Node, no DOM; it is bundled
 * into the widget's Web Worker. The byte-level specification lives in docs/protocol.md.
 *
 * Generator: xoshiro128** 1.1 (Blackman and Vigna, https://prng.di.unimi.it/xoshiro128starstar.c).
 * State: four uint32 words s0..s3, never all zero. Each call returns one uint32:
 *
 *   result = rotl(s1 * 5, 7) * 9          (all arithmetic mod 2^32)
 *   t  = s1 << 9
 *   s2 ^= s0;  s3 ^= s1;  s1 ^= s2;  s0 ^= s3
 *   s2 ^= t
 *   s3 = rotl(s3, 11)
 *
 * Per-input streams: input i has its own generator, so the server regenerates input i directly to
 * spot-check it instead of generating inputs 0..i-1 first. Its state comes from the seed's 16 bytes read
 * as four little-endian uint32 words w_0..w_3 (all arithmetic mod 2^32, fmix32 = MurmurHash3's finaliser):
 *
 *   x_j = w_j XOR fmix32(i + (j + 1) * 0x9E3779B9)        for j = 0..3   (keys the words by the index)
 *   twice: for j = 0, 1, 2, 3 in order:
 *     x_j = fmix32(x_j + x_((j + 3) mod 4))                               (spreads every word into all)
 *   state = (x_0, x_1, x_2, x_3)
 *
 * Every step is invertible, so for a fixed index the map seed → state is a bijection (no seed entropy is
 * lost) and distinct indices give distinct states; after the two rounds each state word depends on every
 * seed word, so even the first output of a stream does.
 */

/** 2^32 / golden ratio: the Weyl increment of splitmix and MurmurHash-style mixers. */
export const GOLDEN_GAMMA = 0x9e3779b9;

/** A seed is 128 bits written as 32 lowercase hexadecimal characters. */
export const SEED_PATTERN = /^[0-9a-f]{32}$/;

/** The largest input index a task may use (exclusive): indices are uint32 in the mixing. */
export const MAX_INPUT_INDEX = 2 ** 32;

export function rotl32(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** MurmurHash3's 32-bit finaliser: a bijection with full avalanche, used to mix seed words and indices. */
export function fmix32(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export function isValidSeed(seed: string): boolean {
  return SEED_PATTERN.test(seed);
}

/** The seed's 16 bytes as four little-endian uint32 words: bytes 0..3 form word 0, byte 0 lowest. */
export function seedToWords(seed: string): [number, number, number, number] {
  if (!isValidSeed(seed)) throw new RangeError('seed must be 32 lowercase hexadecimal characters');
  const word = (j: number): number => {
    let w = 0;
    for (let b = 3; b >= 0; b--) w = (w << 8) | parseInt(seed.slice(8 * j + 2 * b, 8 * j + 2 * b + 2), 16);
    return w >>> 0;
  };
  return [word(0), word(1), word(2), word(3)];
}

/** The generator state of input `index` (see the file comment), before the all-zero fix. */
export function deriveStreamState(seed: string, index: number): [number, number, number, number] {
  if (!Number.isInteger(index) || index < 0 || index >= MAX_INPUT_INDEX) {
    throw new RangeError(`input index must be an integer in [0, 2^32), got ${index}`);
  }
  const x = seedToWords(seed);
  for (let j = 0; j < 4; j++) x[j] = (x[j] ^ fmix32(index + Math.imul(j + 1, GOLDEN_GAMMA))) >>> 0;
  for (let round = 0; round < 2; round++) {
    for (let j = 0; j < 4; j++) x[j] = fmix32(x[j] + x[(j + 3) % 4]);
  }
  return x;
}

export class Xoshiro128StarStar {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /**
   * An all-zero state is xoshiro's one fixed point (it would return zeros forever). The derivation above
   * reaches it with probability 2^-128, but the rule must still be total: such a state has s0 set to
   * 0x9E3779B9 and the other words kept at zero.
   */
  constructor(state: readonly [number, number, number, number]) {
    [this.s0, this.s1, this.s2, this.s3] = state.map((w) => w >>> 0);
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = GOLDEN_GAMMA;
  }

  /** The generator of input `index` of a task seeded with `seed`. */
  static forInput(seed: string, index: number): Xoshiro128StarStar {
    return new Xoshiro128StarStar(deriveStreamState(seed, index));
  }

  /** The next uint32 (0 ≤ n < 2^32). */
  nextUint32(): number {
    const result = Math.imul(rotl32(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 = (this.s2 ^ this.s0) >>> 0;
    this.s3 = (this.s3 ^ this.s1) >>> 0;
    this.s1 = (this.s1 ^ this.s2) >>> 0;
    this.s0 = (this.s0 ^ this.s3) >>> 0;
    this.s2 = (this.s2 ^ t) >>> 0;
    this.s3 = rotl32(this.s3, 11);
    return result;
  }

  /**
   * Fills `out` with the next `out.length` outputs mapped to [-1, 1) as `((u >>> 8) - 2^23) / 2^23`: the
   * input values of the task. Same sequence as `nextUint32`, with the state held in locals because this
   * loop runs 49,152 times an input (about 5x faster than calling `nextUint32`).
   */
  fillSignedUnit(out: Float32Array): void {
    let s0 = this.s0;
    let s1 = this.s1;
    let s2 = this.s2;
    let s3 = this.s3;
    for (let k = 0; k < out.length; k++) {
      const times5 = Math.imul(s1, 5);
      const result = Math.imul((times5 << 7) | (times5 >>> 25), 9);
      const t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
      out[k] = ((result >>> 8) - 0x800000) / 0x800000;
    }
    [this.s0, this.s1, this.s2, this.s3] = [s0 >>> 0, s1 >>> 0, s2 >>> 0, s3 >>> 0];
  }

  /** The current state, for tests and debugging. */
  state(): [number, number, number, number] {
    return [this.s0, this.s1, this.s2, this.s3];
  }
}
