import { z } from 'zod';
import { commitmentSchema, saltSchema, verdictSchema } from '../protocol/peer-protocol';

const sha256List = z
  .array(z.string().regex(/^[0-9a-f]{64}$/, 'models must be sha256 hex (64 lowercase hex characters)'))
  .max(64);

export const registerSchema = z.strictObject({ models: sha256List.optional() });
export type RegisterDto = z.infer<typeof registerSchema>;

export const heartbeatSchema = z.strictObject({ models: sha256List });
export type HeartbeatDto = z.infer<typeof heartbeatSchema>;

export const pollSchema = z.strictObject({
  wait: z.coerce.number('wait must be a number of seconds').int('wait must be whole seconds').min(0).max(30).default(0),
});
export type PollDto = z.infer<typeof pollSchema>;

export const jobIdSchema = z.uuid('not a job id');

export const commitSchema = z.strictObject({ commitment: commitmentSchema });
export type CommitDto = z.infer<typeof commitSchema>;

export const revealSchema = z.strictObject({ verdict: verdictSchema, salt: saltSchema });
export type RevealDto = z.infer<typeof revealSchema>;

export const stakeAmountSchema = z.strictObject({
  amount: z.number('amount must be a number').int('amount must be a whole number').min(1).max(1e12),
});
export type StakeAmountDto = z.infer<typeof stakeAmountSchema>;

/** A peer as anyone may see it at GET /api/v1/peers. */
export interface PeerDto {
  id: string;
  publicKey: string;
  models: string[];
  registeredAt: string;
  lastSeenAt: string;
  jobsAnswered: number;
}

/** A job waiting for this peer: its commit, or its reveal once commits have closed. */
export interface PendingJobDto {
  id: string;
  kind: string;
  phase: 'commit' | 'reveal';
  models: string[];
  commitDeadline: string;
  revealDeadline: string | null;
}

/**
 * A job's committee draw; `drawn: false` for an open committee, taken while nobody had stake. `service` is
 * the service's own seat (weight and verdict) when fewer than the committee size were eligible.
 */
export interface CommitteeDto {
  id: string;
  drawn: boolean;
  headSize: number | null;
  headRoot: string | null;
  candidates: string[];
  members: Array<{ peer: string; stake: number }>;
  service: { peer: 'service'; stake: number; score: number } | null;
}

export interface EvidenceDto {
  id: string;
  kind: string;
  models: string[];
  evidence: Record<string, unknown>;
  commitDeadline: string;
}

/** A witness's co-signature of a signed head it checked (src/protocol/witness.ts). */
export const cosignSchema = z.strictObject({
  size: z.number('size must be a number').int('size must be a whole number').min(1).max(Number.MAX_SAFE_INTEGER),
  root: z.string().regex(/^[0-9a-f]{64}$/, 'root must be sha256 hex (64 lowercase hex characters)'),
  timestamp: z.number('timestamp must be a number').int().min(0).max(Number.MAX_SAFE_INTEGER),
  signature: z.string().regex(/^[A-Za-z0-9_-]{86}$/, 'signature must be a base64url Ed25519 signature'),
});
export type CosignDto = z.infer<typeof cosignSchema>;
