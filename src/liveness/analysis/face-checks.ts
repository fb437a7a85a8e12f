/**
 * The checks that read the server's detector and descriptor directly: one face in (nearly) every frame,
 * and the same face in every step as in the rest step, so clips of different people cannot be spliced.
 */
import type { CheckResult } from '../check-result';
import { clamp01 } from '../check-result';
import type { AnalysedFrame } from './face-analyzer';
import { SAME_PERSON_BELOW } from './server-face-analyzer';

/** Share of a step's frames that must show exactly one face. */
export const FACE_PRESENT_MIN_SHARE = 0.9;
/**
 * Least cosine similarity between a step's descriptors and the rest step's: the engine's Euclidean
 * SAME_PERSON_BELOW on L2-normalised descriptors (|a − b|² = 2 − 2 cos).
 */
export const IDENTITY_MIN_SIMILARITY = 1 - (SAME_PERSON_BELOW * SAME_PERSON_BELOW) / 2;

export function checkFacePresent(frames: readonly AnalysedFrame[]): CheckResult {
  if (frames.length === 0) return { score: 0, status: 'fail', reasons: ['face-not-present'] };
  const one = frames.filter((frame) => frame.faces === 1).length / frames.length;
  if (one >= FACE_PRESENT_MIN_SHARE) return { score: one, status: 'pass', reasons: [] };
  const several = frames.some((frame) => frame.faces > 1);
  return { score: one, status: 'fail', reasons: [several ? 'several-faces' : 'face-not-present'] };
}

export function meanDescriptor(descriptors: readonly Float32Array[]): Float32Array | null {
  if (descriptors.length === 0) return null;
  const sum = new Float32Array(descriptors[0].length);
  for (const d of descriptors) for (let k = 0; k < sum.length; k++) sum[k] += d[k];
  return normalise(sum);
}

export function checkIdentity(descriptors: readonly Float32Array[], reference: readonly number[] | null): CheckResult {
  if (!reference) return { score: 0, status: 'fail', reasons: ['identity-no-reference'] };
  if (descriptors.length === 0) return { score: null, status: 'unavailable', reasons: ['identity-not-described'] };
  const similarity = Math.min(...descriptors.map((d) => cosine(d, reference)));
  return similarity >= IDENTITY_MIN_SIMILARITY
    ? { score: clamp01(similarity), status: 'pass', reasons: [] }
    : { score: clamp01(similarity), status: 'fail', reasons: ['identity-mismatch'] };
}

function normalise(v: Float32Array): Float32Array | null {
  let norm = 0;
  for (const x of v) norm += x * x;
  norm = Math.sqrt(norm);
  if (!(norm > 0)) return null;
  return v.map((x) => x / norm);
}

function cosine(a: Float32Array, b: readonly number[]): number {
  if (a.length !== b.length) return -1;
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let k = 0; k < a.length; k++) {
    dot += a[k] * b[k];
    na += a[k] * a[k];
    nb += b[k] * b[k];
  }
  return na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : -1;
}
