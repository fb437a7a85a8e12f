import { z } from 'zod';
import type { ProxyTrust } from '../edge/proxy-trust';
import { parseTrustProxy } from '../edge/proxy-trust';
import { integer } from './env-values';

/** The HTTP edge: where the service listens, and what it accepts before any request reaches a handler. */
export interface HttpConfig {
  host: string;
  port: number;
  publicUrl: string;
  trustProxy: ProxyTrust;
  bodyLimits: BodyLimits;
  timeouts: HttpTimeouts;
  connections: ConnectionLimits;
}

/** Largest request body per route family; checked against Content-Length before a byte of the body is read. */
export interface BodyLimits {
  /** Every route without a limit of its own. */
  defaultBytes: number;
  /** `POST /api/v1/challenges/:id/solution` (outputs, and liveness v1 evidence). */
  solutionBytes: number;
  /** `POST /api/v1/challenges/:id/liveness` (one liveness step's frames). */
  livenessStepBytes: number;
}

export interface HttpTimeouts {
  /** From the connection (or the end of the previous request) until every request header has arrived. */
  headersMs: number;
  /** From the first byte until the whole request, body included, has arrived. */
  requestMs: number;
  /** A socket with no bytes moving either way is closed (a slow reader, or a stuck client). */
  idleMs: number;
  /** How long a kept-alive connection may wait for its next request. */
  keepAliveMs: number;
}

export interface ConnectionLimits {
  /** Open connections in all; null = derived at start-up from the process's open-file limit. */
  max: number | null;
  /** Open connections per client address (an IPv6 /64), trusted proxies excepted; 0 = no cap. */
  perIp: number;
}

/** Requests per minute; 0 switches a limit off. */
export interface RateLimitConfig {
  /** Per client address and endpoint group (challenges, peers, demo, and any route not named below). */
  perMinute: number;
  /** Per client address: the public ledger's entries, proofs and balances. */
  ledgerPerMinute: number;
  /** Per client address: model files, torrents and the signed manifest. */
  modelsPerMinute: number;
  /** Per client address: `/metrics`. */
  metricsPerMinute: number;
  /** Per site (the secret's site): siteverify calls that name a valid secret. */
  siteverifyPerSitePerMinute: number;
  /** Per client address: siteverify calls without a valid secret (missing, unknown, test secrets, malformed). */
  siteverifyPerIpPerMinute: number;
}

const MIB = 1024 * 1024;
const bodyLimit = (fallback: number) => integer(1024, 16 * MIB).default(fallback);
const perMinute = (fallback: number) => integer(0, 1_000_000).default(fallback);

/**
 * A peer's job poll holds its request open for up to 30 s with no bytes moving (src/peers/peers.dto.ts),
 * so the idle timeout must be longer.
 */
const LONGEST_QUIET_REQUEST_MS = 30_000;

/** The edge's environment variables, merged into the one schema of src/config/app-config.ts. */
export const edgeEnvShape = {
  TRUST_PROXY: z
    .string()
    .optional()
    .transform((value, context) => {
      const parsed = parseTrustProxy(value);
      if ('trust' in parsed) return parsed.trust;
      for (const message of parsed.problems) context.addIssue({ code: 'custom', message });
      return z.NEVER;
    }),
  BODY_LIMIT_BYTES: bodyLimit(64 * 1024),
  // The largest liveness v1 solution the widget can send (10 crops at the 48 KiB cap, 600 frame summaries,
  // 4,096 outputs) is about 870 kB; a 1 MB body is refused.
  SOLUTION_BODY_LIMIT_BYTES: bodyLimit(896 * 1024),
  // One liveness v2 step may carry the attempt's whole JPEG budget (600 kB, FRAME_LIMITS.maxAttemptBytes):
  // 800 kB in base64, plus the JSON of at most 60 frames (indices, times, MACs) well under 10 kB.
  LIVENESS_STEP_BODY_LIMIT_BYTES: bodyLimit(810_000),
  HEADERS_TIMEOUT_MS: integer(500, 600_000).default(10_000),
  REQUEST_TIMEOUT_MS: integer(500, 3_600_000).default(30_000),
  IDLE_TIMEOUT_MS: integer(LONGEST_QUIET_REQUEST_MS + 5_000, 3_600_000).default(60_000),
  KEEP_ALIVE_TIMEOUT_MS: integer(500, 600_000).default(5_000),
  MAX_CONNECTIONS: integer(16, 10_000_000).optional(),
  MAX_CONNECTIONS_PER_IP: integer(0, 10_000_000).default(128),
  RATE_LIMIT_PER_MINUTE: perMinute(600),
  LEDGER_RATE_LIMIT_PER_MINUTE: perMinute(600),
  MODELS_RATE_LIMIT_PER_MINUTE: perMinute(600),
  METRICS_RATE_LIMIT_PER_MINUTE: perMinute(60),
  SITEVERIFY_SITE_RATE_LIMIT_PER_MINUTE: perMinute(6_000),
  SITEVERIFY_IP_RATE_LIMIT_PER_MINUTE: perMinute(3_000),
};

type EdgeEnv = z.output<z.ZodObject<typeof edgeEnvShape>>;

/** Rules between variables, once each one is valid on its own. */
export function edgeEnvProblems(e: EdgeEnv): string[] {
  const problems: string[] = [];
  if (e.HEADERS_TIMEOUT_MS > e.REQUEST_TIMEOUT_MS) {
    problems.push(
      `HEADERS_TIMEOUT_MS: ${e.HEADERS_TIMEOUT_MS} is longer than REQUEST_TIMEOUT_MS (${e.REQUEST_TIMEOUT_MS}), ` +
        'which covers the headers too',
    );
  }
  return problems;
}

export function edgeConfigFrom(
  e: EdgeEnv,
  listen: Pick<HttpConfig, 'host' | 'port' | 'publicUrl'>,
): { http: HttpConfig; rateLimit: RateLimitConfig } {
  return {
    http: {
      ...listen,
      trustProxy: e.TRUST_PROXY,
      bodyLimits: {
        defaultBytes: e.BODY_LIMIT_BYTES,
        solutionBytes: e.SOLUTION_BODY_LIMIT_BYTES,
        livenessStepBytes: e.LIVENESS_STEP_BODY_LIMIT_BYTES,
      },
      timeouts: {
        headersMs: e.HEADERS_TIMEOUT_MS,
        requestMs: e.REQUEST_TIMEOUT_MS,
        idleMs: e.IDLE_TIMEOUT_MS,
        keepAliveMs: e.KEEP_ALIVE_TIMEOUT_MS,
      },
      connections: { max: e.MAX_CONNECTIONS ?? null, perIp: e.MAX_CONNECTIONS_PER_IP },
    },
    rateLimit: {
      perMinute: e.RATE_LIMIT_PER_MINUTE,
      ledgerPerMinute: e.LEDGER_RATE_LIMIT_PER_MINUTE,
      modelsPerMinute: e.MODELS_RATE_LIMIT_PER_MINUTE,
      metricsPerMinute: e.METRICS_RATE_LIMIT_PER_MINUTE,
      siteverifyPerSitePerMinute: e.SITEVERIFY_SITE_RATE_LIMIT_PER_MINUTE,
      siteverifyPerIpPerMinute: e.SITEVERIFY_IP_RATE_LIMIT_PER_MINUTE,
    },
  };
}
