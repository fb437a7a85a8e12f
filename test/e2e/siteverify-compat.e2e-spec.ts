import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { HCAPTCHA_TEST_KEYS, RECAPTCHA_TEST_KEYS, TURNSTILE_DUMMY_TOKEN } from '../../src/protocol/anchor-test-keys';
import { DUMMY_TOKEN } from '../../src/protocol/keys';
import type { SiteWithSecretDto } from '../../src/sites/sites.dto';
import { databaseKinds } from '../support/databases';
import { createSite, mintToken, siteverify } from '../support/fixtures';
import type { TestApp } from '../support/test-app';
import { startTestApp } from '../support/test-app';

/**
 * siteverify as lenient as the anchors where backends written for them depend on it: their paths, every body
 * encoding their libraries send, the query string, advisory remoteip, extra and repeated fields, their test
 * keys. Every case redeems a real token, so "accepted" means the token was really checked.
 */
describe.each(databaseKinds())('siteverify, as the anchors answer [%s]', (kind) => {
  let t: TestApp;
  let site: SiteWithSecretDto;
  beforeAll(async () => {
    t = await startTestApp(kind, { RATE_LIMIT_PER_MINUTE: '0' });
    site = await createSite(t);
  });
  afterAll(() => t?.close());

  const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

  it.each(['/recaptcha/api/siteverify', '/turnstile/v0/siteverify'])(
    'redeems a token on the alias path %s',
    async (path) => {
      const token = await mintToken(t, site);

      const { body } = await siteverify(t, form({ secret: site.secret, response: token }), path).expect(200);

      expect(body).toMatchObject({ success: true, hostname: 'shop.example.com', 'error-codes': [] });
    },
  );

  it.each(['/turnstile/v0/siteverify', '/siteverify'])('takes a multipart/form-data body on %s', async (path) => {
    const token = await mintToken(t, site);
    const fields = new FormData();
    fields.append('secret', site.secret);
    fields.append('response', token);
    fields.append('idempotency_key', 'retry-1');

    const answer = await fetch(`${t.baseUrl}${path}`, { method: 'POST', body: fields });

    expect(answer.status).toBe(200);
    expect(await answer.json()).toMatchObject({ success: true, 'error-codes': [] });
  });

  it.each(['/recaptcha/api/siteverify', '/siteverify', '/api/v1/siteverify'])(
    'takes the fields from the query string on %s, by GET or by an empty POST, as reCAPTCHA does',
    async (path) => {
      const byGet = await request(t.baseUrl)
        .get(path)
        .query({ secret: site.secret, response: await mintToken(t, site) })
        .expect(200);
      const byPost = await request(t.baseUrl)
        .post(path)
        .query({ secret: site.secret, response: await mintToken(t, site) })
        .expect(200);

      expect(byGet.body).toMatchObject({ success: true, 'error-codes': [] });
      expect(byPost.body).toMatchObject({ success: true, 'error-codes': [] });
    },
  );

  it('answers GET on the Turnstile path with 404: Turnstile takes POST only', async () => {
    await request(t.baseUrl).get('/turnstile/v0/siteverify').query({ secret: 'x', response: 'y' }).expect(404);
  });

  it('lets the body win over the query string', async () => {
    const token = await mintToken(t, site);

    const { body } = await request(t.baseUrl)
      .post('/siteverify')
      .query({ secret: 'pps_wrong', response: 'ppt_wrong' })
      .type('form')
      .send(form({ secret: site.secret, response: token }))
      .expect(200);

    expect(body.success).toBe(true);
  });

  it.each([
    ['an X-Forwarded-For list', '203.0.113.7, 10.0.0.1, 172.16.0.1'],
    ['ip:port', '203.0.113.7:51234'],
    ['[ipv6]:port', '[2001:db8::1]:443'],
    ['a hostname', 'localhost'],
    ['garbage', '\u0000<script>not an ip'],
    ['a very long value', 'x'.repeat(5000)],
  ])('never fails the call over remoteip: %s', async (_label, remoteip) => {
    const token = await mintToken(t, site);

    const { body } = await siteverify(t, form({ secret: site.secret, response: token, remoteip })).expect(200);

    expect(body).toMatchObject({ success: true, 'error-codes': [] });
  });

  it('ignores a remoteip of another JSON type', async () => {
    const token = await mintToken(t, site);

    const { body } = await siteverify(t, { secret: site.secret, response: token, remoteip: { ip: 1 } }).expect(200);

    expect(body.success).toBe(true);
  });

  it('ignores unknown fields, such as the stray `headers` of nest-cloudflare-turnstile', async () => {
    const token = await mintToken(t, site);

    const { body } = await siteverify(t, {
      secret: site.secret,
      response: token,
      headers: { 'Content-Type': 'application/json' },
      extra: [1, 2],
    }).expect(200);

    expect(body.success).toBe(true);
  });

  it('reads the first value of a repeated form field, as the anchors do', async () => {
    const token = await mintToken(t, site);

    const spoiled = await siteverify(t, `secret=pps_other&secret=${site.secret}&response=${token}`).expect(200);
    const first = await siteverify(t, `secret=${site.secret}&secret=pps_other&response=${token}&response=x`).expect(
      200,
    );

    expect(spoiled.body['error-codes']).toEqual(['invalid-input-secret']);
    expect(first.body.success).toBe(true);
  });

  it('reads the first value of a repeated query or multipart field too', async () => {
    const byQuery = await request(t.baseUrl)
      .get(`/siteverify?secret=${site.secret}&secret=pps_other&response=${await mintToken(t, site)}`)
      .expect(200);
    const fields = new FormData();
    fields.append('secret', site.secret);
    fields.append('secret', 'pps_other');
    fields.append('response', await mintToken(t, site));
    const byMultipart = await fetch(`${t.baseUrl}/siteverify`, { method: 'POST', body: fields });

    expect(byQuery.body.success).toBe(true);
    expect(((await byMultipart.json()) as { success: boolean }).success).toBe(true);
  });

  it('answers action "" and cdata "" when the page set none, so an action check fails closed', async () => {
    const token = await mintToken(t, site, { action: null, cdata: null });

    const { body } = await siteverify(t, { secret: site.secret, response: token }).expect(200);

    expect(body).toMatchObject({ success: true, action: '', cdata: '' });
  });

  describe("the anchors' test keys", () => {
    it("answers reCAPTCHA's test secret as reCAPTCHA does: any response passes, in v2's shape", async () => {
      const { body } = await siteverify(t, { secret: RECAPTCHA_TEST_KEYS.secret, response: 'anything' }).expect(200);

      expect(body).toEqual({
        success: true,
        challenge_ts: new Date(t.clock.nowMs()).toISOString(),
        hostname: 'testkey.google.com',
        'error-codes': [],
      });
    });

    it("answers hCaptcha's test secret with success for its dummy token", async () => {
      const { body } = await siteverify(
        t,
        form({ secret: HCAPTCHA_TEST_KEYS.secret, response: HCAPTCHA_TEST_KEYS.token }),
      );

      expect(body).toMatchObject({ success: true, hostname: 'dummy-key-pass', 'error-codes': [] });
    });

    it.each([
      ['1x0000000000000000000000000000000AA', { success: true, hostname: 'example.com', action: '', cdata: '' }],
      ['2x0000000000000000000000000000000AA', { success: false, 'error-codes': ['invalid-input-response'] }],
      ['3x0000000000000000000000000000000AA', { success: false, 'error-codes': ['timeout-or-duplicate'] }],
    ])("answers Turnstile's test secret %s as Turnstile does", async (secret, expected) => {
      const { body } = await siteverify(
        t,
        form({ secret, response: TURNSTILE_DUMMY_TOKEN }),
        '/turnstile/v0/siteverify',
      );

      expect(body).toMatchObject(expected);
    });

    it('still wants a response with a test secret', async () => {
      const { body } = await siteverify(t, { secret: RECAPTCHA_TEST_KEYS.secret });

      expect(body['error-codes']).toEqual(['missing-input-response']);
    });

    it("rejects every anchor's dummy token with a real secret", async () => {
      for (const response of [HCAPTCHA_TEST_KEYS.token, TURNSTILE_DUMMY_TOKEN, DUMMY_TOKEN]) {
        const { body } = await siteverify(t, { secret: site.secret, response });
        expect(body['error-codes']).toEqual(['invalid-input-response']);
      }
    });
  });
});
