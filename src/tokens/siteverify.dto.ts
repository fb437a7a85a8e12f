import { isIP } from 'node:net';
import { z } from 'zod';

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
] as const;
export type SiteverifyErrorCode = (typeof SITEVERIFY_ERROR_CODES)[number];

// Empty strings count as absent, as the anchors treat them.
const optionalString = (max: number, label: string) =>
  z
    .string(`${label} must be a string`)
    .max(max, `${label} is longer than ${max} characters`)
    .optional()
    .transform((value) => (value === undefined || value.trim() === '' ? undefined : value));

export const siteverifySchema = z.strictObject({
  secret: optionalString(512, 'secret'),
  // Longer responses are answered with invalid-input-response, not bad-request, so allow some room.
  response: z
    .string('response must be a string')
    .max(65536, 'response is far too long')
    .optional()
    .transform((value) => (value === undefined || value.trim() === '' ? undefined : value)),
  remoteip: optionalString(64, 'remoteip').refine(
    (value) => value === undefined || isIP(value) !== 0,
    'remoteip must be an IPv4 or IPv6 address',
  ),
  sitekey: optionalString(128, 'sitekey'),
  idempotency_key: optionalString(128, 'idempotency_key').refine(
    (value) => value === undefined || /^[\x21-\x7e]+$/.test(value),
    'idempotency_key must be printable ASCII without spaces',
  ),
});
export type SiteverifyRequest = z.infer<typeof siteverifySchema>;

export interface SiteverifyResponse {
  success: boolean;
  challenge_ts: string | null;
  hostname: string | null;
  score: number | null;
  level: string | null;
  action: string | null;
  cdata: string | null;
  'error-codes': SiteverifyErrorCode[];
  /**
   * Only for a token whose challenge verifier peers audited: `committee` once a committee with quorum
   * decided, with the share of its stake that agreed; `local` while the service's own verdict stands.
   */
  consensus?: { source: 'committee' | 'local'; agreeingStake: number };
  /**
   * Only for liveness tokens: the combined liveness score 0..1, the threshold it passed, and the reason
   * codes of the checks (docs/liveness.md), for the site's logs.
   */
  liveness?: { score: number; threshold: number; reasons: string[] };
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
