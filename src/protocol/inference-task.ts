/**
 * The proof-of-inference task: what the client computes from a challenge and how the server checks it.
 * Pure TypeScript (no Node, no DOM, no onnxruntime) so the widget's Web Worker bundles the same code the
 * service verifies with. docs/protocol.md specifies every step byte by byte.
 */
import { Xoshiro128StarStar } from './prng';

export const BLAZEFACE_OUTPUT_FORMAT = 'blazeface-max-score-v1';
export type OutputFormat = typeof BLAZEFACE_OUTPUT_FORMAT;

/** What a challenge hands the client: run `count` inputs derived from `seed` through the named model. */
export interface InferenceTask {
  modelId: string;
  /** sha256 of the model file, lowercase hex; the client refuses a file that does not match. */
  modelSha256: string;
  seed: string;
  count: number;
  inputName: string;
  inputShape: number[];
  outputFormat: OutputFormat;
  tolerance: number;
}

/** The compact output of one input: the anchor with the highest face score, and that score. */
export interface CompactOutput {
  anchor: number;
  score: number;
}

/** One compact output on the wire: `[anchor, score]`. */
export type WireOutput = [anchor: number, score: number];

/** A solution on the wire: one `[anchor, score]` per input, in index order 0..count-1. */
export interface InferenceSolution {
  outputs: WireOutput[];
}

/** What a verifier concluded about one compact output. */
export interface VerifyResult {
  ok: boolean;
  reason?: string;
}

/** An input larger than this many elements is refused rather than allocated. */
export const MAX_INPUT_ELEMENTS = 1 << 24;

/**
 * Accepted distance between a claimed score and the verifier's own. Measured over 600 inputs against
 * onnxruntime-node on the CPU, onnxruntime-web's WASM backend differs by at most 1.2e-6 in a score (1.1e-4
 * in a logit; the sigmoid flattens it) and rounding to 4 decimals adds 5e-5. WebGPU could not be measured
 * and sums in other orders, hence a margin of about 1000x. Honest scores spread from 0.19 to 0.70, so the
 * best constant guess still passes only 0.4 % of inputs (docs/protocol.md, section 8).
 */
export const DEFAULT_TOLERANCE = 2e-3;

/** The BlazeFace front-128 score tensors, in the order their anchors are numbered. */
export const BLAZEFACE_SCORE_TENSORS = [
  { name: 'Identity:0', anchors: 512 },
  { name: 'Identity_1:0', anchors: 384 },
] as const;

export const BLAZEFACE_ANCHORS = 896;

/**
 * Input `index` of the task: `prod(shape)` float32 values in row-major order, value k from the k-th
 * uint32 `u` of the input's generator as `((u >>> 8) - 2^23) / 2^23`, which lies in [-1, 1 - 2^-23]
 * and is exact in float32 (24 significant bits), so every implementation derives identical bits.
 */
export function deriveInput(seed: string, index: number, shape: readonly number[]): Float32Array {
  const input = new Float32Array(elementCount(shape));
  Xoshiro128StarStar.forInput(seed, index).fillSignedUnit(input);
  return input;
}

export function elementCount(shape: readonly number[]): number {
  if (shape.length === 0) throw new RangeError('input shape must have at least one dimension');
  let size = 1;
  for (const dim of shape) {
    if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`input dimensions must be positive integers: ${dim}`);
    size *= dim;
    if (size > MAX_INPUT_ELEMENTS) throw new RangeError(`input larger than ${MAX_INPUT_ELEMENTS} elements`);
  }
  return size;
}

export function sigmoid(logit: number): number {
  return 1 / (1 + Math.exp(-logit));
}

/** Rounds to 4 decimals, the precision of a score on the wire. */
export function roundScore(score: number): number {
  return Math.round(score * 10_000) / 10_000;
}

/**
 * The 896 face scores (sigmoid of the logits, unrounded) in anchor order: the 16x16x2 grid's 512
 * anchors first, then the 8x8x6 grid's 384. Throws when a tensor is missing, short or not finite.
 */
export function blazefaceScores(outputs: Readonly<Record<string, ArrayLike<number>>>): Float64Array {
  const scores = new Float64Array(BLAZEFACE_ANCHORS);
  let offset = 0;
  for (const { name, anchors } of BLAZEFACE_SCORE_TENSORS) {
    const logits = outputs[name];
    if (!logits || logits.length !== anchors) {
      throw new RangeError(`output ${name} must hold ${anchors} scores, got ${logits?.length ?? 'none'}`);
    }
    for (let a = 0; a < anchors; a++) {
      const logit = logits[a];
      if (!Number.isFinite(logit)) throw new RangeError(`output ${name}[${a}] is not finite`);
      scores[offset + a] = sigmoid(logit);
    }
    offset += anchors;
  }
  return scores;
}

/** Index of the largest value; the first one on an exact tie. */
export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

/** `blazeface-max-score-v1`: the anchor with the highest face score and that score, rounded to 4 decimals. */
export function compactOutput(outputs: Readonly<Record<string, ArrayLike<number>>>): CompactOutput {
  const scores = blazefaceScores(outputs);
  const anchor = argmax(scores);
  return { anchor, score: roundScore(scores[anchor]) };
}

/**
 * Checks a claimed compact output against the verifier's own unrounded scores. Argmax can land on a
 * different anchor on another backend when two anchors nearly tie, so the claim passes when its anchor
 * is within `tolerance` of the best score and its score within `tolerance` of the verifier's score for
 * that same anchor (and so within 2 x tolerance of the maximum).
 */
export function verifyCompactOutput(
  claimed: CompactOutput,
  recomputedScores: ArrayLike<number>,
  tolerance: number,
): VerifyResult {
  const malformed = describeMalformed(claimed, recomputedScores.length);
  if (malformed) return { ok: false, reason: malformed };
  if (!Number.isFinite(tolerance) || tolerance < 0) return { ok: false, reason: 'tolerance must be finite and >= 0' };
  const best = recomputedScores[argmax(recomputedScores)];
  const atClaimed = recomputedScores[claimed.anchor];
  if (!Number.isFinite(best)) return { ok: false, reason: 'recomputed scores are not finite' };
  if (best - atClaimed > tolerance) {
    return { ok: false, reason: `anchor ${claimed.anchor} scores ${fmt(atClaimed)}, the best scores ${fmt(best)}` };
  }
  if (Math.abs(claimed.score - atClaimed) > tolerance) {
    return { ok: false, reason: `score ${claimed.score} differs from recomputed ${fmt(atClaimed)}` };
  }
  return { ok: true };
}

/** Turns one wire pair into a compact output, or explains why it is not one. */
export function parseWireOutput(value: unknown): CompactOutput | string {
  if (!Array.isArray(value) || value.length !== 2) return 'an output must be a pair [anchor, score]';
  const [anchor, score] = value as unknown[];
  if (typeof anchor !== 'number' || typeof score !== 'number') return 'anchor and score must be numbers';
  return { anchor, score };
}

export function toWireOutput(output: CompactOutput): WireOutput {
  return [output.anchor, output.score];
}

function describeMalformed(claimed: CompactOutput, anchors: number): string | undefined {
  if (!Number.isInteger(claimed.anchor) || claimed.anchor < 0 || claimed.anchor >= anchors) {
    return `anchor must be an integer in [0, ${anchors - 1}]`;
  }
  if (!Number.isFinite(claimed.score) || claimed.score < 0 || claimed.score > 1) {
    return 'score must be a finite number in [0, 1]';
  }
  return undefined;
}

function fmt(score: number): string {
  return score.toFixed(6);
}
