import * as http from 'node:http';
import * as net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { SiteWithSecretDto } from '../../src/sites/sites.dto';
import { databaseKinds } from '../support/databases';
import { createSite } from '../support/fixtures';
import type { TestApp } from '../support/test-app';
import { ADMIN_TOKEN, startTestApp } from '../support/test-app';

/**
 * Malformed input of every kind, at every public endpoint: the service must answer each request with a
 * 4xx (never a 5xx) in the error shape `{statusCode, code, message}`, and keep running.
 */

const BODY_LIMIT = 2048;
const RANDOM_REQUESTS = { sqlite: 4000, postgres: 2000 } as const;
const SEED = 0x5eed_2026;

/** mulberry32: a tiny seeded PRNG, so a failing request can be reproduced from the seed. */
function prng(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (max: number) => Math.floor(next() * max);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)];
  const chance = (p: number) => next() < p;
  return { next, int, pick, chance };
}
type Random = ReturnType<typeof prng>;

interface Exchange {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** Send the body chunked, without Content-Length. */
  chunked?: boolean;
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

const SITEVERIFY_PATHS = ['/siteverify', '/api/v1/siteverify', '/recaptcha/api/siteverify', '/turnstile/v0/siteverify'];
const JSON_TYPE = 'application/json';
const FORM_TYPE = 'application/x-www-form-urlencoded';

function send(agent: http.Agent, baseUrl: string, exchange: Exchange): Promise<Answer> {
  const url = new URL(exchange.path, baseUrl);
  const headers: Record<string, string | number> = { ...exchange.headers };
  if (exchange.body !== undefined && !exchange.chunked) headers['Content-Length'] = exchange.body.length;
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: exchange.method, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    if (exchange.body !== undefined) {
      // Chunked bodies go in pieces, to exercise the parser's streaming path.
      const pieces = exchange.chunked ? splitIn(exchange.body, 3) : [exchange.body];
      for (const piece of pieces) req.write(piece);
    }
    req.end();
  });
}

function splitIn(buffer: Buffer, parts: number): Buffer[] {
  const size = Math.max(1, Math.ceil(buffer.length / parts));
  const pieces: Buffer[] = [];
  for (let offset = 0; offset < buffer.length; offset += size) pieces.push(buffer.subarray(offset, offset + size));
  return pieces;
}

/** Writes raw bytes on a fresh connection, half-closes it, and parses every response that comes back. */
function sendRaw(port: number, bytes: string): Promise<Answer[]> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'ECONNRESET' && error.code !== 'EPIPE') reject(error);
    });
    socket.on('close', () => resolve(parseResponses(Buffer.concat(chunks))));
    socket.end(bytes);
  });
}

function parseResponses(data: Buffer): Answer[] {
  const answers: Answer[] = [];
  let rest = data;
  while (rest.length > 0) {
    const headEnd = rest.indexOf('\r\n\r\n');
    if (headEnd < 0) throw new Error(`incomplete response: ${JSON.stringify(rest.toString('latin1'))}`);
    const [statusLine, ...headerLines] = rest.subarray(0, headEnd).toString('latin1').split('\r\n');
    const headers: http.IncomingHttpHeaders = {};
    for (const line of headerLines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const length = Number(headers['content-length'] ?? 0);
    const bodyStart = headEnd + 4;
    answers.push({
      status: Number(statusLine.split(' ')[1]),
      headers,
      text: rest.subarray(bodyStart, bodyStart + length).toString('utf8'),
    });
    rest = rest.subarray(bodyStart + length);
  }
  return answers;
}

/** The invariants every answer to a malformed request keeps; returns the parsed body. */
function expectWellFormed(exchange: { method: string; path: string }, answer: Answer): Record<string, unknown> {
  const context = `${exchange.method} ${exchange.path} -> ${answer.status} ${answer.text.slice(0, 300)}`;
  if (answer.status >= 500 || answer.status < 200) throw new Error(`unexpected status: ${context}`);
  if (answer.status < 400) {
    if (!/^application\/json/.test(String(answer.headers['content-type']))) return {};
    return JSON.parse(answer.text) as Record<string, unknown>;
  }
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(answer.text) as Record<string, unknown>;
  } catch {
    throw new Error(`error body is not JSON: ${context}`);
  }
  const shapeOk =
    body !== null &&
    body.statusCode === answer.status &&
    typeof body.code === 'string' &&
    /^[a-z][a-z0-9-]*$/.test(body.code) &&
    typeof body.message === 'string' &&
    body.message.length > 0;
  if (!shapeOk) throw new Error(`error body lacks statusCode/code/message: ${context}`);
  if (!/^application\/json/.test(String(answer.headers['content-type']))) {
    throw new Error(`error is not labelled JSON: ${context}`);
  }
  const siteverify = SITEVERIFY_PATHS.includes(exchange.path.split('?')[0]);
  if (siteverify && (body.success !== false || !Array.isArray(body['error-codes']))) {
    throw new Error(`siteverify error lacks success/error-codes: ${context}`);
  }
  return body;
}

// ---------------------------------------------------------------- generators

const NASTY_STRINGS = [
  '',
  ' ',
  '\t\n',
  '\u0000',
  'null',
  'undefined',
  'true',
  '0',
  '-1',
  '1e309',
  'NaN',
  '[]',
  '{}',
  '__proto__',
  'constructor',
  '%00',
  '%ZZ',
  '../../etc/passwd',
  "' OR 1=1 --",
  '"; DROP TABLE sites; --',
  '<script>alert(1)</script>',
  '${jndi:ldap://x}',
  '\u202eRTL override',
  'Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǵ̗̻o̴',
  '💩🔥👩‍👩‍👧‍👦',
  '中文字符',
  'ppt_',
  'ppt_test.DUMMY.TOKEN',
  'pps_test_always_pass',
  'pps_test_always_fail',
  'pps_test_token_spent',
  'ppk_test_always_pass',
  '127.0.0.1',
  '::1',
  '999.999.999.999',
  '*.example.com',
  'example.com',
];

const ACCEPTED_TYPES = [JSON_TYPE, JSON_TYPE, FORM_TYPE, `${JSON_TYPE}; charset=utf-8`, `${FORM_TYPE}; charset=utf-8`];
const OTHER_TYPES = [
  'Application/JSON',
  'application/json; charset=utf-16',
  'text/plain',
  'text/html',
  'application/xml',
  'multipart/form-data; boundary=xyz',
  'application/octet-stream',
  'application/vnd.api+json',
  'application/json, text/plain',
  'garbage',
  ';',
  '',
];

function randomString(random: Random, maxLength: number): string {
  if (random.chance(0.35)) return random.pick(NASTY_STRINGS);
  const length = random.chance(0.1) ? random.int(maxLength) : random.int(40);
  let text = '';
  for (let i = 0; i < length; i++) {
    const roll = random.next();
    if (roll < 0.6) text += String.fromCharCode(0x20 + random.int(95));
    else if (roll < 0.7) text += String.fromCharCode(random.int(0x20));
    else if (roll < 0.85) text += String.fromCodePoint(0xa0 + random.int(0x2f00));
    else if (roll < 0.95) text += String.fromCodePoint(0x1f300 + random.int(0x300));
    else text += String.fromCharCode(0xd800 + random.int(0x800)); // lone surrogate
  }
  return text;
}

function randomValue(random: Random, depth = 0): unknown {
  const roll = random.int(depth > 2 ? 6 : 9);
  switch (roll) {
    case 0:
      return null;
    case 1:
      return random.chance(0.5);
    case 2:
      return random.pick([0, -1, 1.5, 1e308, -0, 2 ** 53 + 1, 0.5]);
    case 3:
    case 4:
    case 5:
      return randomString(random, 3000);
    case 6:
    case 7:
      return Array.from({ length: random.int(5) }, () => randomValue(random, depth + 1));
    default:
      return randomObject(random, depth + 1);
  }
}

function randomObject(random: Random, depth: number): Record<string, unknown> {
  const keys = ['secret', 'response', 'remoteip', 'sitekey', 'idempotency_key', 'hostnames', 'name', 'level'];
  const object: Record<string, unknown> = {};
  for (let i = random.int(5); i > 0; i--) {
    object[random.chance(0.7) ? random.pick(keys) : randomString(random, 50)] = randomValue(random, depth);
  }
  return object;
}

/** A valid body for the path, with fields removed, replaced, added or retyped. */
function mutatedBody(random: Random, path: string, secret: string): Record<string, unknown> {
  const base: Record<string, unknown> = SITEVERIFY_PATHS.includes(path)
    ? { secret, response: `ppt_${randomString(random, 60)}`, remoteip: '203.0.113.9', idempotency_key: 'k-1' }
    : path.endsWith('/rotate-secret')
      ? { invalidatePrevious: true }
      : { name: 'Shop', hostnames: ['shop.example.com'], level: 'compute', scoreThreshold: 0.5, difficulty: 'easy' };
  const keys = Object.keys(base);
  for (let i = 1 + random.int(3); i > 0; i--) {
    const roll = random.int(4);
    if (roll === 0) delete base[random.pick(keys)];
    else if (roll === 1) base[random.pick(keys)] = randomValue(random);
    else if (roll === 2) base[random.chance(0.5) ? randomString(random, 30) : 'extra'] = randomValue(random);
    else base[random.pick(keys)] = random.pick(['', ' ', randomString(random, 3000), [], {}, 1, null]);
  }
  return base;
}

/** encodeURIComponent, with lone surrogates (which it cannot encode) replaced. */
function encode(text: string): string {
  return encodeURIComponent(
    text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd'),
  );
}

function formEncode(random: Random, fields: Record<string, unknown>): string {
  const pairs: string[] = [];
  for (const [key, value] of Object.entries(fields)) {
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    pairs.push(`${encode(key)}=${encode(text ?? '')}`);
    // Duplicate keys turn a field into an array.
    if (random.chance(0.15)) pairs.push(`${encode(key)}=${encode(randomString(random, 20))}`);
  }
  if (random.chance(0.1))
    pairs.push(random.pick(['&&', '=', '==x', '%', '%zz=1', 'secret=%ED%A0%80', 'a[b]=c', 'a[]=1&a[]=2']));
  return pairs.join('&');
}

function randomBody(random: Random, path: string, secret: string, contentType: string): Buffer {
  const asForm = contentType.toLowerCase().startsWith(FORM_TYPE);
  const roll = random.int(100);
  if (roll < 3) return Buffer.alloc(BODY_LIMIT + 1 + random.int(BODY_LIMIT), asForm ? 'a' : ' ');
  if (roll < 8) return Buffer.alloc(0);
  if (roll < 18) return Buffer.from(randomString(random, 500), 'utf8');
  if (roll < 26) {
    const valid = JSON.stringify(mutatedBody(random, path, secret));
    return Buffer.from(valid.slice(0, random.int(valid.length)), 'utf8');
  }
  if (roll < 34) return Buffer.from(JSON.stringify(randomValue(random)) ?? 'null', 'utf8');
  if (roll < 38) {
    const bytes = Buffer.alloc(random.int(200));
    for (let i = 0; i < bytes.length; i++) bytes[i] = random.int(256);
    return bytes;
  }
  const fields = random.chance(0.3) ? randomObject(random, 0) : mutatedBody(random, path, secret);
  return Buffer.from(asForm ? formEncode(random, fields) : JSON.stringify(fields), 'utf8');
}

// ---------------------------------------------------------------- the suite

describe.each(databaseKinds())('malformed input [%s]', (kind) => {
  let t: TestApp;
  let agent: http.Agent;
  let port: number;
  let verifySite: SiteWithSecretDto;
  let adminSite: SiteWithSecretDto;
  const auth = { Authorization: `Bearer ${ADMIN_TOKEN}` };

  beforeAll(async () => {
    t = await startTestApp(kind, { BODY_LIMIT_BYTES: String(BODY_LIMIT), RATE_LIMIT_PER_MINUTE: '0' });
    port = Number(new URL(t.baseUrl).port);
    agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    verifySite = await createSite(t, { hostnames: ['verify.example.com'] });
    adminSite = await createSite(t, { hostnames: ['admin.example.com'] });
  });
  afterAll(async () => {
    agent?.destroy();
    await t?.close();
  });

  const call = (exchange: Exchange) => send(agent, t.baseUrl, exchange);
  /** Every endpoint that reads a body, with the headers it needs to get as far as parsing it. */
  const bodyEndpoints = (): { method: string; path: string; headers: Record<string, string> }[] => [
    { method: 'POST', path: '/siteverify', headers: {} },
    { method: 'POST', path: '/api/v1/siteverify', headers: {} },
    { method: 'POST', path: '/turnstile/v0/siteverify', headers: {} },
    { method: 'POST', path: '/api/v1/admin/sites', headers: auth },
    { method: 'PATCH', path: `/api/v1/admin/sites/${adminSite.sitekey}`, headers: auth },
    { method: 'POST', path: `/api/v1/admin/sites/${adminSite.sitekey}/rotate-secret`, headers: auth },
  ];

  const expectEvery = async (
    body: string | Buffer,
    contentType: string | null,
    expected: { status: number; code: string },
    chunked = false,
  ) => {
    for (const endpoint of bodyEndpoints()) {
      const headers = contentType === null ? endpoint.headers : { ...endpoint.headers, 'Content-Type': contentType };
      const answer = await call({ ...endpoint, headers, body: Buffer.from(body), chunked });
      const parsed = expectWellFormed(endpoint, answer);
      expect({ endpoint: endpoint.path, status: answer.status, code: parsed.code }).toEqual({
        endpoint: endpoint.path,
        ...expected,
      });
    }
  };

  it.each([
    ['an unclosed object', '{"secret": "x"'],
    ['a trailing comma', '{"secret": "x",}'],
    ['single quotes', "{'secret': 'x'}"],
    ['a bare word', 'secret'],
    ['form data', 'secret=x&response=y'],
    ['two documents', '{"a":1}{"b":2}'],
    ['a raw control character', '{"secret": "a\u0001b"}'],
    ['a bad escape', '{"secret": "\\x41"}'],
    ['a BOM-only body', '\ufeff'],
    ['a prototype-poisoning key', '{"__proto__": {"admin": true}}'],
    ['a constructor-poisoning key', '{"constructor": {"prototype": {"admin": true}}}'],
  ])('answers JSON with %s with 400 malformed-json', async (_label, body) => {
    await expectEvery(body, JSON_TYPE, { status: 400, code: 'malformed-json' });
  });

  it('answers an empty JSON body with 400 empty-body', async () => {
    await expectEvery('', JSON_TYPE, { status: 400, code: 'empty-body' });
    await expectEvery('', `${JSON_TYPE}; charset=utf-8`, { status: 400, code: 'empty-body' });
  });

  it('answers bodies over BODY_LIMIT_BYTES with 413 payload-too-large, with or without Content-Length', async () => {
    const json = JSON.stringify({ secret: 'x', response: 'y'.repeat(BODY_LIMIT) });
    await expectEvery(json, JSON_TYPE, { status: 413, code: 'payload-too-large' });
    await expectEvery(json, JSON_TYPE, { status: 413, code: 'payload-too-large' }, true);
    await expectEvery(`response=${'y'.repeat(BODY_LIMIT)}`, FORM_TYPE, { status: 413, code: 'payload-too-large' });
  });

  it('takes a body of exactly BODY_LIMIT_BYTES', async () => {
    const prefix = '{"secret":"pps_unknown","response":"';
    const body = `${prefix}${'y'.repeat(BODY_LIMIT - prefix.length - 2)}"}`;
    expect(Buffer.byteLength(body)).toBe(BODY_LIMIT);

    const answer = await call({
      method: 'POST',
      path: '/siteverify',
      headers: { 'Content-Type': JSON_TYPE },
      body: Buffer.from(body),
    });

    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text)['error-codes']).toEqual(['invalid-input-secret']);
  });

  it.each([
    'text/plain',
    'text/html',
    'application/xml',
    'application/octet-stream',
    'application/vnd.api+json',
    'application/json-patch+json',
    'text/json',
    'garbage',
    null,
  ])('answers a body of type %s with 415 unsupported-media-type', async (contentType) => {
    await expectEvery('{"secret":"x","response":"y"}', contentType, { status: 415, code: 'unsupported-media-type' });
  });

  it.each([
    ['an array', '[{"secret":"x","response":"y"}]'],
    ['a number', '42'],
    ['a string', '"secret"'],
    ['a boolean', 'true'],
  ])('answers a JSON body that is %s with 400 invalid-request', async (_label, body) => {
    await expectEvery(body, JSON_TYPE, { status: 400, code: 'invalid-request' });
  });

  it('treats a JSON null body on siteverify as a request without fields', async () => {
    const answer = await call({
      method: 'POST',
      path: '/siteverify',
      headers: { 'Content-Type': JSON_TYPE },
      body: Buffer.from('null'),
    });

    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text)['error-codes']).toEqual(['missing-input-secret', 'missing-input-response']);
  });

  it('answers multipart bodies with 415 except on siteverify, where a broken one gets 400 malformed-multipart', async () => {
    const type = 'multipart/form-data; boundary=xyz';
    for (const endpoint of bodyEndpoints()) {
      const headers = { ...endpoint.headers, 'Content-Type': type };
      const answer = await call({ ...endpoint, headers, body: Buffer.from('{"secret":"x","response":"y"}') });
      const body = expectWellFormed(endpoint, answer);
      const siteverify = SITEVERIFY_PATHS.includes(endpoint.path);
      expect({ path: endpoint.path, status: answer.status, code: body.code }).toEqual({
        path: endpoint.path,
        status: siteverify ? 400 : 415,
        code: siteverify ? 'malformed-multipart' : 'unsupported-media-type',
      });
    }
  });

  it.each([
    ['wrong types', { secret: 42, response: ['ppt_x'] }],
    ['an over-long secret', { secret: 's'.repeat(513), response: 'ppt_x' }],
    ['an idempotency key with spaces', { secret: 'pps_x', response: 'ppt_x', idempotency_key: 'a b' }],
  ])('answers siteverify with %s with 400 invalid-request and siteverify fields', async (_label, fields) => {
    for (const path of SITEVERIFY_PATHS) {
      const answer = await call({
        method: 'POST',
        path,
        headers: { 'Content-Type': JSON_TYPE },
        body: Buffer.from(JSON.stringify(fields)),
      });
      const body = expectWellFormed({ method: 'POST', path }, answer);
      expect({ path, status: answer.status, code: body.code, errorCodes: body['error-codes'] }).toEqual({
        path,
        status: 400,
        code: 'invalid-request',
        errorCodes: ['bad-request'],
      });
    }
  });

  it.each([
    ['a Content-Length longer than the body', 'Content-Length: 500\r\n', '{"secret":"x"}'],
    ['a Content-Length shorter than the body', 'Content-Length: 3\r\n', '{"secret":"x"}'],
    ['a negative Content-Length', 'Content-Length: -1\r\n', '{"secret":"x"}'],
    ['a non-numeric Content-Length', 'Content-Length: abc\r\n', '{"secret":"x"}'],
    ['two different Content-Lengths', 'Content-Length: 14\r\nContent-Length: 15\r\n', '{"secret":"x"}'],
    ['Content-Length with chunked encoding', 'Content-Length: 5\r\nTransfer-Encoding: chunked\r\n', '0\r\n\r\n'],
    ['a body without Content-Length', '', '{"secret":"x"}'],
    ['a broken chunk size', 'Transfer-Encoding: chunked\r\n', 'zz\r\n{}\r\n0\r\n\r\n'],
    ['a huge Content-Length', 'Content-Length: 99999999999\r\n', '{}'],
  ])('answers a request with %s in the error shape', async (_label, headers, body) => {
    const answers = await sendRaw(
      port,
      `POST /siteverify HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: ${JSON_TYPE}\r\n${headers}\r\n${body}`,
    );

    expect(answers.length).toBeGreaterThan(0);
    for (const answer of answers) {
      const parsed = expectWellFormed({ method: 'POST', path: '(raw)' }, answer);
      expect(answer.status).toBeGreaterThanOrEqual(400);
      expect(typeof parsed.code).toBe('string');
    }
  });

  it('answers bytes that are not HTTP, and oversized headers, in the error shape', async () => {
    const garbage = await sendRaw(port, 'HELLO THERE\r\n\r\n');
    const headers = await sendRaw(port, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);

    expect(garbage.map((a) => [a.status, JSON.parse(a.text).code])).toEqual([[400, 'malformed-request']]);
    expect(headers.map((a) => [a.status, JSON.parse(a.text).code])).toEqual([[431, 'headers-too-large']]);
  });

  it.each([
    ['GET', '/%', 400, 'malformed-url'],
    ['POST', '/siteverify%zz', 400, 'malformed-url'],
    ['GET', '/api/v1/admin/sites/%E0%A4%A', 400, 'malformed-url'],
    ['GET', `/api/v1/admin/sites/ppk_${'a'.repeat(200)}`, 414, 'uri-too-long'],
  ])('answers %s %s, which the router rejects, with %i %s', async (method, path, status, code) => {
    const answer = await call({ method, path, headers: auth });

    const body = expectWellFormed({ method, path }, answer);
    expect({ status: answer.status, code: body.code }).toEqual({ status, code });
  });

  it('answers an OPTIONS request without the preflight headers without a text/plain error', async () => {
    const incomplete: Record<string, string>[] = [
      {},
      { Origin: 'https://shop.example.com' },
      { 'Access-Control-Request-Method': 'POST' },
    ];
    for (const headers of incomplete) {
      const answer = await call({ method: 'OPTIONS', path: '/siteverify', headers });
      expect({ headers, status: answer.status, text: answer.text }).toEqual({ headers, status: 204, text: '' });
    }
  });

  it(`survives ${RANDOM_REQUESTS[kind]} randomised malformed requests without a 5xx`, async () => {
    const random = prng(SEED + (kind === 'sqlite' ? 0 : 1));
    const adminPaths = () => [
      '/api/v1/admin/sites',
      `/api/v1/admin/sites/${adminSite.sitekey}`,
      `/api/v1/admin/sites/${adminSite.sitekey}/rotate-secret`,
      `/api/v1/admin/sites/ppk_${encode(randomString(random, 80))}`,
      `/api/v1/admin/sites/${encode(randomString(random, 80))}/rotate-secret`,
    ];
    const nextExchange = (): Exchange => {
      const roll = random.int(100);
      const contentType = random.chance(0.8) ? random.pick(ACCEPTED_TYPES) : random.pick(OTHER_TYPES);
      const headers: Record<string, string> = contentType ? { 'Content-Type': contentType } : {};
      if (roll < 50) {
        const path =
          random.pick(SITEVERIFY_PATHS) + (random.chance(0.05) ? `?secret=${encode(randomString(random, 20))}` : '');
        const body = randomBody(random, path.split('?')[0], verifySite.secret, contentType);
        return { method: 'POST', path, headers, body, chunked: random.chance(0.1) };
      }
      if (roll < 85) {
        const path = random.pick(adminPaths());
        // The fixture site stays: DELETE goes to made-up sitekeys only.
        const method = random.pick(
          path.includes(adminSite.sitekey) ? ['GET', 'POST', 'PATCH'] : ['GET', 'POST', 'DELETE'],
        );
        const token = randomString(random, 40).replace(/[^\x21-\x7e]/g, '');
        const authorization = random.chance(0.9) ? auth : { Authorization: `Bearer ${token}` };
        const body = method === 'GET' ? undefined : randomBody(random, path, verifySite.secret, contentType);
        return { method, path, headers: { ...headers, ...authorization }, body };
      }
      const path = random.pick(['/healthz', '/readyz', '/metrics', '/docs/openapi.json', '/nope', '/%', '/..%2f']);
      const withBody = random.chance(0.3);
      return {
        method: random.pick(['GET', 'GET', 'HEAD', 'POST', 'OPTIONS']),
        path,
        headers,
        body: withBody ? randomBody(random, path, '', contentType) : undefined,
      };
    };

    const statuses = new Map<number, number>();
    const codes = new Set<string>();
    let remaining = RANDOM_REQUESTS[kind];
    const worker = async () => {
      while (remaining-- > 0) {
        const exchange = nextExchange();
        const answer = await call(exchange);
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        if (exchange.method === 'HEAD') {
          expect(answer.status).toBeLessThan(500);
          continue;
        }
        const body = expectWellFormed(exchange, answer);
        if (typeof body.code === 'string') codes.add(body.code);
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));

    // The generator reached every kind of rejection, not just one.
    expect([...statuses.keys()].every((status) => status < 500)).toBe(true);
    expect([...codes].sort()).toEqual(
      expect.arrayContaining([
        'empty-body',
        'invalid-admin-token',
        'invalid-request',
        'malformed-json',
        'not-found',
        'payload-too-large',
        'unsupported-media-type',
      ]),
    );
  });

  it('still answers /healthz and /readyz, and siteverify still works, after all that', async () => {
    const health = await call({ method: 'GET', path: '/healthz', headers: {} });
    const ready = await call({ method: 'GET', path: '/readyz', headers: {} });
    const verify = await call({
      method: 'POST',
      path: '/siteverify',
      headers: { 'Content-Type': FORM_TYPE },
      body: Buffer.from(new URLSearchParams({ secret: verifySite.secret, response: 'ppt_unknown' }).toString()),
    });

    expect(health.status).toBe(200);
    expect(JSON.parse(health.text)).toEqual({ status: 'ok' });
    expect(ready.status).toBe(200);
    expect(JSON.parse(verify.text)['error-codes']).toEqual(['invalid-input-response']);
  });
});
