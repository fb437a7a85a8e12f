import { z } from 'zod';
import type { SiteEntity } from './site.entity';
import { DIFFICULTIES, VERIFICATION_LEVELS } from './site.entity';
import { MAX_HOSTNAMES_PER_SITE, normalizeHostnamePattern } from './hostname-pattern';

const hostnames = z
  .array(z.string().max(253))
  .min(1, 'at least one hostname is required')
  .max(MAX_HOSTNAMES_PER_SITE, `at most ${MAX_HOSTNAMES_PER_SITE} hostnames`)
  .transform((values, ctx) => {
    const normalized: string[] = [];
    for (const value of values) {
      try {
        normalized.push(normalizeHostnamePattern(value));
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    }
    return [...new Set(normalized)];
  });

const name = z.string().trim().min(1, 'must not be empty').max(200, 'at most 200 characters');
const level = z.enum(VERIFICATION_LEVELS);
const scoreThreshold = z.number().finite().min(0).max(1);
const difficulty = z.enum(DIFFICULTIES);
/** null: the service's LIVENESS_THRESHOLD. */
const livenessThreshold = z.number().finite().min(0).max(1).nullable();
const livenessFallback = z.boolean();
/** Levels whose passes a peer committee reviews (docs/ledger.md, "Liveness reviews"). */
const reviewLevels = z
  .array(level)
  .max(VERIFICATION_LEVELS.length)
  .transform((levels) => [...new Set(levels)].sort());

export const createSiteSchema = z.strictObject({
  name: name.optional(),
  hostnames,
  level: level.default('compute'),
  scoreThreshold: scoreThreshold.default(0.5),
  difficulty: difficulty.default('normal'),
  livenessThreshold: livenessThreshold.default(null),
  livenessFallback: livenessFallback.default(false),
  reviewLevels: reviewLevels.default([]),
});
export type CreateSiteDto = z.infer<typeof createSiteSchema>;

export const updateSiteSchema = z
  .strictObject({
    name: name.optional(),
    hostnames: hostnames.optional(),
    level: level.optional(),
    scoreThreshold: scoreThreshold.optional(),
    difficulty: difficulty.optional(),
    livenessThreshold: livenessThreshold.optional(),
    livenessFallback: livenessFallback.optional(),
    reviewLevels: reviewLevels.optional(),
  })
  .refine((patch) => Object.keys(patch).length > 0, 'nothing to update');
export type UpdateSiteDto = z.infer<typeof updateSiteSchema>;

export const rotateSecretSchema = z.strictObject({
  /** Revoke the old secret now instead of after the grace period (for a leaked secret). */
  invalidatePrevious: z.boolean().default(false),
});
export type RotateSecretDto = z.infer<typeof rotateSecretSchema>;

export const sitekeyParamSchema = z.string().regex(/^ppk_[A-Za-z0-9_-]{1,60}$/, 'not a sitekey');

export interface SiteResponseDto {
  sitekey: string;
  name: string;
  hostnames: string[];
  level: string;
  scoreThreshold: number;
  difficulty: string;
  livenessThreshold: number | null;
  livenessFallback: boolean;
  reviewLevels: string[];
  createdAt: string;
  updatedAt: string;
  previousSecretValidUntil: string | null;
}

export interface SiteWithSecretDto extends SiteResponseDto {
  /** Shown only here: the service keeps just its hash. */
  secret: string;
}

export function toSiteResponse(site: SiteEntity, nowMs: number): SiteResponseDto {
  const graceActive = site.previousSecretExpiresAt !== null && site.previousSecretExpiresAt > nowMs;
  return {
    sitekey: site.sitekey,
    name: site.name,
    hostnames: site.hostnames,
    level: site.level,
    scoreThreshold: site.scoreThreshold,
    difficulty: site.difficulty,
    livenessThreshold: site.livenessThreshold,
    livenessFallback: site.livenessFallback,
    reviewLevels: site.reviewLevels,
    createdAt: new Date(site.createdAt).toISOString(),
    updatedAt: new Date(site.updatedAt).toISOString(),
    previousSecretValidUntil: graceActive ? new Date(site.previousSecretExpiresAt!).toISOString() : null,
  };
}
