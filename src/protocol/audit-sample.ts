/**
 * One sample for the whole committee: every member of an inference audit recomputes the same outputs, so
 * honest peers reach the same score exactly and the agreement tolerance only has to absorb nothing finer
 * than one sampled output. The indices come from the job id and the root of the signed tree head the job
 * was pinned to when it was created, neither of which the visitor could know when it sent its outputs.
 *
 * Byte encoding (docs/peers.md, "The audit sample"): draw i takes r_i = the first 8 bytes, big-endian, of
 * SHA-256("peerproof-audit-sample-v1" ‖ 0x00 ‖ jobId ‖ 0x00 ‖ root ‖ u32be(i)), the strings as UTF-8 text,
 * and swaps position i of [0, count) with position i + (r_i mod (count − i)): a partial Fisher–Yates shuffle.
 * The sample is the first min(size, count) positions, sorted ascending. Vectors: peer-protocol-vectors.json.
 */
import { createHash } from 'node:crypto';

export const AUDIT_SAMPLE_DOMAIN = 'peerproof-audit-sample-v1';

/** Outputs every committee member recomputes per audit. */
export const AUDIT_SAMPLE_SIZE = 16;

/** The 4-decimal rounding of scores: two rounded scores one sampled output apart differ by up to this more. */
const ROUNDING_SLACK = 0.0001;

/** What the job pins its sample to: the signed tree head current when it was created. */
export interface AuditSampleSeed {
  headSize: number;
  /** Merkle root of that head, 64 lowercase hex characters. */
  headRoot: string;
  /** Outputs to sample (AUDIT_SAMPLE_SIZE unless the evidence holds fewer). */
  size: number;
}

export function auditSampleNumber(jobId: string, root: string, draw: number): bigint {
  const counter = Buffer.alloc(4);
  counter.writeUInt32BE(draw);
  const digest = createHash('sha256')
    .update(AUDIT_SAMPLE_DOMAIN)
    .update(Uint8Array.of(0))
    .update(jobId)
    .update(Uint8Array.of(0))
    .update(root)
    .update(counter)
    .digest();
  return digest.readBigUInt64BE(0);
}

/** The indices every committee member checks, ascending. */
export function auditSample(jobId: string, root: string, count: number, size: number): number[] {
  const k = Math.min(size, count);
  const pool = Array.from({ length: count }, (_, i) => i);
  for (let i = 0; i < k; i++) {
    const j = i + Number(auditSampleNumber(jobId, root, i) % BigInt(count - i));
    [pool[i], pool[j]] = [pool[j], pool[i]];
  }
  return pool.slice(0, k).sort((a, b) => a - b);
}

/**
 * The agreement tolerance for a score over `sampleSize` outputs: never finer than one output of the sample,
 * so a peer one borderline output away (a float rounding on another CPU) is never an outlier, and never
 * finer than `base`.
 */
export function agreementTolerance(base: number, sampleSize: number): number {
  if (sampleSize <= 0) return base;
  return Math.max(base, 1 / sampleSize + ROUNDING_SLACK);
}
