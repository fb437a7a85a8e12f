import * as path from 'node:path';
import { z } from 'zod';
import type { LivenessConfig } from '../liveness/liveness-config';
import { DEFAULT_LIVENESS_CONFIG } from '../liveness/liveness-config';
import type { PassiveConfig } from '../liveness/passive/passive-config';
import { passiveVetoProblems } from '../liveness/passive/passive-config';
import type { HttpConfig, RateLimitConfig } from './edge-config';
import { edgeConfigFrom, edgeEnvProblems, edgeEnvShape } from './edge-config';
import { boolean, fraction, httpUrl, integer } from './env-values';

export const APP_CONFIG = Symbol('APP_CONFIG');

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug';

export type DatabaseConfig = { type: 'sqlite'; path: string } | { type: 'postgres'; url: string };

export type InferenceDevice = 'cpu' | 'cuda';

export interface AppConfig {
  /** The HTTP edge: listening, proxies, body limits, timeouts, connection caps (src/config/edge-config.ts). */
  http: HttpConfig;
  database: DatabaseConfig;
  dataDir: string;
  modelsDir: string;
  /** The built widget (`npm run build:widget`), served under /widget/. */
  widgetDir: string;
  inference: { device: InferenceDevice };
  adminToken: string | null;
  logLevel: LogLevel;
  tokens: { ttlSeconds: number };
  challenges: { ttlSeconds: number; spotChecks: number };
  sites: { secretRotationGraceSeconds: number };
  rateLimit: RateLimitConfig;
  demoSite: boolean;
  torrent: TorrentConfig;
  peers: PeersConfig;
  ledger: LedgerConfig;
  liveness: LivenessConfig;
  retention: RetentionConfig;
}

/**
 * How long rows outlive their use (README, "Retention"); the housekeeping pass deletes the rest at start-up
 * and then every `intervalSeconds`. The ledger is never deleted; sites live until an operator deletes them.
 */
export interface RetentionConfig {
  /** Challenges, after they expire. */
  challengesSeconds: number;
  /** Tokens (and the idempotency keys of their redemptions), after they expire. */
  tokensSeconds: number;
  /** Final jobs and their assignments, after finalization. */
  jobsSeconds: number;
  /** Peers not seen for this long that have no job left. */
  peersSeconds: number;
  /** Witnesses' co-signatures, after they arrive; those of the latest witnessed head always stay. */
  cosignaturesSeconds: number;
  intervalSeconds: number;
}

/** Stake, committees drawn from it, and what a committee's verdict pays or costs (docs/ledger.md). */
export interface LedgerConfig {
  /** Bonded stake a peer needs to be drawn onto a committee. */
  minStake: number;
  /** How long unbonded stake stays slashable before it can be withdrawn. */
  unbondDelaySeconds: number;
  /** Units shared by the peers that agree with a committee's verdict, in proportion to stake. */
  rewardPerJob: number;
  /** Fraction of stake slashed from a peer whose revealed score is an outlier. */
  outlierSlash: number;
  /** Fraction of stake slashed from a committee member that committed but never revealed (or never committed). */
  absentSlash: number;
}

/** Verifier peers and their jobs (docs/peers.md, "Jobs"). */
export interface PeersConfig {
  /** How long assigned peers have to commit, from assignment (and again after a reassignment). */
  commitSeconds: number;
  /** How long committed peers have to reveal, from the moment commits close. */
  revealSeconds: number;
  /** Rounds of reassignment for a job whose peers miss the commit deadline. */
  jobRetries: number;
  /** At most this many peers on one job. */
  committeeSize: number;
  /** A peer counts as present when its last signed request is this recent. */
  activeSeconds: number;
  /** Fraction of solved proof-of-inference challenges audited by peers (none while no peer is present). */
  auditRate: number;
  /** Whether the service's own verifier sits on committees that drew fewer than committeeSize peers. */
  serviceSeat: boolean;
  /** Fraction of audits that are canaries: the service planted faults and knows the right score. */
  canaryRate: number;
  /** A pause of the service longer than this is given back to open deadlines; 0 = never. */
  stallGraceSeconds: number;
  /**
   * Who counts as present for jobs: `stake`, peers with LEDGER_MIN_STAKE bonded or listed in `granted`
   * (registering alone costs nothing, so it admits nobody); `open`, every registered peer (closed networks).
   */
  admission: PeerAdmission;
  /** Peers the operator admits without stake (PEER_GRANTED). */
  granted: string[];
}

export const PEER_ADMISSIONS = ['stake', 'open'] as const;
export type PeerAdmission = (typeof PEER_ADMISSIONS)[number];

/** How the service seeds its models over BitTorrent (docs/peers.md). */
export interface TorrentConfig {
  enabled: boolean;
  /** TCP port for peer connections; 0 = any free port. */
  port: number;
  dht: boolean;
  lsd: boolean;
  /** Announce URLs, in the order given; none by default. */
  trackers: string[];
}

/** Thrown when the environment cannot be turned into a config; lists every bad variable at once. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug'] as const;
const INFERENCE_DEVICES = ['cpu', 'cuda'] as const;

const envSchema = z.object({
  PORT: integer(0, 65535).default(8080),
  HOST: z.string().trim().min(1, 'must not be empty').default('0.0.0.0'),
  PUBLIC_URL: httpUrl.optional(),
  DATABASE_URL: z.string().trim().min(1, 'must not be empty').optional(),
  DATA_DIR: z.string().trim().min(1, 'must not be empty').default('./data'),
  MODELS_DIR: z.string().trim().min(1, 'must not be empty').optional(),
  WIDGET_DIR: z.string().trim().min(1, 'must not be empty').optional(),
  INFERENCE_DEVICE: z.enum(INFERENCE_DEVICES, `must be one of ${INFERENCE_DEVICES.join(', ')}`).default('cpu'),
  ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters (or unset to disable the admin API)').optional(),
  LOG_LEVEL: z.enum(LOG_LEVELS, `must be one of ${LOG_LEVELS.join(', ')}`).default('info'),
  TOKEN_TTL_SECONDS: integer(10, 3600).default(300),
  CHALLENGE_TTL_SECONDS: integer(10, 3600).default(300),
  INFERENCE_SPOT_CHECKS: integer(1, 64).default(8),
  SECRET_ROTATION_GRACE_SECONDS: integer(0, 7 * 24 * 3600).default(7200),
  ...edgeEnvShape,
  DEMO_SITE: boolean.optional(),
  TORRENT_ENABLED: boolean.default(true),
  TORRENT_PORT: integer(0, 65535).default(6881),
  TORRENT_DHT: boolean.default(true),
  TORRENT_LSD: boolean.default(true),
  TORRENT_TRACKERS: z.string().default('').transform(announceUrls),
  PEER_COMMIT_SECONDS: integer(1, 3600).default(60),
  PEER_REVEAL_SECONDS: integer(1, 3600).default(60),
  PEER_JOB_RETRIES: integer(0, 10).default(2),
  PEER_COMMITTEE_SIZE: integer(1, 64).default(3),
  PEER_ACTIVE_SECONDS: integer(10, 24 * 3600).default(300),
  PEER_AUDIT_RATE: fraction.default(1),
  PEER_SERVICE_SEAT: boolean.default(true),
  PEER_CANARY_RATE: fraction.default(0.1),
  PEER_STALL_GRACE_SECONDS: integer(0, 600).default(2),
  PEER_ADMISSION: z.enum(PEER_ADMISSIONS, `must be one of ${PEER_ADMISSIONS.join(', ')}`).default('stake'),
  PEER_GRANTED: z.string().default('').transform(peerIds),
  LEDGER_MIN_STAKE: integer(1, 1e12).default(100),
  LEDGER_UNBOND_DELAY_SECONDS: integer(1, 365 * 24 * 3600).default(7 * 24 * 3600),
  LEDGER_REWARD_PER_JOB: integer(0, 1e9).default(10),
  LEDGER_OUTLIER_SLASH: fraction.default(0.1),
  LEDGER_ABSENT_SLASH: fraction.default(0.02),
  LIVENESS_THRESHOLD: fraction.default(DEFAULT_LIVENESS_CONFIG.threshold),
  LIVENESS_PASSIVE_CHECKS: boolean.default(DEFAULT_LIVENESS_CONFIG.passiveChecks),
  LIVENESS_END_ON_FAILURE: boolean.default(DEFAULT_LIVENESS_CONFIG.endOnFailure),
  LIVENESS_ANTISPOOF_THRESHOLD: fraction.default(DEFAULT_LIVENESS_CONFIG.passive.antiSpoofThreshold),
  LIVENESS_ANTISPOOF_VETO: boolean.default(DEFAULT_LIVENESS_CONFIG.passive.antiSpoofVeto),
  LIVENESS_DEEPFAKE_THRESHOLD: fraction.default(DEFAULT_LIVENESS_CONFIG.passive.deepfakeThreshold),
  LIVENESS_DEEPFAKE_VETO: boolean.default(DEFAULT_LIVENESS_CONFIG.passive.deepfakeVeto),
  CHALLENGE_RETENTION_SECONDS: integer(0, 365 * 24 * 3600).default(24 * 3600),
  TOKEN_RETENTION_SECONDS: integer(0, 365 * 24 * 3600).default(24 * 3600),
  JOB_RETENTION_SECONDS: integer(3600, 10 * 365 * 24 * 3600).default(30 * 24 * 3600),
  PEER_RETENTION_SECONDS: integer(24 * 3600, 10 * 365 * 24 * 3600).default(30 * 24 * 3600),
  COSIGNATURE_RETENTION_SECONDS: integer(3600, 10 * 365 * 24 * 3600).default(30 * 24 * 3600),
  HOUSEKEEPING_INTERVAL_SECONDS: integer(1, 24 * 3600).default(600),
  NODE_ENV: z.string().optional(),
});

/** Comma-separated peer ids (Ed25519 public keys, 43 base64url characters); each bad one is reported. */
function peerIds(value: string, context: z.RefinementCtx): string[] {
  const ids = value
    .split(',')
    .map((id) => id.trim())
    .filter((id) => id !== '');
  for (const id of ids) {
    if (!/^[A-Za-z0-9_-]{43}$/.test(id)) context.addIssue({ code: 'custom', message: `${id} is not a peer id` });
  }
  return [...new Set(ids)];
}

/** Comma-separated tracker announce URLs (http, https, udp, ws, wss); each bad one is reported. */
function announceUrls(value: string, context: z.RefinementCtx): string[] {
  const urls = value
    .split(',')
    .map((url) => url.trim())
    .filter((url) => url !== '');
  for (const url of urls) {
    if (!isAnnounceUrl(url))
      context.addIssue({ code: 'custom', message: `${url} is not an http(s), udp or ws(s) URL` });
  }
  return urls;
}

function isAnnounceUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return ['http:', 'https:', 'udp:', 'ws:', 'wss:'].includes(parsed.protocol) && parsed.hostname !== '';
  } catch {
    return false;
  }
}

export function parseDatabaseUrl(url: string | undefined, dataDir: string): DatabaseConfig {
  if (url === undefined) return { type: 'sqlite', path: path.join(dataDir, 'peerproof.sqlite') };
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (file.length === 0) throw new Error('sqlite: needs a file path, or :memory:');
    return { type: 'sqlite', path: file };
  }
  if (/^postgres(ql)?:\/\//.test(url)) {
    let hostname = '';
    try {
      hostname = new URL(url).hostname;
    } catch {
      // reported below
    }
    if (hostname === '') throw new Error('is not a valid postgres:// URL (postgres://user:pass@host:5432/db)');
    return { type: 'postgres', url };
  }
  throw new Error('must be sqlite:PATH or postgres://user:pass@host:port/db');
}

function passiveConfig(e: z.infer<typeof envSchema>): PassiveConfig {
  return {
    antiSpoofThreshold: e.LIVENESS_ANTISPOOF_THRESHOLD,
    antiSpoofVeto: e.LIVENESS_ANTISPOOF_VETO,
    deepfakeThreshold: e.LIVENESS_DEEPFAKE_THRESHOLD,
    deepfakeVeto: e.LIVENESS_DEEPFAKE_VETO,
  };
}

/**
 * Builds the typed config from environment variables. Empty strings count as unset so that
 * `PORT=` in an env file falls back to the default instead of failing.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, home = process.cwd()): AppConfig {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(present);
  const problems: string[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(`${String(issue.path[0])}: ${issue.message}`);
  }
  let database: DatabaseConfig | undefined;
  const dataDir = path.resolve(parsed.data?.DATA_DIR ?? './data');
  // One problem per variable: a DATABASE_URL the schema rejected (e.g. blank) is not parsed again.
  if (!problems.some((problem) => problem.startsWith('DATABASE_URL:'))) {
    try {
      database = parseDatabaseUrl(parsed.data?.DATABASE_URL ?? (present.DATABASE_URL as string | undefined), dataDir);
    } catch (error) {
      problems.push(`DATABASE_URL: ${(error as Error).message}`);
    }
  }
  const passive = parsed.success ? passiveConfig(parsed.data) : undefined;
  if (passive) problems.push(...passiveVetoProblems(passive));
  if (parsed.success) problems.push(...edgeEnvProblems(parsed.data));
  if (problems.length > 0 || !parsed.success || !database || !passive) throw new ConfigError(problems);

  const e = parsed.data;
  const publicHost = e.HOST === '0.0.0.0' || e.HOST === '::' ? 'localhost' : e.HOST;
  return {
    ...edgeConfigFrom(e, { host: e.HOST, port: e.PORT, publicUrl: e.PUBLIC_URL ?? `http://${publicHost}:${e.PORT}` }),
    database,
    dataDir,
    modelsDir: path.resolve(e.MODELS_DIR ?? path.join(home, 'models')),
    widgetDir: path.resolve(e.WIDGET_DIR ?? path.join(home, 'widget', 'dist')),
    inference: { device: e.INFERENCE_DEVICE },
    adminToken: e.ADMIN_TOKEN ?? null,
    logLevel: e.LOG_LEVEL,
    tokens: { ttlSeconds: e.TOKEN_TTL_SECONDS },
    challenges: { ttlSeconds: e.CHALLENGE_TTL_SECONDS, spotChecks: e.INFERENCE_SPOT_CHECKS },
    sites: { secretRotationGraceSeconds: e.SECRET_ROTATION_GRACE_SECONDS },
    demoSite: e.DEMO_SITE ?? e.NODE_ENV !== 'production',
    torrent: {
      enabled: e.TORRENT_ENABLED,
      port: e.TORRENT_PORT,
      dht: e.TORRENT_DHT,
      lsd: e.TORRENT_LSD,
      trackers: e.TORRENT_TRACKERS,
    },
    peers: {
      commitSeconds: e.PEER_COMMIT_SECONDS,
      revealSeconds: e.PEER_REVEAL_SECONDS,
      jobRetries: e.PEER_JOB_RETRIES,
      committeeSize: e.PEER_COMMITTEE_SIZE,
      activeSeconds: e.PEER_ACTIVE_SECONDS,
      auditRate: e.PEER_AUDIT_RATE,
      serviceSeat: e.PEER_SERVICE_SEAT,
      canaryRate: e.PEER_CANARY_RATE,
      stallGraceSeconds: e.PEER_STALL_GRACE_SECONDS,
      admission: e.PEER_ADMISSION,
      granted: e.PEER_GRANTED,
    },
    ledger: {
      minStake: e.LEDGER_MIN_STAKE,
      unbondDelaySeconds: e.LEDGER_UNBOND_DELAY_SECONDS,
      rewardPerJob: e.LEDGER_REWARD_PER_JOB,
      outlierSlash: e.LEDGER_OUTLIER_SLASH,
      absentSlash: e.LEDGER_ABSENT_SLASH,
    },
    liveness: {
      threshold: e.LIVENESS_THRESHOLD,
      passiveChecks: e.LIVENESS_PASSIVE_CHECKS,
      endOnFailure: e.LIVENESS_END_ON_FAILURE,
      passive,
    },
    retention: {
      challengesSeconds: e.CHALLENGE_RETENTION_SECONDS,
      tokensSeconds: e.TOKEN_RETENTION_SECONDS,
      jobsSeconds: e.JOB_RETENTION_SECONDS,
      peersSeconds: e.PEER_RETENTION_SECONDS,
      cosignaturesSeconds: e.COSIGNATURE_RETENTION_SECONDS,
      intervalSeconds: e.HOUSEKEEPING_INTERVAL_SECONDS,
    },
  };
}
