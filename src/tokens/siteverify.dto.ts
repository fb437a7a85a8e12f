import { isIP } from 'node:net';
import { z } from 'zod';
import { MAX_CONSENSUS_WAIT_SECONDS } from '../peers/consensus.service';

/**
 * Error codes: the union of reCAPTCHA's, hCaptcha's and Turnstile's, so existing backends understand them,
 * and `rate-limited`, which they lack.
 */
export const SITEVERIFY_ERROR_CODES = [
  'missing-input-secret',
  'invalid-input-secret',
  'missing-input-response',
  'invalid-input-response',
  'timeout-or-duplicate',
  'already-seen-response',
  'expired-input-response',
  'sitekey-secret-mismatch',
  'bad-request',
  'internal-error',
  // HTTP 429, with Retry-After: the site's siteverify budget, or the caller's for calls without a valid secret.
  'rate-limited',
  // A committee of verifier peers with quorum judged against the service's pass (docs/ledger.md).
  'consensus-rejected',
] as const;
export type SiteverifyErrorCode = (typeof SITEVERIFY_ERROR_CODES)[number];

// Empty strings count as absent, as the anchors treat them.
const optionalString = (max: number, label: string) =>
  z
    .string(`${label} must be a string`)
    .max(max, `${label} is longer than ${max} characters`)
    .optional()
    .transform((value) => (value === undefined || value.trim() === '' ? undefined : value));

/**
 * The fields siteverify reads. Lenient where the anchors are: unknown fields are dropped (libraries send
 * extras), and `remoteip` is advisory, so a bad one never fails the call.
 */
export const siteverifySchema = z.object({
  secret: optionalString(512, 'secret'),
  // Longer responses are answered with invalid-input-response, not bad-request, so allow some room.
  response: z
    .string('response must be a string')
    .max(65536, 'response is far too long')
    .optional()
    .transform((value) => (value === undefined || value.trim() === '' ? undefined : value)),
  remoteip: z.unknown().optional().transform(advisoryRemoteIp),
  sitekey: optionalString(128, 'sitekey'),
  idempotency_key: optionalString(128, 'idempotency_key').refine(
    (value) => value === undefined || /^[\x21-\x7e]+$/.test(value),
    'idempotency_key must be printable ASCII without spaces',
  ),
  /** Seconds to wait for the peer committee reviewing this token's pass (docs/ledger.md, "Liveness reviews"). */
  consensus_wait: z.preprocess(
    (value) => (typeof value === 'string' ? (value.trim() === '' ? undefined : Number(value)) : value),
    z
      .number('consensus_wait must be a number of seconds')
      .finite('consensus_wait must be a number of seconds')
      .min(0, 'consensus_wait must not be negative')
      .max(MAX_CONSENSUS_WAIT_SECONDS, `consensus_wait is at most ${MAX_CONSENSUS_WAIT_SECONDS} seconds`)
      .optional(),
  ),
});
export type SiteverifyRequest = z.infer<typeof siteverifySchema>;

/**
 * siteverify's answer. `action` and `cdata` are `""` on a success whose page set none, as Turnstile's are, so a
 * library that compares the action fails closed. The answers to the anchors' test secrets have the anchor's
 * shape: reCAPTCHA's and hCaptcha's carry no score, level, action or cdata.
 */
export interface SiteverifyResponse {
  success: boolean;
  challenge_ts: string | null;
  hostname: string | null;
  score?: number | null;
  level?: string | null;
  action?: string | null;
  cdata?: string | null;
  'error-codes': SiteverifyErrorCode[];
  /**
   * Only for a token whose pass verifier peers review (a liveness review of its attempt, else an audit of
   * its challenge): `committee` once a committee with quorum decided, with the share of its stake that
   * agreed; `local` while the service's own verdict stands (e.g. `consensus_wait` ran out first).
   */
  consensus?: { source: 'committee' | 'local'; agreeingStake: number };
  /**
   * Only for liveness tokens: the combined liveness score 0..1, the threshold it passed, and the reason
   * codes of the checks (docs/liveness.md), for the site's logs.
   */
  liveness?: { score: number; threshold: number; reasons: string[] };
}

/**
 * The visitor's IP from whatever a backend sent as `remoteip`: an address, the first of an
 * `X-Forwarded-For` list, `ip:port` or `[ipv6]:port`; anything else counts as absent.
 */
export function advisoryRemoteIp(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const first = value.split(',')[0].trim();
  const candidates = [first, first.replace(/^\[(.*)\](:\d+)?$/, '$1'), first.replace(/^([\d.]+):\d+$/, '$1')];
  return candidates.find((candidate) => candidate.length <= 64 && isIP(candidate) !== 0);
}

export function failedVerification(codes: SiteverifyErrorCode[]): SiteverifyResponse {
  return {
    success: false,
    challenge_ts: null,
    hostname: null,
    score: null,
    level: null,
    action: null,
    cdata: null,
    'error-codes': codes,
  };
}
