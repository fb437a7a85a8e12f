import * as http from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import type { SiteWithSecretDto } from '../../src/sites/sites.dto';
import { databaseKinds } from '../support/databases';
import { createSite } from '../support/fixtures';
import { waitFor } from '../support/net';
import { exchangeRaw, openFileLimit } from '../support/raw-http';
import type { SlowKind } from '../support/slow-sockets';
import { SlowSockets, loopbackAddress } from '../support/slow-sockets';
import type { TestApp } from '../support/test-app';
import { startTestApp } from '../support/test-app';

/**
 * The HTTP edge under slow and greedy clients: thousands of sockets that trickle bytes, too many sockets
 * from one address or in all, and bodies over their route's limit. The service must keep answering its
 * health probe and siteverify, close every slow socket itself, and refuse oversized bodies unread.
 */

const HEADERS_TIMEOUT_MS = 8_000;
const REQUEST_TIMEOUT_MS = 10_000;
const PER_IP = 64;
const SOCKETS_PER_ADDRESS = 40;
const KINDS: SlowKind[] = ['silent', 'headers', 'body'];

/** Slow sockets for this test: both ends live in this process, so each costs two open files. */
function slowSocketCount(): number {
  const limit = openFileLimit() ?? 4096;
  const count = Math.min(2_400, Math.floor((limit - 1_500) / 2));
  if (count < 1_000) {
    throw new Error(`the open-file limit (${limit}) leaves room for ${count} slow sockets; raise \`ulimit -n\``);
  }
  return count;
}

/** One request on a fresh connection, as a load balancer's probe makes it. */
function probe(port: number, path: string, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const headers = body ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } : {};
    const req = http.request(
      { host: '127.0.0.1', port, path, method: body ? 'POST' : 'GET', agent: false, headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function openConnectionsGauge(metrics: string): number {
  const match = /^peerproof_http_open_connections (\d+)/m.exec(metrics);
  return match ? Number(match[1]) : NaN;
}

function refusedCounter(metrics: string, reason: string): number {
  const match = new RegExp(`^peerproof_http_refused_connections_total\\{reason="${reason}"\\} (\\d+)`, 'm').exec(
    metrics,
  );
  return match ? Number(match[1]) : 0;
}

describe.each(databaseKinds())('the HTTP edge under slow clients [%s]', (kind) => {
  let t: TestApp;
  let port: number;
  let site: SiteWithSecretDto;
  let attack: SlowSockets | null = null;

  beforeAll(async () => {
    t = await startTestApp(kind, {
      HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
      REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
      KEEP_ALIVE_TIMEOUT_MS: '1000',
      MAX_CONNECTIONS_PER_IP: String(PER_IP),
      RATE_LIMIT_PER_MINUTE: '0',
      METRICS_RATE_LIMIT_PER_MINUTE: '0',
      SITEVERIFY_IP_RATE_LIMIT_PER_MINUTE: '0',
      // The probes below call siteverify for one site as fast as it answers: its budget is not under test here.
      SITEVERIFY_SITE_RATE_LIMIT_PER_MINUTE: '0',
    });
    port = Number(new URL(t.baseUrl).port);
    site = await createSite(t);
  });
  afterEach(() => {
    attack?.destroyAll();
    attack = null;
  });
  afterAll(() => t?.close());

  const metrics = async () => (await probe(port, '/metrics')).text;

  it('keeps /healthz and /siteverify answering while thousands of slow sockets are open, and closes each one', async () => {
    const count = slowSocketCount();
    attack = new SlowSockets(port, 1_000);
    const slow = attack;
    let peak = 0;
    const probes: { health: number; verify: number; verdict: string; slowOpen: number }[] = [];
    const verifyBody = JSON.stringify({ secret: site.secret, response: 'ppt_unknown' });
    let probing = true;
    // A load balancer's view: one probe after another, from before the attack until it is over.
    const prober = (async () => {
      while (probing) {
        const health = await probe(port, '/healthz');
        const verify = await probe(port, '/siteverify', verifyBody);
        peak = Math.max(peak, slow.openCount);
        const verdict = JSON.stringify(JSON.parse(verify.text)['error-codes']);
        probes.push({ health: health.status, verify: verify.status, verdict, slowOpen: slow.openCount });
      }
    })();

    try {
      await slow.open(
        count,
        (i) => loopbackAddress(Math.floor(i / SOCKETS_PER_ADDRESS)),
        (i) => KINDS[i % KINDS.length],
      );
      peak = Math.max(peak, slow.openCount);
      await waitFor('the service to close every slow socket', () => slow.allClosed(), REQUEST_TIMEOUT_MS + 20_000);
    } finally {
      probing = false;
      await prober;
    }

    // Thousands at once (opening them takes seconds on a busy machine, and the first may time out before
    // the last are open), and probes answered while the attack was at its peak, not only after it.
    expect(peak).toBeGreaterThanOrEqual(1_000);
    expect(probes.filter((p) => p.slowOpen >= peak * 0.9).length).toBeGreaterThanOrEqual(2);
    expect(probes.filter((p) => p.health !== 200 || p.verify !== 200)).toEqual([]);
    expect(new Set(probes.map((p) => p.verdict))).toEqual(new Set(['["invalid-input-response"]']));
    // Every slow socket was closed by the service, with a 408 in the usual error shape.
    for (const slowKind of KINDS) {
      const endings = slow.sockets
        .filter((s) => s.kind === slowKind)
        .map((s) => `${s.closedByServer} ${s.answers.map((a) => `${a.status} ${JSON.parse(a.text).code}`).join()}`);
      expect({ kind: slowKind, endings: new Set(endings) }).toEqual({
        kind: slowKind,
        endings: new Set(['true 408 request-timeout']),
      });
    }
    // Nothing is left open on the service's side either.
    await waitFor('the open-connection gauge to settle', async () => openConnectionsGauge(await metrics()) <= 3);
  });

  it('refuses connections past MAX_CONNECTIONS_PER_IP from one address, and counts them', async () => {
    const before = refusedCounter(await metrics(), 'per-ip');
    attack = new SlowSockets(port, 1_000);
    const slow = attack;

    await slow.open(
      PER_IP + 16,
      () => '127.30.0.1',
      () => 'silent',
      20,
    );
    await waitFor('the surplus to be refused', () => slow.sockets.filter((s) => s.refused).length >= 16);
    const other = await probe(port, '/healthz');

    // The cap is taken when a connection arrives: those let in stay open (until their header timeout).
    expect(slow.sockets.filter((s) => s.refused && s.closedByServer)).toHaveLength(16);
    expect(slow.openCount).toBe(PER_IP);
    expect(other.status).toBe(200);
    expect(refusedCounter(await metrics(), 'per-ip') - before).toBe(16);
  });

  it('answers a 1 MB solution with 413 from its headers alone, and closes the connection', async () => {
    const solution = await exchangeRaw(
      port,
      'POST /api/v1/challenges/6f1c2c1e-8a34-4f0b-9a1e-3f5c4d2b7e90/solution HTTP/1.1\r\nHost: x\r\n' +
        'Content-Type: application/json\r\nContent-Length: 1000000\r\n\r\n',
    );
    const siteverify = await exchangeRaw(
      port,
      'POST /siteverify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 70000\r\n\r\n',
    );

    expect(solution.answers.map((a) => [a.status, JSON.parse(a.text).code, a.headers.connection])).toEqual([
      [413, 'payload-too-large', 'close'],
    ]);
    expect(siteverify.answers.map((a) => [a.status, JSON.parse(a.text)])).toEqual([
      [
        413,
        {
          success: false,
          'error-codes': ['bad-request'],
          statusCode: 413,
          code: 'payload-too-large',
          message: 'Request body is too large',
        },
      ],
    ]);
  });

  it('gives each route family its own body limit', async () => {
    const padded = (bytes: number) => JSON.stringify({ outputs: [], pad: 'x'.repeat(bytes) });

    const solution = await request(t.baseUrl)
      .post('/api/v1/challenges/6f1c2c1e-8a34-4f0b-9a1e-3f5c4d2b7e90/solution')
      .type('json')
      .send(padded(800_000));
    const issue = await request(t.baseUrl).post('/api/v1/challenges').type('json').send(padded(80_000));

    expect(solution.status).not.toBe(413);
    expect(solution.status).toBeLessThan(500);
    expect(issue.status).toBe(413);
  });

  it('closes a kept-alive connection that stays idle past KEEP_ALIVE_TIMEOUT_MS', async () => {
    // A raw socket: Node's own agent would close an idle socket itself on the Keep-Alive hint.
    const exchange = await exchangeRaw(port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');

    expect(exchange.answers.map((a) => [a.status, a.headers.connection, a.headers['keep-alive']])).toEqual([
      [200, 'keep-alive', 'timeout=1'],
    ]);
  });
});

describe.each(databaseKinds())('the global connection cap [%s]', (kind) => {
  let t: TestApp;
  let attack: SlowSockets | null = null;
  beforeAll(async () => {
    t = await startTestApp(kind, {
      MAX_CONNECTIONS: '40',
      MAX_CONNECTIONS_PER_IP: '0',
      HEADERS_TIMEOUT_MS: '1500',
      REQUEST_TIMEOUT_MS: '1500',
    });
  });
  afterAll(async () => {
    attack?.destroyAll();
    await t?.close();
  });

  it('closes connections past MAX_CONNECTIONS on arrival, and serves again once the slow ones are cut', async () => {
    const port = Number(new URL(t.baseUrl).port);
    attack = new SlowSockets(port, 500);

    await attack.open(
      50,
      (i) => loopbackAddress(1_000 + i),
      () => 'headers',
      10,
    );
    await waitFor('every socket to be closed', () => attack!.allClosed(), 15_000);
    const after = await probe(port, '/healthz');
    const metrics = (await probe(port, '/metrics')).text;

    expect(attack.sockets.filter((s) => s.refused)).toHaveLength(10);
    expect(attack.sockets.filter((s) => s.answers.map((a) => a.status).join() === '408')).toHaveLength(40);
    expect(after.status).toBe(200);
    expect(refusedCounter(metrics, 'global')).toBe(10);
  });
});
