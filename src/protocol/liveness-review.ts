/**
 * The `liveness-review` job (docs/ledger.md, "Liveness reviews"): a committee of peers runs the service's
 * own liveness verifier, with the models they got by torrent, on one attempt's frames. The job's open part
 * carries the settings the verdict depends on; the frames and the attempt seed travel in a sealed box
 * (sealed-box.ts) that only the committee's members open. Shared by the service and the peer.
 */
import { z } from 'zod';
import { FRAME_LIMITS } from './liveness-plan';
import { SEALED_BOX_ALGORITHM } from './sealed-box';

export const LIVENESS_REVIEW_KIND = 'liveness-review';
export const LIVENESS_REVIEW_VERSION = 1;

/** A review's verdict is binary: 1 the attempt passes, 0 it fails; the reasons say which checks failed. */
export const REVIEW_PASS = 1;
export const REVIEW_FAIL = 0;

const BASE64URL = /^[A-Za-z0-9_-]*$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const MAX_STEPS = 8;

const wrappedKeySchema = z.object({
  iv: z.string().regex(BASE64URL).length(16),
  key: z.string().regex(BASE64URL).length(64),
});

/** What one member receives of the sealed box. */
export const sealedForSchema = z.object({
  alg: z.literal(SEALED_BOX_ALGORITHM),
  epk: z.string().regex(BASE64URL).length(43),
  iv: z.string().regex(BASE64URL).length(16),
  ciphertext: z.string().regex(BASE64URL).max(4_000_000),
  wrapped: wrappedKeySchema,
});

/** The job's evidence as a member reads it: the settings in the open, the frames sealed for it. */
export const livenessReviewEvidenceSchema = z.object({
  version: z.literal(LIVENESS_REVIEW_VERSION),
  attempt: z.uuid(),
  threshold: z.number().min(0).max(1),
  endOnFailure: z.boolean(),
  passive: z.object({
    enabled: z.boolean(),
    antiSpoofThreshold: z.number().min(0).max(1),
    antiSpoofVeto: z.boolean(),
    deepfakeThreshold: z.number().min(0).max(1),
    deepfakeVeto: z.boolean(),
  }),
  sealed: sealedForSchema,
});
export type LivenessReviewEvidence = z.infer<typeof livenessReviewEvidenceSchema>;
export type LivenessReviewSettings = Omit<LivenessReviewEvidence, 'sealed'>;

const reviewFrameSchema = z.object({
  i: z.number().int().min(0),
  t: z.number().min(0),
  width: z.number().int().min(FRAME_LIMITS.minSide).max(FRAME_LIMITS.maxSide),
  height: z.number().int().min(FRAME_LIMITS.minSide).max(FRAME_LIMITS.maxSide),
  /** The JPEG as the visitor sent it, base64. */
  jpeg: z
    .string()
    .regex(BASE64)
    .max(Math.ceil(FRAME_LIMITS.maxJpegBytes / 3) * 4),
});
export type ReviewFrame = z.infer<typeof reviewFrameSchema>;

/** What the sealed box holds: the attempt's seed (its plan derives from it) and each analysed step's frames. */
export const sealedAttemptSchema = z.object({
  seed: z.string().regex(/^[0-9a-f]{32}$/),
  steps: z
    .array(
      z.object({
        index: z.number().int().min(0).max(MAX_STEPS),
        frames: z.array(reviewFrameSchema).min(1).max(FRAME_LIMITS.maxFramesPerStep),
      }),
    )
    .min(1)
    .max(MAX_STEPS),
});
export type SealedAttempt = z.infer<typeof sealedAttemptSchema>;

/** The box's context: a box sealed for one job never opens as another's. */
export function reviewContext(jobId: string): string {
  return `${LIVENESS_REVIEW_KIND}:${jobId}`;
}
