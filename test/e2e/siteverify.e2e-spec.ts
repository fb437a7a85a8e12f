import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DUMMY_TOKEN, TEST_SECRETS } from '../../src/protocol/keys';
import { TokenEntity } from '../../src/tokens/token.entity';
import { DataSource } from 'typeorm';
import { databaseKinds } from '../support/databases';
import { createSite, mintToken, siteverify } from '../support/fixtures';
import type { TestApp } from '../support/test-app';
import { startTestApp } from '../support/test-app';

describe.each(databaseKinds())('siteverify [%s]', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(kind);
  });
  afterAll(() => t?.close());

  it('redeems a valid token once, with every field bound to it', async () => {
    const site = await createSite(t);
    const token = await mintToken(t, site);

    const { body, status } = await siteverify(t, { secret: site.secret, response: token, sitekey: site.sitekey });

    expect(status).toBe(200);
    expect(body).toEqual({
      success: true,
      challenge_ts: new Date(t.clock.nowMs()).toISOString(),
      hostname: 'shop.example.com',
      score: 0.9,
      level: 'compute',
      action: 'signup',
      cdata: 'session-42',
      'error-codes': [],
    });
  });

  it('accepts form-encoded bodies on both paths, as reCAPTCHA backends send them', async () => {
    const site = await createSite(t);
    const token = await mintToken(t, site);
    const form = new URLSearchParams({ secret: site.secret, response: token, remoteip: '203.0.113.7' }).toString();

    const { body } = await siteverify(t, form, '/api/v1/siteverify');

    expect(body.success).toBe(true);
  });

  it('answers a replay with timeout-or-duplicate and already-seen-response', async () => {
    const site = await createSite(t);
    const token = await mintToken(t, site);
    await siteverify(t, { secret: site.secret, response: token }).expect(200);

    const { body } = await siteverify(t, { secret: site.secret, response: token });

    expect(body.success).toBe(false);
    expect(body['error-codes']).toEqual(['timeout-or-duplicate', 'already-seen-response']);
  });

  it('answers an expired token with timeout-or-duplicate and expired-input-response', async () => {
    const site = await createSite(t);
    const token = await mintToken(t, site);
    t.clock.advance(t.config.tokens.ttlSeconds * 1000);

    const { body } = await siteverify(t, { secret: site.secret, response: token });

    expect(body['error-codes']).toEqual(['timeout-or-duplicate', 'expired-input-response']);
  });

  it('still redeems a token one millisecond before it expires', async () => {
    const site = await createSite(t);
    const token = await mintToken(t, site);
    t.clock.advance(t.config.tokens.ttlSeconds * 1000 - 1);

    const { body } = await siteverify(t, { secret: site.secret, response: token });

    expect(body.success).toBe(true);
  });

  it('reports missing secret and response together', async () => {
    const { body } = await siteverify(t, {});
    expect(body).toMatchObject({ success: false, 'error-codes': ['missing-input-secret', 'missing-input-response'] });
    const blank = await siteverify(t, { secret: '  ', response: '' });
    expect(blank.body['error-codes']).toEqual(['missing-input-secret', 'missing-input-response']);
  });

  it('rejects an unknown secret with invalid-input-secret', async () => {
    const { body } = await siteverify(t, { secret: 'pps_not-a-real-secret', response: 'ppt_x' });
    expect(body['error-codes']).toEqual(['invalid-input-secret']);
  });

  it('rejects unknown, malformed, overlong and dummy responses with invalid-input-response', async () => {
    const site = await createSite(t);
    for (const response of ['ppt_unknown', 'garbage', `ppt_${'a'.repeat(3000)}`, DUMMY_TOKEN]) {
      const { body } = await siteverify(t, { secret: site.secret, response });
      expect(body['error-codes']).toEqual(['invalid-input-response']);
    }
  });

  it("does not redeem another site's token, and leaves it redeemable by its own site", async () => {
    const owner = await createSite(t);
    const other = await createSite(t);
    const token = await mintToken(t, owner);

    const stolen = await siteverify(t, { secret: other.secret, response: token });
    const rightful = await siteverify(t, { secret: owner.secret, response: token });

    expect(stolen.body['error-codes']).toEqual(['invalid-input-response']);
    expect(rightful.body.success).toBe(true);
  });

  it('reports sitekey-secret-mismatch without spending the token', async () => {
    const site = await createSite(t);
    const other = await createSite(t);
    const token = await mintToken(t, site);

    const mismatch = await siteverify(t, { secret: site.secret, response: token, sitekey: other.sitekey });
    const retry = await siteverify(t, { secret: site.secret, response: token, sitekey: site.sitekey });

    expect(mismatch.body['error-codes']).toEqual(['sitekey-secret-mismatch']);
    expect(retry.body.success).toBe(true);
  });

  it('returns the first answer to a retry with the same idempotency key, and only to it', async () => {
    const site = await createSite(t);
    const token = await mintToken(t, site);
    const key = '6f1c2c1e-8a34-4f0b-9a1e-3f5c4d2b7e90';

    const first = await siteverify(t, { secret: site.secret, response: token, idempotency_key: key });
    t.clock.advance(1000);
    const retry = await siteverify(t, { secret: site.secret, response: token, idempotency_key: key });
    const otherKey = await siteverify(t, { secret: site.secret, response: token, idempotency_key: 'another-key' });
    const noKey = await siteverify(t, { secret: site.secret, response: token });

    expect(first.body.success).toBe(true);
    expect(retry.body).toEqual(first.body);
    expect(otherKey.body['error-codes']).toEqual(['timeout-or-duplicate', 'already-seen-response']);
    expect(noKey.body['error-codes']).toEqual(['timeout-or-duplicate', 'already-seen-response']);
  });

  it('honours an idempotent retry only while the token itself would still be valid', async () => {
    const site = await createSite(t);
    const ttlMs = t.config.tokens.ttlSeconds * 1000;
    const early = await mintToken(t, site);
    const late = await mintToken(t, site);
    const key = 'retry-key-1';

    const first = await siteverify(t, { secret: site.secret, response: early, idempotency_key: key });
    const lateFirst = await siteverify(t, { secret: site.secret, response: late, idempotency_key: key });
    t.clock.advance(ttlMs - 1);
    const lastMoment = await siteverify(t, { secret: site.secret, response: early, idempotency_key: key });
    t.clock.advance(1);
    const atExpiry = await siteverify(t, { secret: site.secret, response: early, idempotency_key: key });
    t.clock.advance(24 * 3600 * 1000);
    const dayLater = await siteverify(t, { secret: site.secret, response: late, idempotency_key: key });

    expect([first.body.success, lateFirst.body.success]).toEqual([true, true]);
    expect(lastMoment.body).toEqual(first.body);
    expect(atExpiry.body).toMatchObject({
      success: false,
      'error-codes': ['timeout-or-duplicate', 'already-seen-response'],
    });
    expect(dayLater.body['error-codes']).toEqual(['timeout-or-duplicate', 'already-seen-response']);
  });

  it('gives exactly one success to many concurrent redemptions of one token', async () => {
    const site = await createSite(t);
    const token = await mintToken(t, site);

    const answers = await Promise.all(
      Array.from({ length: 24 }, () => siteverify(t, { secret: site.secret, response: token })),
    );

    const successes = answers.filter((answer) => answer.body.success === true);
    expect(successes).toHaveLength(1);
    for (const answer of answers.filter((a) => a.body.success === false)) {
      expect(answer.body['error-codes']).toEqual(['timeout-or-duplicate', 'already-seen-response']);
    }
  });

  it('keeps the previous secret valid during the rotation grace period only', async () => {
    const site = await createSite(t);
    const rotated = await (
      await import('supertest')
    )
      .default(t.baseUrl)
      .post(`/api/v1/admin/sites/${site.sitekey}/rotate-secret`)
      .set('Authorization', 'Bearer test-admin-token-0123456789')
      .send({})
      .expect(201);

    const withOld = await siteverify(t, { secret: site.secret, response: await mintToken(t, site) });
    const withNew = await siteverify(t, { secret: rotated.body.secret, response: await mintToken(t, site) });
    t.clock.advance(t.config.sites.secretRotationGraceSeconds * 1000 + 1);
    const oldAfterGrace = await siteverify(t, { secret: site.secret, response: await mintToken(t, site) });

    expect(withOld.body.success).toBe(true);
    expect(withNew.body.success).toBe(true);
    expect(oldAfterGrace.body['error-codes']).toEqual(['invalid-input-secret']);
  });

  it('stores only the hash of a token, never the token', async () => {
    const site = await createSite(t);
    const token = await mintToken(t, site);

    const rows = await t.app.get(DataSource).getRepository(TokenEntity).find();

    expect(rows.length).toBeGreaterThan(0);
    expect(JSON.stringify(rows)).not.toContain(token.slice(4));
  });

  describe('test keys', () => {
    it('always passes, always fails, or reports a spent token, without any real token', async () => {
      const pass = await siteverify(t, { secret: TEST_SECRETS.alwaysPass, response: DUMMY_TOKEN });
      const fail = await siteverify(t, { secret: TEST_SECRETS.alwaysFail, response: DUMMY_TOKEN });
      const spent = await siteverify(t, { secret: TEST_SECRETS.tokenSpent, response: DUMMY_TOKEN });

      expect(pass.body).toMatchObject({ success: true, hostname: 'example.com', 'error-codes': [] });
      expect(fail.body).toMatchObject({ success: false, 'error-codes': ['invalid-input-response'] });
      expect(spent.body['error-codes']).toEqual(['timeout-or-duplicate', 'already-seen-response']);
    });
  });
});
