/**
 * The body of `POST /api/v1/challenges/:id/liveness` (docs/protocol.md, "Liveness attempts"). zod checks
 * types and bounds memory only; the frame limits (FRAME_LIMITS) are checked by frame-structure.ts, which
 * answers each with its own code.
 */
import { z } from 'zod';
import { FRAME_LIMITS } from '../../protocol/liveness-plan';

/** Generous caps so a malformed body is refused before anything is allocated for it. */
const MAX_FRAMES_PARSED = FRAME_LIMITS.maxFramesPerStep * 2;
const MAX_JPEG_CHARS = Math.ceil((FRAME_LIMITS.maxJpegBytes * 2) / 3) * 4;

export const livenessFrameSchema = z.strictObject({
  i: z.int('i must be an integer').min(0, 'i must be at least 0').max(100_000, 'i is too large'),
  t: z.int('t must be an integer (ms)').min(0, 't must be at least 0').max(600_000, 't is too large'),
  jpeg: z
    .string('jpeg must be a base64 string')
    .max(MAX_JPEG_CHARS, 'jpeg is too long')
    .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'jpeg must be base64'),
  mac: z.string('mac must be a string').regex(/^[A-Za-z0-9_-]{43}$/, 'mac must be 43 base64url characters'),
});
export type LivenessFrameDto = z.infer<typeof livenessFrameSchema>;

export const livenessStepSchema = z.union([
  z.strictObject({}),
  z.strictObject({
    attempt: z.uuid('attempt must be an attempt id'),
    step: z.int('step must be an integer').min(0).max(16),
    frames: z.array(livenessFrameSchema, 'frames must be an array').max(MAX_FRAMES_PARSED, 'too many frames'),
  }),
]);
export type LivenessStepDto = z.infer<typeof livenessStepSchema>;
export type LivenessFramesDto = Extract<LivenessStepDto, { attempt: string }>;
