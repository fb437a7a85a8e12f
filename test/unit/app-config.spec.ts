import * as path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig, parseDatabaseUrl } from '../../src/config/app-config';

const HOME = '/opt/peerproof';

function problemsFor(env: Record<string, string>): string[] {
  try {
    loadConfig(env, HOME);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  // toMatchObject: other modules add their own sections to the config.
  it('has a default for everything', () => {
    const sut = loadConfig({}, HOME);

    expect(sut).toMatchObject({
      http: {
        host: '0.0.0.0',
        port: 8080,
        publicUrl: 'http://localhost:8080',
        bodyLimits: { defaultBytes: 65536 },
        trustProxy: { kind: 'none' },
      },
      database: { type: 'sqlite', path: path.resolve('./data/peerproof.sqlite') },
      dataDir: path.resolve('./data'),
      modelsDir: path.join(HOME, 'models'),
      inference: { device: 'cpu' },
      adminToken: null,
      logLevel: 'info',
      tokens: { ttlSeconds: 300 },
      challenges: { ttlSeconds: 300, spotChecks: 8 },
      sites: { secretRotationGraceSeconds: 7200 },
      rateLimit: { perMinute: 600 },
      demoSite: true,
    });
  });

  it('reads every variable', () => {
    const sut = loadConfig(
      {
        PORT: '9090',
        HOST: '127.0.0.1',
        PUBLIC_URL: 'https://verify.example.com/',
        DATABASE_URL: 'postgres://u:p@db.internal:5432/peerproof',
        DATA_DIR: '/var/lib/peerproof',
        MODELS_DIR: '/srv/models',
        INFERENCE_DEVICE: 'cuda',
        ADMIN_TOKEN: 'an-admin-token-of-some-length',
        LOG_LEVEL: 'debug',
        TOKEN_TTL_SECONDS: '120',
        CHALLENGE_TTL_SECONDS: '60',
        INFERENCE_SPOT_CHECKS: '16',
        SECRET_ROTATION_GRACE_SECONDS: '0',
        RATE_LIMIT_PER_MINUTE: '0',
        BODY_LIMIT_BYTES: '2048',
        TRUST_PROXY: '2',
        DEMO_SITE: 'false',
      },
      HOME,
    );

    expect(sut).toMatchObject({
      http: {
        host: '127.0.0.1',
        port: 9090,
        publicUrl: 'https://verify.example.com',
        bodyLimits: { defaultBytes: 2048 },
        trustProxy: { kind: 'hops', hops: 2 },
      },
      database: { type: 'postgres', url: 'postgres://u:p@db.internal:5432/peerproof' },
      dataDir: '/var/lib/peerproof',
      modelsDir: '/srv/models',
      inference: { device: 'cuda' },
      adminToken: 'an-admin-token-of-some-length',
      logLevel: 'debug',
      tokens: { ttlSeconds: 120 },
      challenges: { ttlSeconds: 60, spotChecks: 16 },
      sites: { secretRotationGraceSeconds: 0 },
      rateLimit: { perMinute: 0 },
      demoSite: false,
    });
  });

  it('reads the ledger and committee settings, with their defaults', () => {
    const defaults = loadConfig({}, HOME);
    const sut = loadConfig(
      {
        PEER_COMMITTEE_SIZE: '5',
        PEER_SERVICE_SEAT: 'false',
        LEDGER_MIN_STAKE: '1000',
        LEDGER_UNBOND_DELAY_SECONDS: '60',
        LEDGER_REWARD_PER_JOB: '0',
        LEDGER_OUTLIER_SLASH: '0.25',
        LEDGER_ABSENT_SLASH: '1',
      },
      HOME,
    );

    expect(defaults.peers.committeeSize).toBe(3);
    expect(defaults.peers.serviceSeat).toBe(true);
    expect(defaults.ledger).toEqual({
      minStake: 100,
      unbondDelaySeconds: 604800,
      rewardPerJob: 10,
      outlierSlash: 0.1,
      absentSlash: 0.02,
    });
    expect(sut.peers.committeeSize).toBe(5);
    expect(sut.peers.serviceSeat).toBe(false);
    expect(sut.ledger).toEqual({
      minStake: 1000,
      unbondDelaySeconds: 60,
      rewardPerJob: 0,
      outlierSlash: 0.25,
      absentSlash: 1,
    });
  });

  it('reads the retention settings, with their defaults and bounds', () => {
    const day = 24 * 3600;
    expect(loadConfig({}, HOME).retention).toEqual({
      challengesSeconds: day,
      tokensSeconds: day,
      jobsSeconds: 30 * day,
      peersSeconds: 30 * day,
      cosignaturesSeconds: 30 * day,
      intervalSeconds: 600,
    });
    const sut = loadConfig(
      {
        CHALLENGE_RETENTION_SECONDS: '0',
        TOKEN_RETENTION_SECONDS: '60',
        JOB_RETENTION_SECONDS: '7200',
        PEER_RETENTION_SECONDS: String(2 * day),
        COSIGNATURE_RETENTION_SECONDS: String(3 * day),
        HOUSEKEEPING_INTERVAL_SECONDS: '5',
      },
      HOME,
    );
    expect(sut.retention).toEqual({
      challengesSeconds: 0,
      tokensSeconds: 60,
      jobsSeconds: 7200,
      peersSeconds: 2 * day,
      cosignaturesSeconds: 3 * day,
      intervalSeconds: 5,
    });
    // A peer must stay long enough to count as present; the interval must be positive.
    expect(problemsFor({ PEER_RETENTION_SECONDS: '3600', HOUSEKEEPING_INTERVAL_SECONDS: '0' })).toEqual([
      'PEER_RETENTION_SECONDS: must be at least 86400',
      'HOUSEKEEPING_INTERVAL_SECONDS: must be at least 1',
    ]);
  });

  it('treats empty strings as unset', () => {
    const sut = loadConfig({ PORT: '', ADMIN_TOKEN: '', LOG_LEVEL: '', DATABASE_URL: '' }, HOME);

    expect(sut.http.port).toBe(8080);
    expect(sut.adminToken).toBeNull();
    expect(sut.logLevel).toBe('info');
    expect(sut.database.type).toBe('sqlite');
  });

  it('puts the default SQLite file in DATA_DIR', () => {
    const sut = loadConfig({ DATA_DIR: '/var/lib/pp' }, HOME);

    expect(sut.database).toEqual({ type: 'sqlite', path: '/var/lib/pp/peerproof.sqlite' });
  });

  it('derives PUBLIC_URL from a specific HOST, and uses localhost for the wildcard addresses', () => {
    expect(loadConfig({ HOST: '10.0.0.5', PORT: '81' }, HOME).http.publicUrl).toBe('http://10.0.0.5:81');
    expect(loadConfig({ HOST: '::', PORT: '81' }, HOME).http.publicUrl).toBe('http://localhost:81');
  });

  it('accepts padded whole numbers and the bounds of each range', () => {
    const sut = loadConfig({ PORT: ' 0 ', TOKEN_TTL_SECONDS: '3600', BODY_LIMIT_BYTES: '1024' }, HOME);

    expect(sut.http.port).toBe(0);
    expect(sut.tokens.ttlSeconds).toBe(3600);
    expect(sut.http.bodyLimits.defaultBytes).toBe(1024);
  });

  it('turns the demo site off by default in production only', () => {
    expect(loadConfig({ NODE_ENV: 'production' }, HOME).demoSite).toBe(false);
    expect(loadConfig({ NODE_ENV: 'development' }, HOME).demoSite).toBe(true);
    expect(loadConfig({ NODE_ENV: 'production', DEMO_SITE: 'true' }, HOME).demoSite).toBe(true);
  });

  it.each([
    ['PORT', 'abc', 'PORT: must be a whole number'],
    ['PORT', '-1', 'PORT: must be a whole number'],
    ['PORT', '1e3', 'PORT: must be a whole number'],
    ['PORT', '65536', 'PORT: must be at most 65535'],
    ['HOST', '   ', 'HOST: must not be empty'],
    ['PUBLIC_URL', 'ftp://example.com', 'PUBLIC_URL: must be an http(s) URL'],
    ['PUBLIC_URL', 'not a url', 'PUBLIC_URL: must be an http(s) URL'],
    ['DATA_DIR', ' ', 'DATA_DIR: must not be empty'],
    ['MODELS_DIR', ' ', 'MODELS_DIR: must not be empty'],
    ['ADMIN_TOKEN', 'too-short', 'ADMIN_TOKEN: must be at least 16 characters (or unset to disable the admin API)'],
    ['LOG_LEVEL', 'verbose', 'LOG_LEVEL: must be one of fatal, error, warn, info, debug'],
    ['LOG_LEVEL', 'INFO', 'LOG_LEVEL: must be one of fatal, error, warn, info, debug'],
    ['INFERENCE_DEVICE', 'tpu', 'INFERENCE_DEVICE: must be one of cpu, cuda'],
    ['TOKEN_TTL_SECONDS', '9', 'TOKEN_TTL_SECONDS: must be at least 10'],
    ['TOKEN_TTL_SECONDS', '3601', 'TOKEN_TTL_SECONDS: must be at most 3600'],
    ['CHALLENGE_TTL_SECONDS', '3601', 'CHALLENGE_TTL_SECONDS: must be at most 3600'],
    ['INFERENCE_SPOT_CHECKS', '0', 'INFERENCE_SPOT_CHECKS: must be at least 1'],
    ['INFERENCE_SPOT_CHECKS', '65', 'INFERENCE_SPOT_CHECKS: must be at most 64'],
    ['SECRET_ROTATION_GRACE_SECONDS', '604801', 'SECRET_ROTATION_GRACE_SECONDS: must be at most 604800'],
    ['RATE_LIMIT_PER_MINUTE', '1.5', 'RATE_LIMIT_PER_MINUTE: must be a whole number'],
    ['RATE_LIMIT_PER_MINUTE', '1000001', 'RATE_LIMIT_PER_MINUTE: must be at most 1000000'],
    ['BODY_LIMIT_BYTES', '1023', 'BODY_LIMIT_BYTES: must be at least 1024'],
    ['BODY_LIMIT_BYTES', '16777217', 'BODY_LIMIT_BYTES: must be at most 16777216'],
    [
      'TRUST_PROXY',
      'maybe',
      'TRUST_PROXY: maybe is not an IP address, a CIDR range (10.0.0.0/8) or loopback/linklocal/uniquelocal',
    ],
    ['DEMO_SITE', 'on', 'DEMO_SITE: must be true or false'],
    ['PEER_SERVICE_SEAT', 'sometimes', 'PEER_SERVICE_SEAT: must be true or false'],
    ['LIVENESS_THRESHOLD', '1.5', 'LIVENESS_THRESHOLD: must be a fraction between 0 and 1'],
    ['LIVENESS_ANTISPOOF_VETO', 'sometimes', 'LIVENESS_ANTISPOOF_VETO: must be true or false'],
    ['LIVENESS_DEEPFAKE_THRESHOLD', '-0.1', 'LIVENESS_DEEPFAKE_THRESHOLD: must be a fraction between 0 and 1'],
    [
      'LIVENESS_ANTISPOOF_THRESHOLD',
      '0.5',
      'LIVENESS_ANTISPOOF_THRESHOLD: must be at most 0.09 while LIVENESS_ANTISPOOF_VETO is on: higher thresholds ' +
        "rejected more than 5 % of a real person's live frames (docs/liveness-passive.md); turn the veto off to use " +
        'it as a score only',
    ],
    ['DATABASE_URL', ' ', 'DATABASE_URL: must not be empty'],
    ['DATABASE_URL', 'mysql://u:p@h/db', 'DATABASE_URL: must be sqlite:PATH or postgres://user:pass@host:port/db'],
    ['DATABASE_URL', 'peerproof.sqlite', 'DATABASE_URL: must be sqlite:PATH or postgres://user:pass@host:port/db'],
    ['DATABASE_URL', 'sqlite:', 'DATABASE_URL: sqlite: needs a file path, or :memory:'],
    ['DATABASE_URL', 'postgres://', 'DATABASE_URL: is not a valid postgres:// URL (postgres://user:pass@host:5432/db)'],
    [
      'DATABASE_URL',
      'postgres://a b',
      'DATABASE_URL: is not a valid postgres:// URL (postgres://user:pass@host:5432/db)',
    ],
  ])('rejects %s=%j with exactly one problem', (name, value, problem) => {
    expect(problemsFor({ [name]: value })).toEqual([problem]);
  });

  it('reads the liveness thresholds, with defaults', () => {
    expect(loadConfig({}).liveness).toEqual({
      threshold: 0.6,
      passiveChecks: true,
      endOnFailure: true,
      passive: { antiSpoofThreshold: 0.08, antiSpoofVeto: true, deepfakeThreshold: 0.05, deepfakeVeto: false },
    });
    const sut = loadConfig({
      LIVENESS_THRESHOLD: '0.7',
      LIVENESS_PASSIVE_CHECKS: 'false',
      LIVENESS_END_ON_FAILURE: 'false',
      LIVENESS_ANTISPOOF_THRESHOLD: '0.5',
      LIVENESS_ANTISPOOF_VETO: 'false',
      LIVENESS_DEEPFAKE_THRESHOLD: '0.04',
      LIVENESS_DEEPFAKE_VETO: 'true',
    });
    expect(sut.liveness).toEqual({
      threshold: 0.7,
      passiveChecks: false,
      endOnFailure: false,
      passive: { antiSpoofThreshold: 0.5, antiSpoofVeto: false, deepfakeThreshold: 0.04, deepfakeVeto: true },
    });
  });

  it('lets a passive model veto only at a threshold the validation allows (docs/liveness-passive.md)', () => {
    const vetoing = loadConfig({ LIVENESS_DEEPFAKE_VETO: 'true', LIVENESS_DEEPFAKE_THRESHOLD: '0.04' });
    expect(vetoing.liveness.passive).toMatchObject({ deepfakeVeto: true, deepfakeThreshold: 0.04 });
    // The default deepfake threshold (0.05) is above its ceiling: turning its veto on alone is refused.
    expect(problemsFor({ LIVENESS_DEEPFAKE_VETO: 'true' })).toEqual([
      expect.stringMatching(/^LIVENESS_DEEPFAKE_THRESHOLD: must be at most 0\.04 while LIVENESS_DEEPFAKE_VETO is on/),
    ]);
    expect(loadConfig({ LIVENESS_ANTISPOOF_THRESHOLD: '0.09' }).liveness.passive.antiSpoofThreshold).toBe(0.09);
  });

  it('lists every bad variable at once', () => {
    const env = {
      PORT: 'abc',
      HOST: ' ',
      PUBLIC_URL: 'ftp://x',
      DATABASE_URL: 'mysql://x',
      DATA_DIR: ' ',
      MODELS_DIR: ' ',
      INFERENCE_DEVICE: 'gpu',
      ADMIN_TOKEN: 'short',
      LOG_LEVEL: 'loud',
      TOKEN_TTL_SECONDS: '5',
      CHALLENGE_TTL_SECONDS: 'x',
      INFERENCE_SPOT_CHECKS: '-3',
      SECRET_ROTATION_GRACE_SECONDS: '9999999',
      RATE_LIMIT_PER_MINUTE: '-1',
      BODY_LIMIT_BYTES: '1.5',
      TRUST_PROXY: 'maybe',
      DEMO_SITE: 'sometimes',
      LEDGER_MIN_STAKE: '0',
      LEDGER_UNBOND_DELAY_SECONDS: '0',
      LEDGER_REWARD_PER_JOB: '-1',
      LEDGER_OUTLIER_SLASH: '1.5',
      LEDGER_ABSENT_SLASH: 'half',
    };

    const problems = problemsFor(env);

    expect(problems.map((problem) => problem.split(':')[0]).sort()).toEqual(Object.keys(env).sort());
  });

  it('names every problem in the error message', () => {
    let sut: unknown;
    try {
      loadConfig({ PORT: 'abc', LOG_LEVEL: 'loud' }, HOME);
    } catch (error) {
      sut = error;
    }

    expect(sut).toBeInstanceOf(ConfigError);
    expect((sut as ConfigError).message).toBe(
      'Invalid configuration:\n  - PORT: must be a whole number\n  - LOG_LEVEL: must be one of fatal, error, warn, info, debug',
    );
  });

  it('ignores variables it does not know', () => {
    expect(() => loadConfig({ PATH: '/usr/bin', SOMETHING_ELSE: '!' }, HOME)).not.toThrow();
  });
});

describe('parseDatabaseUrl', () => {
  it.each([
    ['sqlite:peerproof.sqlite', { type: 'sqlite', path: 'peerproof.sqlite' }],
    ['sqlite:/var/lib/pp/db.sqlite', { type: 'sqlite', path: '/var/lib/pp/db.sqlite' }],
    ['sqlite:///var/lib/pp/db.sqlite', { type: 'sqlite', path: '/var/lib/pp/db.sqlite' }],
    ['sqlite::memory:', { type: 'sqlite', path: ':memory:' }],
    ['postgres://u:p@localhost:5432/pp', { type: 'postgres', url: 'postgres://u:p@localhost:5432/pp' }],
    ['postgresql://u@db/pp?sslmode=require', { type: 'postgres', url: 'postgresql://u@db/pp?sslmode=require' }],
  ])('reads %s', (url, expected) => {
    expect(parseDatabaseUrl(url, '/data')).toEqual(expected);
  });

  it('defaults to a SQLite file in the data directory', () => {
    expect(parseDatabaseUrl(undefined, '/data')).toEqual({
      type: 'sqlite',
      path: path.join('/data', 'peerproof.sqlite'),
    });
  });

  it.each(['mysql://u:p@h/db', 'file:x.sqlite', 'junk', 'postgres:/missing-slash', 'sqlite:'])('rejects %s', (url) => {
    expect(() => parseDatabaseUrl(url, '/data')).toThrow();
  });
});
