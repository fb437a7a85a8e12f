import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { databaseKinds } from '../support/databases';
import { createSite, mintToken } from '../support/fixtures';
import { exchangeRaw } from '../support/raw-http';
import type { TestApp } from '../support/test-app';
import { ADMIN_TOKEN, startTestApp } from '../support/test-app';

/** Request budgets at the edge: counted per client (or per site for siteverify) before any body is read. */

const portOf = (t: TestApp) => Number(new URL(t.baseUrl).port);

/** A challenge request with a bad body: the budget counts it all the same. */
const issue = (t: TestApp, forwardedFor?: string) => {
  const call = request(t.baseUrl).post('/api/v1/challenges');
  return (forwardedFor ? call.set('X-Forwarded-For', forwardedFor) : call).send({});
};

const verify = (t: TestApp, body: Record<string, unknown>, forwardedFor?: string, path = '/siteverify') => {
  const call = request(t.baseUrl).post(path);
  return (forwardedFor ? call.set('X-Forwarded-For', forwardedFor) : call).send(body);
};

function expectRetryAfter(headers: Record<string, string>): number {
  const retryAfter = Number(headers['retry-after']);
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
  return retryAfter;
}

describe.each(databaseKinds())('per-client budgets [%s]', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(kind, {
      RATE_LIMIT_PER_MINUTE: '5',
      LEDGER_RATE_LIMIT_PER_MINUTE: '3',
      MODELS_RATE_LIMIT_PER_MINUTE: '3',
      METRICS_RATE_LIMIT_PER_MINUTE: '2',
      // A request that got past the limiter would wait this long for its body, and fail as 408.
      REQUEST_TIMEOUT_MS: '5000',
      HEADERS_TIMEOUT_MS: '5000',
    });
  });
  afterAll(() => t?.close());

  it('answers the 6th challenge request in a minute with 429, before reading its body', async () => {
    const allowed = [];
    for (let i = 0; i < 5; i++) allowed.push(await issue(t));

    const limited = await issue(t);
    // Headers only, and a body that never comes: only an answer before the body proves the order.
    const early = await exchangeRaw(
      portOf(t),
      'POST /api/v1/challenges HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n',
    );

    expect(allowed.map((r) => r.status)).toEqual([400, 400, 400, 400, 400]);
    expect(allowed.map((r) => r.headers['ratelimit-remaining'])).toEqual(['4', '3', '2', '1', '0']);
    expect(allowed[0].headers['ratelimit-limit']).toBe('5');
    expect(limited.status).toBe(429);
    const retryAfter = expectRetryAfter(limited.headers);
    expect(limited.headers).toMatchObject({
      'cache-control': 'no-store',
      'access-control-allow-origin': '*',
      connection: 'close',
    });
    expect(limited.body).toEqual({
      statusCode: 429,
      code: 'rate-limited',
      message: `Too many requests; retry in ${retryAfter} s`,
    });
    expect(early.answers.map((a) => [a.status, JSON.parse(a.text).code])).toEqual([[429, 'rate-limited']]);

    // Other groups keep their own budgets; health probes and the admin API have none.
    for (let i = 0; i < 10; i++) await request(t.baseUrl).get('/healthz').expect(200);
    await request(t.baseUrl).get('/api/v1/admin/sites').set('Authorization', `Bearer ${ADMIN_TOKEN}`).expect(200);
    await request(t.baseUrl).get('/api/v1/ledger/head').expect(200);

    t.clock.advance(2 * 60_000);
    expect((await issue(t)).status).toBe(400);
  });

  it.each([
    ['the ledger', '/api/v1/ledger/head', 3],
    ['model downloads', '/models/no-such-file.onnx', 3],
    ['the signed model manifest', '/api/v1/models/manifest', 3],
    ['/metrics', '/metrics', 2],
  ])('limits %s per client', async (_label, path, limit) => {
    t.clock.advance(2 * 60_000);
    const statuses: number[] = [];
    for (let i = 0; i <= limit; i++) statuses.push((await request(t.baseUrl).get(path)).status);

    expect(statuses.slice(0, limit).every((status) => status !== 429)).toBe(true);
    expect(statuses[limit]).toBe(429);
  });
});

describe.each(databaseKinds())('siteverify budgets [%s]', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(kind, {
      TRUST_PROXY: '1',
      SITEVERIFY_SITE_RATE_LIMIT_PER_MINUTE: '5',
      SITEVERIFY_IP_RATE_LIMIT_PER_MINUTE: '5',
    });
  });
  afterAll(() => t?.close());

  it("limits a site's calls by its secret, from any address, without spending the token", async () => {
    t.clock.advance(2 * 60_000);
    const site = await createSite(t);
    const other = await createSite(t);
    const token = await mintToken(t, site);

    const allowed = [];
    for (let i = 0; i < 5; i++) {
      allowed.push(await verify(t, { secret: site.secret, response: 'ppt_unknown' }, `198.51.100.${i + 1}`));
    }
    const limited = await verify(t, { secret: site.secret, response: token }, '198.51.100.99');
    const otherPath = await verify(t, { secret: site.secret, response: token }, '198.51.100.98', '/api/v1/siteverify');
    const otherSite = await verify(t, { secret: other.secret, response: 'ppt_unknown' }, '198.51.100.1');

    expect(allowed.map((r) => [r.status, r.body['error-codes']])).toEqual(
      Array(5).fill([200, ['invalid-input-response']]),
    );
    expect(limited.status).toBe(429);
    const retryAfter = expectRetryAfter(limited.headers);
    expect(limited.headers['cache-control']).toBe('no-store');
    expect(limited.body).toEqual({
      success: false,
      'error-codes': ['rate-limited'],
      statusCode: 429,
      code: 'rate-limited',
      message: `Too many requests; retry in ${retryAfter} s`,
    });
    expect(otherPath.status).toBe(429);
    expect(otherSite.body['error-codes']).toEqual(['invalid-input-response']);

    t.clock.advance(2 * 60_000);
    const later = await verify(t, { secret: site.secret, response: token }, '198.51.100.99');
    expect(later.body.success).toBe(true);
  });

  it('limits calls without a valid secret per address, before parsing once the budget is spent', async () => {
    t.clock.advance(2 * 60_000);
    const site = await createSite(t);
    const flooder = '203.0.113.50';

    const answers = [
      await verify(t, {}, flooder),
      await verify(t, { secret: 'pps_unknown', response: 'ppt_x' }, flooder),
      await verify(t, { secret: 'pps_test_always_pass', response: 'ppt_x' }, flooder),
      await verify(t, { secret: 42 }, flooder),
      await request(t.baseUrl).post('/siteverify').set('X-Forwarded-For', flooder).type('json').send('{"secret'),
    ];
    const limited = await verify(t, { secret: 'pps_unknown', response: 'ppt_x' }, flooder);
    // Once over, even a valid secret from that address waits: the body is not read to find out.
    const validFromFlooder = await verify(t, { secret: site.secret, response: 'ppt_unknown' }, flooder);
    const early = await exchangeRaw(
      Number(new URL(t.baseUrl).port),
      `POST /siteverify HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: ${flooder}\r\n` +
        'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n',
    );
    const elsewhere = await verify(t, { secret: 'pps_unknown', response: 'ppt_x' }, '203.0.113.51');

    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 400, 400]);
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ success: false, 'error-codes': ['rate-limited'], code: 'rate-limited' });
    expectRetryAfter(limited.headers);
    expect(validFromFlooder.status).toBe(429);
    expect(early.answers.map((a) => [a.status, JSON.parse(a.text)['error-codes']])).toEqual([[429, ['rate-limited']]]);
    expect(elsewhere.body['error-codes']).toEqual(['invalid-input-secret']);
  });

  it("never counts a valid secret's calls against its backend's address", async () => {
    t.clock.advance(2 * 60_000);
    const site = await createSite(t);
    const backend = '203.0.113.60';
    const busy = await createSite(t);

    // Two sites' traffic from one backend, twice the address's budget: each site stays within its own.
    for (const secret of [site.secret, busy.secret]) {
      for (let i = 0; i < 5; i++) await verify(t, { secret, response: 'ppt_unknown' }, backend).expect(200);
    }
    // A form posted without a token is the site's traffic too.
    const empty = await verify(t, { secret: (await createSite(t)).secret, response: '' }, backend);
    const unauthenticated = [];
    for (let i = 0; i < 5; i++) unauthenticated.push((await verify(t, {}, backend)).status);

    expect(empty.body['error-codes']).toEqual(['missing-input-response']);
    expect(unauthenticated).toEqual([200, 200, 200, 200, 200]);
    expect((await verify(t, {}, backend)).status).toBe(429);
  });
});

describe.each(databaseKinds())('client addresses behind proxies [%s]', (kind) => {
  const apps = new Map<string, TestApp>();
  /** One app per TRUST_PROXY value; each test starts with fresh budgets. */
  const appWith = async (trustProxy: string) => {
    let t = apps.get(trustProxy);
    if (!t) {
      t = await startTestApp(kind, { TRUST_PROXY: trustProxy, RATE_LIMIT_PER_MINUTE: '3' });
      apps.set(trustProxy, t);
    }
    t.clock.advance(2 * 60_000);
    return t;
  };
  afterAll(async () => {
    for (const t of apps.values()) await t.close();
  });

  /** Requests with these X-Forwarded-For headers; the statuses say which of them shared one budget of 3. */
  const statusesFor = async (t: TestApp, headers: string[]) => {
    const statuses = [];
    for (const header of headers) statuses.push((await issue(t, header)).status);
    return statuses;
  };

  it('does not let spoofed left-most entries change the rate-limit key (one trusted hop)', async () => {
    const t = await appWith('1');

    const spoofed = await statusesFor(t, [
      '1.1.1.1, 203.0.113.7',
      '2.2.2.2, 203.0.113.7',
      '3.3.3.3, 4.4.4.4, 203.0.113.7',
      '203.0.113.8, 203.0.113.7',
    ]);
    const another = await statusesFor(t, ['203.0.113.8']);

    expect(spoofed).toEqual([400, 400, 400, 429]);
    expect(another).toEqual([400]);
  });

  it('groups IPv6 clients by /64, and reads bracketed and mapped forms', async () => {
    const t = await appWith('1');

    const sameNetwork = await statusesFor(t, [
      '2001:db8:1:2::1',
      '[2001:db8:1:2::ffff]:4431',
      '2001:0DB8:0001:0002:aaaa:bbbb:cccc:dddd',
      '2001:db8:1:2:1:2:3:4',
    ]);
    const nextNetwork = await statusesFor(t, ['2001:db8:1:3::1']);
    const oneIpv4 = await statusesFor(t, ['::ffff:203.0.113.9', '203.0.113.9', '203.0.113.9:8080', '203.0.113.9']);

    expect(sameNetwork).toEqual([400, 400, 400, 429]);
    expect(nextNetwork).toEqual([400]);
    expect(oneIpv4).toEqual([400, 400, 400, 429]);
  });

  it('counts the proxy itself when it passes on a malformed header, instead of a string the client chose', async () => {
    const t = await appWith('1');

    const statuses = await statusesFor(t, ['garbage-1', 'unknown', '203.0.113.7 nonsense', '%%%']);

    expect(statuses).toEqual([400, 400, 400, 429]);
  });

  it('counts hops: with two trusted proxies the client is the second entry from the right', async () => {
    const t = await appWith('2');

    const statuses = await statusesFor(t, [
      '9.9.9.1, 203.0.113.7, 10.0.0.1',
      '9.9.9.2, 203.0.113.7, 10.0.0.2',
      '203.0.113.7, 10.0.0.3',
      '9.9.9.4, 203.0.113.7, 10.0.0.4',
    ]);

    expect(statuses).toEqual([400, 400, 400, 429]);
  });

  it('walks a list of trusted proxies and stops at the first address not in it', async () => {
    const t = await appWith('127.0.0.1,10.0.0.0/8');

    const statuses = await statusesFor(t, [
      '1.1.1.1, 203.0.113.7, 10.0.0.5',
      '2.2.2.2, 203.0.113.7, 10.200.0.1',
      '203.0.113.7',
      '10.0.0.9, 203.0.113.7, 10.0.0.5',
    ]);

    expect(statuses).toEqual([400, 400, 400, 429]);
  });

  it('ignores X-Forwarded-For without TRUST_PROXY', async () => {
    const t = await appWith('false');

    const statuses = await statusesFor(t, ['203.0.113.1', '203.0.113.2', '203.0.113.3', '203.0.113.4']);

    expect(statuses).toEqual([400, 400, 400, 429]);
  });
});
