import { z } from 'zod';
import { BLAZEFACE_ANCHORS } from '../protocol/inference-task';
import { VERIFICATION_LEVELS } from '../sites/site.entity';
import { MAX_INPUTS } from './difficulty';

const optionalLabel = (max: number, label: string) =>
  z
    .string(`${label} must be a string`)
    .max(max, `${label} is longer than ${max} characters`)
    .regex(/^[\x20-\x7e]*$/, `${label} must be printable ASCII`)
    .optional();

export const createChallengeSchema = z.strictObject({
  sitekey: z.string('sitekey must be a string').regex(/^ppk_[A-Za-z0-9_-]{1,60}$/, 'sitekey is not a sitekey'),
  /** What the visitor is doing (reCAPTCHA v3's action); returned by siteverify. */
  action: z
    .string('action must be a string')
    .regex(/^[A-Za-z0-9_./-]{1,64}$/, 'action: 1-64 characters of A-Z a-z 0-9 _ . / -')
    .optional(),
  /** Opaque customer data (Turnstile's cData); returned by siteverify. */
  cdata: optionalLabel(255, 'cdata'),
  /**
   * The level wanted; default the site's. `compute` on a liveness site is the camera-less fallback, given
   * only where the site allows it.
   */
  level: z.enum(VERIFICATION_LEVELS, `level must be one of ${VERIFICATION_LEVELS.join(', ')}`).optional(),
});
export type CreateChallengeDto = z.infer<typeof createChallengeSchema>;

export const challengeIdSchema = z.uuid('not a challenge id');

/**
 * One compact output per input, in index order: [anchor index, score] (docs/protocol.md). Bounded by what
 * any challenge can ask: at most MAX_INPUTS outputs, anchors of the BlazeFace output format, scores in [0, 1].
 */
export const submitSolutionSchema = z.strictObject({
  sitekey: createChallengeSchema.shape.sitekey.optional(),
  outputs: z
    .array(
      z.tuple([
        z
          .number()
          .int('anchor must be an integer')
          .min(0, 'anchor must be at least 0')
          .max(BLAZEFACE_ANCHORS - 1, `anchor must be at most ${BLAZEFACE_ANCHORS - 1}`),
        z.number().finite('score must be a finite number').min(0).max(1),
      ]),
      'outputs must be an array of [anchor, score] pairs',
    )
    .max(MAX_INPUTS, `at most ${MAX_INPUTS} outputs`),
  /** Required for liveness challenges: the attempt that passed (`POST /api/v1/challenges/:id/liveness`). */
  liveness: z.strictObject({ attempt: z.uuid('liveness.attempt must be an attempt id') }).optional(),
});
export type SubmitSolutionDto = z.infer<typeof submitSolutionSchema>;

export type { ChallengeResponseDto, SolutionResultDto, TestChallengeResponseDto } from '../protocol/challenge-wire';
