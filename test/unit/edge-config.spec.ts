import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from '../../src/config/app-config';
import { resolveMaxConnections } from '../../src/edge/connection-guard';
import { edgeServerOptions } from '../../src/edge/edge';
import { routePolicy } from '../../src/edge/route-policy';

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

describe('edge configuration', () => {
  it('has a default for every limit', () => {
    const sut = loadConfig({}, HOME);

    expect(sut.http).toMatchObject({
      trustProxy: { kind: 'none' },
      bodyLimits: { defaultBytes: 65_536, solutionBytes: 917_504, livenessStepBytes: 810_000 },
      timeouts: { headersMs: 10_000, requestMs: 30_000, idleMs: 60_000, keepAliveMs: 5_000 },
      connections: { max: null, perIp: 128 },
    });
    expect(sut.rateLimit).toEqual({
      perMinute: 600,
      ledgerPerMinute: 600,
      modelsPerMinute: 600,
      metricsPerMinute: 60,
      siteverifyPerSitePerMinute: 6_000,
      siteverifyPerIpPerMinute: 3_000,
    });
  });

  it('reads every edge variable', () => {
    const sut = loadConfig(
      {
        TRUST_PROXY: '10.0.0.0/8',
        BODY_LIMIT_BYTES: '4096',
        SOLUTION_BODY_LIMIT_BYTES: '200000',
        LIVENESS_STEP_BODY_LIMIT_BYTES: '300000',
        HEADERS_TIMEOUT_MS: '2000',
        REQUEST_TIMEOUT_MS: '4000',
        IDLE_TIMEOUT_MS: '40000',
        KEEP_ALIVE_TIMEOUT_MS: '75000',
        MAX_CONNECTIONS: '5000',
        MAX_CONNECTIONS_PER_IP: '0',
        RATE_LIMIT_PER_MINUTE: '10',
        LEDGER_RATE_LIMIT_PER_MINUTE: '11',
        MODELS_RATE_LIMIT_PER_MINUTE: '12',
        METRICS_RATE_LIMIT_PER_MINUTE: '13',
        SITEVERIFY_SITE_RATE_LIMIT_PER_MINUTE: '14',
        SITEVERIFY_IP_RATE_LIMIT_PER_MINUTE: '0',
      },
      HOME,
    );

    expect(sut.http).toMatchObject({
      trustProxy: { kind: 'addresses', ranges: [{ address: '10.0.0.0', prefix: 8, family: 4 }] },
      bodyLimits: { defaultBytes: 4096, solutionBytes: 200_000, livenessStepBytes: 300_000 },
      timeouts: { headersMs: 2000, requestMs: 4000, idleMs: 40_000, keepAliveMs: 75_000 },
      connections: { max: 5000, perIp: 0 },
    });
    expect(sut.rateLimit).toEqual({
      perMinute: 10,
      ledgerPerMinute: 11,
      modelsPerMinute: 12,
      metricsPerMinute: 13,
      siteverifyPerSitePerMinute: 14,
      siteverifyPerIpPerMinute: 0,
    });
  });

  it.each([
    ['TRUST_PROXY', 'true', /^TRUST_PROXY: true is refused: .*TRUST_PROXY=1 /],
    ['TRUST_PROXY', 'yes', /^TRUST_PROXY: yes is refused/],
    ['HEADERS_TIMEOUT_MS', '499', /^HEADERS_TIMEOUT_MS: must be at least 500$/],
    ['IDLE_TIMEOUT_MS', '30000', /^IDLE_TIMEOUT_MS: must be at least 35000$/],
    ['MAX_CONNECTIONS', '15', /^MAX_CONNECTIONS: must be at least 16$/],
    ['MAX_CONNECTIONS_PER_IP', '-1', /^MAX_CONNECTIONS_PER_IP: must be a whole number$/],
    ['SOLUTION_BODY_LIMIT_BYTES', '16777217', /^SOLUTION_BODY_LIMIT_BYTES: must be at most 16777216$/],
    ['METRICS_RATE_LIMIT_PER_MINUTE', 'lots', /^METRICS_RATE_LIMIT_PER_MINUTE: must be a whole number$/],
  ])('rejects %s=%j with one clear problem', (name, value, problem) => {
    expect(problemsFor({ [name]: value })).toEqual([expect.stringMatching(problem)]);
  });

  it('refuses a header timeout longer than the request timeout that contains it', () => {
    expect(problemsFor({ HEADERS_TIMEOUT_MS: '20000', REQUEST_TIMEOUT_MS: '10000' })).toEqual([
      'HEADERS_TIMEOUT_MS: 20000 is longer than REQUEST_TIMEOUT_MS (10000), which covers the headers too',
    ]);
  });

  it("gives Node's server every timeout, checked at least every quarter of the shortest", () => {
    const sut = edgeServerOptions(loadConfig({ HEADERS_TIMEOUT_MS: '2000', REQUEST_TIMEOUT_MS: '3000' }, HOME).http);

    expect(sut).toEqual({
      bodyLimit: 65_536,
      trustProxy: false,
      requestTimeout: 3000,
      connectionTimeout: 60_000,
      keepAliveTimeout: 5000,
      http: { headersTimeout: 2000, connectionsCheckingInterval: 500 },
    });
    expect(edgeServerOptions(loadConfig({}, HOME).http).http.connectionsCheckingInterval).toBe(1000);
  });
});

describe('resolveMaxConnections', () => {
  it('derives the cap from the open-file limit, keeping files back for everything else', () => {
    expect(resolveMaxConnections(null, 20_000)).toBe(17_952);
    expect(resolveMaxConnections(null, 1_024)).toBe(768);
    expect(resolveMaxConnections(null, 1_048_576)).toBe(50_000);
    expect(resolveMaxConnections(null, null)).toBe(4_096);
  });

  it('takes a configured cap that fits, and stops the start with one that does not', () => {
    expect(resolveMaxConnections(10_000, 20_000)).toBe(10_000);
    expect(resolveMaxConnections(100_000, null)).toBe(100_000);
    expect(() => resolveMaxConnections(19_000, 20_000)).toThrow(
      'MAX_CONNECTIONS: 19000 does not fit the open-file limit (20000, less 2048 kept for the database and files): ' +
        'raise `ulimit -n` or set at most 17952',
    );
  });
});

describe('routePolicy', () => {
  it.each([
    ['/siteverify', 'siteverify', undefined],
    ['/api/v1/siteverify', 'siteverify', undefined],
    ['/api/v1/challenges', 'challenges', undefined],
    ['/api/v1/challenges/:id/solution', 'challenges', 'solutionBytes'],
    ['/api/v1/challenges/:id/liveness', 'challenges', 'livenessStepBytes'],
    ['/api/v1/peers/me/jobs', 'peers', undefined],
    ['/api/v1/ledger/proof/inclusion', 'ledger', undefined],
    ['/api/v1/models/manifest', 'models', undefined],
    ['/api/v1/models/:id/torrent', 'models', undefined],
    ['/models/:file', 'models', undefined],
    ['/metrics', 'metrics', undefined],
    ['/demo/signup', 'demo', undefined],
    ['/healthz', null, undefined],
    ['/readyz', null, undefined],
    ['/api/v1/admin/sites/:sitekey', null, undefined],
    ['/widget/*', null, undefined],
    ['/docs/openapi.json', null, undefined],
    ['/api/v1/keys', 'other', undefined],
    ['/metricsx', 'other', undefined],
    [undefined, 'other', undefined],
  ])('gives %s the %s budget and body limit %s', (route, rate, body) => {
    expect(routePolicy(route)).toEqual({ rate, ...(body ? { body } : {}) });
  });
});
