import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { generateOpenApi } from '../../src/cli/openapi.command';
import { ROUTE_DOCS } from '../../src/ops/openapi-routes';
import { databaseKinds } from '../support/databases';
import { createSite, siteverify } from '../support/fixtures';
import type { TestApp } from '../support/test-app';
import { ADMIN_TOKEN, startTestApp } from '../support/test-app';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the Prometheus text format (the subset prom-client writes). */
function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g)) labels[key] = value;
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return samples;
}

/** The value of the one sample with this name whose labels include `labels`; 0 when there is none yet. */
function valueOf(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const found = samples.filter(
    (sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
  );
  if (found.length > 1) throw new Error(`${name} ${JSON.stringify(labels)} matches ${found.length} samples`);
  return found[0]?.value ?? 0;
}

describe.each(databaseKinds())('operations endpoints [%s]', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(kind);
  });
  afterAll(() => t?.close());

  const scrape = async () => {
    const response = await request(t.baseUrl).get('/metrics').expect(200);
    return parseMetrics(response.text);
  };

  it('answers /healthz without caching', async () => {
    const response = await request(t.baseUrl).get('/healthz');

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'ok' });
    expect(response.headers['cache-control']).toBe('no-store');
  });

  it('answers /readyz after asking the database', async () => {
    const response = await request(t.baseUrl).get('/readyz');

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'ready', database: kind === 'sqlite' ? 'better-sqlite3' : 'postgres' });
    expect(response.headers['cache-control']).toBe('no-store');
  });

  it('serves Prometheus metrics, including default process metrics', async () => {
    const response = await request(t.baseUrl).get('/metrics');

    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(response.text).toContain('# TYPE peerproof_http_requests_total counter');
    expect(response.text).toContain('# TYPE peerproof_http_request_duration_seconds histogram');
    expect(response.text).toContain('# TYPE peerproof_siteverify_total counter');
    expect(valueOf(parseMetrics(response.text), 'peerproof_process_cpu_user_seconds_total')).toBeGreaterThan(0);
  });

  it('counts requests by method, route and status', async () => {
    const before = await scrape();

    await request(t.baseUrl).get('/healthz').expect(200);
    await request(t.baseUrl).get('/healthz').expect(200);
    await request(t.baseUrl).get('/no/such/route').expect(404);
    await request(t.baseUrl).get(`/api/v1/admin/sites/ppk_unknown`).set('Authorization', `Bearer ${ADMIN_TOKEN}`);

    const after = await scrape();
    const delta = (labels: Record<string, string>) =>
      valueOf(after, 'peerproof_http_requests_total', labels) -
      valueOf(before, 'peerproof_http_requests_total', labels);
    expect(delta({ method: 'GET', route: '/healthz', status: '200' })).toBe(2);
    expect(delta({ method: 'GET', route: 'unmatched', status: '404' })).toBe(1);
    expect(delta({ method: 'GET', route: '/api/v1/admin/sites/:sitekey', status: '404' })).toBe(1);
  });

  it('records siteverify outcomes by their first error code, and successes', async () => {
    const site = await createSite(t);
    const before = await scrape();

    await siteverify(t, { secret: 'pps_not-a-real-secret', response: 'ppt_x' }).expect(200);
    await siteverify(t, { secret: 'pps_not-a-real-secret', response: 'ppt_y' }, '/api/v1/siteverify').expect(200);
    await siteverify(t, { secret: site.secret, response: 'ppt_unknown' }).expect(200);
    await siteverify(t, { secret: 'pps_test_always_pass', response: 'anything' }).expect(200);
    await siteverify(t, {}).expect(200);

    const after = await scrape();
    const delta = (outcome: string) =>
      valueOf(after, 'peerproof_siteverify_total', { outcome }) -
      valueOf(before, 'peerproof_siteverify_total', { outcome });
    expect(delta('invalid-input-secret')).toBe(2);
    expect(delta('invalid-input-response')).toBe(1);
    expect(delta('success')).toBe(1);
    expect(delta('missing-input-secret')).toBe(1);
    expect(after.some((s) => s.name === 'peerproof_siteverify_total' && s.labels.outcome === 'internal-error')).toBe(
      false,
    );
  });

  it('keeps a latency histogram per route with cumulative buckets', async () => {
    await siteverify(t, { secret: 'pps_not-a-real-secret', response: 'ppt_x' }).expect(200);

    const samples = await scrape();

    const route = { method: 'POST', route: '/siteverify' };
    const buckets = samples.filter(
      (s) => s.name === 'peerproof_http_request_duration_seconds_bucket' && s.labels.route === '/siteverify',
    );
    const count = valueOf(samples, 'peerproof_http_request_duration_seconds_count', route);
    expect(buckets.map((b) => b.labels.le)).toEqual([
      '0.001',
      '0.0025',
      '0.005',
      '0.01',
      '0.025',
      '0.05',
      '0.1',
      '0.25',
      '0.5',
      '1',
      '2.5',
      '5',
      '+Inf',
    ]);
    for (let i = 1; i < buckets.length; i++) expect(buckets[i].value).toBeGreaterThanOrEqual(buckets[i - 1].value);
    expect(count).toBeGreaterThanOrEqual(1);
    expect(buckets.at(-1)!.value).toBe(count);
    expect(valueOf(samples, 'peerproof_http_request_duration_seconds_sum', route)).toBeGreaterThan(0);
  });

  it('serves the OpenAPI document and its UI', async () => {
    const document = await request(t.baseUrl).get('/docs/openapi.json');
    const ui = await request(t.baseUrl).get('/docs');

    expect(document.status).toBe(200);
    expect(document.headers['content-type']).toMatch(/^application\/json/);
    expect(document.body.openapi).toMatch(/^3\./);
    expect(Object.keys(document.body.paths)).toEqual(
      expect.arrayContaining(['/siteverify', '/api/v1/siteverify', '/api/v1/admin/sites', '/healthz', '/readyz']),
    );
    expect(ui.status).toBe(200);
    expect(ui.headers['content-type']).toMatch(/^text\/html/);
  });

  it('documents every route: a summary, the answer and its schema, error codes, query parameters', async () => {
    const { body: document } = await request(t.baseUrl).get('/docs/openapi.json').expect(200);
    type Response = { description: string; content?: Record<string, { schema?: unknown }> };
    type Operation = {
      summary?: string;
      parameters?: { in: string; name: string }[];
      responses: Record<string, Response>;
    };
    const operations = Object.entries(document.paths as Record<string, Record<string, Operation>>).flatMap(
      ([path, methods]) =>
        Object.entries(methods).map(([method, operation]) => ({ key: `${method} ${path}`, operation })),
    );
    const binary = new Set(['get /api/v1/models/{id}/torrent', 'get /models/{file}']);

    const undocumented = operations.filter(({ key, operation }) => {
      const ok = Object.entries(operation.responses).find(([status]) => status.startsWith('2'));
      const needsSchema = !binary.has(key) && ok?.[0] !== '204';
      return !operation.summary || !ok || (needsSchema && !ok[1].content?.['application/json']?.schema);
    });
    const queryOf = (key: string) =>
      operations
        .find((o) => o.key === key)
        ?.operation.parameters?.filter((p) => p.in === 'query')
        .map((p) => p.name);

    expect(undocumented.map((o) => o.key)).toEqual([]);
    expect(Object.keys(ROUTE_DOCS).filter((key) => !operations.some((o) => o.key === key))).toEqual([]);
    expect(queryOf('get /api/v1/ledger/entries')).toEqual(['start', 'end']);
    expect(queryOf('get /api/v1/ledger/proof/inclusion')).toEqual(['index', 'size']);
    expect(queryOf('get /api/v1/peers/me/jobs')).toEqual(['wait']);
    expect(queryOf('get /siteverify')).toEqual([
      'secret',
      'response',
      'remoteip',
      'sitekey',
      'idempotency_key',
      'consensus_wait',
    ]);
    const solution = operations.find((o) => o.key === 'post /api/v1/challenges/{id}/solution')!.operation;
    expect(solution.responses['404'].description).toContain('challenge-not-found');
    expect(document.components.schemas.ErrorBody.required).toEqual(['statusCode', 'code', 'message']);
  });

  it.each([
    ['GET', '/no/such/route'],
    ['POST', '/no/such/route'],
    ['GET', '/turnstile/v0/siteverify'],
    ['PUT', '/siteverify'],
    ['DELETE', '/healthz'],
    ['GET', '/siteverify/'],
  ])('answers %s %s with 404 not-found in the error shape', async (method, url) => {
    const response = await request(t.baseUrl)[method.toLowerCase() as 'get'](url);

    expect(response.status).toBe(404);
    // On a siteverify path the body also carries siteverify's fields (test/e2e/rate-limits.e2e-spec.ts).
    expect(response.body).toMatchObject({ statusCode: 404, code: 'not-found', message: `Cannot ${method} ${url}` });
  });
});

describe('committed openapi.json', () => {
  it('is what the code generates now', async () => {
    const file = path.join(process.cwd(), 'openapi.json');
    const committed = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '(missing)';

    const generated = await generateOpenApi();

    if (committed !== generated) {
      throw new Error('openapi.json is out of date with the code: run `npm run openapi` and commit the result');
    }
    expect(JSON.parse(committed).info.title).toBe('PeerProof');
  });
});
