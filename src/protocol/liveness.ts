/**
 * The liveness script and the evidence format (docs/liveness.md). Pure TypeScript, shared by the widget
 * (which plays the script and captures the evidence) and the service (which recomputes the script from the
 * challenge's nonce and checks the evidence against it). No Node, no DOM. The script itself lives in
 * liveness-script.ts (zod-free, for the widget's chunk); this module adds the evidence schema.
 */
import { z } from 'zod';
import { SEED_PATTERN } from './prng';
import { EVIDENCE_LIMITS, LIVENESS_VERSION } from './liveness-script';

export * from './liveness-script';

const unit = z.number().min(0).max(1);
const angle = z.number().min(-180).max(180);
const ms = z.number().int().min(0).max(EVIDENCE_LIMITS.maxDurationMs);

/** A face box in normalised coordinates of the image it was found in (top-left origin). */
export const faceBoxSchema = z.object({ x: unit, y: unit, w: unit.positive(), h: unit.positive() }).strict();

export const frameSummarySchema = z
  .object({
    t: ms,
    /** Degrees; positive yaw = the person turns to their own left (see docs/liveness.md). */
    yaw: angle,
    /** Degrees; positive pitch = looking up. */
    pitch: angle,
    roll: angle,
    /** Blendshape scores 0..1 (MediaPipe eyeBlink mean, mouthSmile mean, jawOpen). */
    blink: unit,
    smile: unit,
    jawOpen: unit,
    /** The face box in the video frame, normalised to its width and height. */
    box: faceBoxSchema,
  })
  .strict();

// Base64 of at most maxCropBytes bytes: 4 characters per 3 bytes, rounded up.
const maxBase64 = Math.ceil(EVIDENCE_LIMITS.maxCropBytes / 3) * 4;

export const cropSchema = z
  .object({
    t: ms,
    flashIndex: z.number().int().min(0).max(7).nullable(),
    width: z.number().int().min(EVIDENCE_LIMITS.minCropSide).max(EVIDENCE_LIMITS.maxCropSide),
    height: z.number().int().min(EVIDENCE_LIMITS.minCropSide).max(EVIDENCE_LIMITS.maxCropSide),
    /** The face box inside this crop, normalised to the crop, as the client's landmarker saw it. */
    box: faceBoxSchema,
    jpeg: z
      .string()
      .max(maxBase64)
      .regex(/^[A-Za-z0-9+/]+={0,2}$/, 'must be base64'),
  })
  .strict();

export const livenessEvidenceSchema = z
  .object({
    version: z.literal(LIVENESS_VERSION),
    nonce: z.string().regex(SEED_PATTERN),
    frames: z.array(frameSummarySchema).min(EVIDENCE_LIMITS.minFrames).max(EVIDENCE_LIMITS.maxFrames),
    crops: z.array(cropSchema).min(1).max(EVIDENCE_LIMITS.maxCrops),
  })
  .strict();

export type FaceBox = z.infer<typeof faceBoxSchema>;
export type FrameSummary = z.infer<typeof frameSummarySchema>;
export type LivenessCrop = z.infer<typeof cropSchema>;
export type LivenessEvidence = z.infer<typeof livenessEvidenceSchema>;
