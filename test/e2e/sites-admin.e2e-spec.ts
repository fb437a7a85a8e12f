import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { createApp } from '../../src/bootstrap';
import { loadConfig } from '../../src/config/app-config';
import { SiteEntity } from '../../src/sites/site.entity';
import { SitesService } from '../../src/sites/sites.service';
import { TokenEntity } from '../../src/tokens/token.entity';
import { databaseKinds } from '../support/databases';
import { createSite, mintToken, siteverify } from '../support/fixtures';
import type { TestApp } from '../support/test-app';
import { ADMIN_TOKEN, startTestApp } from '../support/test-app';

const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const SITES = '/api/v1/admin/sites';

describe.each(databaseKinds())('admin API for sites [%s]', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(kind);
  });
  afterAll(() => t?.close());

  const admin = () => {
    const agent = request(t.baseUrl);
    const auth = { Authorization: `Bearer ${ADMIN_TOKEN}` };
    return {
      post: (path: string) => agent.post(path).set(auth),
      get: (path: string) => agent.get(path).set(auth),
      patch: (path: string) => agent.patch(path).set(auth),
      delete: (path: string) => agent.delete(path).set(auth),
    };
  };

  /** Whether a secret is accepted by siteverify (a bogus token is then rejected as a token, not as a secret). */
  const secretAccepted = async (secret: string) => {
    const { body } = await siteverify(t, { secret, response: 'ppt_bogus' });
    return body['error-codes'][0] !== 'invalid-input-secret';
  };

  describe('create', () => {
    it('creates a site with defaults, normalised hostnames and a one-time secret', async () => {
      const { status, body } = await admin()
        .post(SITES)
        .send({ hostnames: ['Shop.Example.com.', '*.shop.example.com', 'shop.example.com'] });

      expect(status).toBe(201);
      expect(body).toEqual({
        sitekey: expect.stringMatching(/^ppk_[A-Za-z0-9_-]{22}$/),
        secret: expect.stringMatching(/^pps_[A-Za-z0-9_-]{43}$/),
        name: 'shop.example.com',
        hostnames: ['shop.example.com', '*.shop.example.com'],
        level: 'compute',
        scoreThreshold: 0.5,
        difficulty: 'normal',
        livenessThreshold: null,
        livenessFallback: false,
        reviewLevels: [],
        createdAt: new Date(t.clock.nowMs()).toISOString(),
        updatedAt: new Date(t.clock.nowMs()).toISOString(),
        previousSecretValidUntil: null,
      });
      expect(await secretAccepted(body.secret)).toBe(true);
    });

    it('takes every field', async () => {
      const { body } = await admin()
        .post(SITES)
        .send({
          name: ' Bank ',
          hostnames: ['bank.example'],
          level: 'liveness',
          scoreThreshold: 0.8,
          difficulty: 'hard',
          livenessThreshold: 0.75,
          livenessFallback: true,
        })
        .expect(201);

      expect(body).toMatchObject({
        name: 'Bank',
        hostnames: ['bank.example'],
        level: 'liveness',
        scoreThreshold: 0.8,
        difficulty: 'hard',
        livenessThreshold: 0.75,
        livenessFallback: true,
      });
    });

    it('gives every site its own sitekey and secret', async () => {
      const a = await createSite(t);
      const b = await createSite(t);

      expect(a.sitekey).not.toBe(b.sitekey);
      expect(a.secret).not.toBe(b.secret);
    });
  });

  describe('read', () => {
    it('lists sites in creation order, without secrets', async () => {
      const first = await createSite(t, { name: 'list-first' });
      t.clock.advance(1);
      const second = await createSite(t, { name: 'list-second' });

      const { status, body } = await admin().get(SITES);

      expect(status).toBe(200);
      const sitekeys = (body as { sitekey: string }[]).map((site) => site.sitekey);
      expect(sitekeys.indexOf(first.sitekey)).toBeLessThan(sitekeys.indexOf(second.sitekey));
      expect(sitekeys.indexOf(first.sitekey)).toBeGreaterThanOrEqual(0);
      for (const site of body) expect(Object.keys(site)).not.toContain('secret');
      expect(JSON.stringify(body)).not.toContain(first.secret);
    });

    it('gets one site, without its secret', async () => {
      const { secret, ...created } = await createSite(t, { name: 'get-me' });

      const { status, body } = await admin().get(`${SITES}/${created.sitekey}`);

      expect(status).toBe(200);
      expect(body).toEqual(created);
      expect(JSON.stringify(body)).not.toContain(secret);
    });

    it('answers an unknown sitekey with 404 site-not-found', async () => {
      const { status, body } = await admin().get(`${SITES}/ppk_doesnotexist`);

      expect(status).toBe(404);
      expect(body).toEqual({ statusCode: 404, code: 'site-not-found', message: 'No site with this sitekey' });
    });

    it('rejects a malformed sitekey with 400 invalid-request', async () => {
      for (const bad of ['pps_secret-not-sitekey', 'ppk_has.dot', `ppk_${'a'.repeat(61)}`, '%F0%9F%92%A9']) {
        const { status, body } = await admin().get(`${SITES}/${bad}`);
        expect({ bad, status, code: body.code }).toEqual({ bad, status: 400, code: 'invalid-request' });
      }
    });
  });

  describe('update', () => {
    it('changes only the given fields and moves updatedAt', async () => {
      const site = await createSite(t, { name: 'before', difficulty: 'easy' });
      t.clock.advance(5_000);

      const { status, body } = await admin()
        .patch(`${SITES}/${site.sitekey}`)
        .send({
          name: 'after',
          hostnames: ['NEW.example.com'],
          scoreThreshold: 0.25,
          livenessFallback: true,
          reviewLevels: ['liveness', 'liveness'],
        });

      expect(status).toBe(200);
      expect(body).toEqual({
        sitekey: site.sitekey,
        name: 'after',
        hostnames: ['new.example.com'],
        level: site.level,
        scoreThreshold: 0.25,
        difficulty: 'easy',
        livenessThreshold: null,
        livenessFallback: true,
        reviewLevels: ['liveness'],
        createdAt: site.createdAt,
        updatedAt: new Date(t.clock.nowMs()).toISOString(),
        previousSecretValidUntil: null,
      });
      expect((await admin().get(`${SITES}/${site.sitekey}`)).body).toEqual(body);
      expect(await secretAccepted(site.secret)).toBe(true);
    });

    it('rejects an empty patch', async () => {
      const site = await createSite(t);

      const { status, body } = await admin().patch(`${SITES}/${site.sitekey}`).send({});

      expect(status).toBe(400);
      expect(body).toMatchObject({ statusCode: 400, code: 'invalid-request', message: 'nothing to update' });
    });

    it('answers an unknown sitekey with 404', async () => {
      const { status, body } = await admin().patch(`${SITES}/ppk_doesnotexist`).send({ name: 'x' });

      expect(status).toBe(404);
      expect(body.code).toBe('site-not-found');
    });
  });

  describe('delete', () => {
    it('deletes a site, after which it is gone and its secret is refused', async () => {
      const site = await createSite(t);
      expect(await secretAccepted(site.secret)).toBe(true);

      const deleted = await admin().delete(`${SITES}/${site.sitekey}`);

      expect(deleted.status).toBe(204);
      expect(deleted.text).toBe('');
      expect((await admin().get(`${SITES}/${site.sitekey}`)).status).toBe(404);
      expect(await secretAccepted(site.secret)).toBe(false);
      const again = await admin().delete(`${SITES}/${site.sitekey}`);
      expect(again.status).toBe(404);
      expect(again.body.code).toBe('site-not-found');
    });

    it("deletes the site's tokens with it, and no other site's", async () => {
      const doomed = await createSite(t);
      const survivor = await createSite(t);
      await mintToken(t, doomed);
      await mintToken(t, doomed);
      const survivorToken = await mintToken(t, survivor);
      const doomedId = (await t.app.get(SitesService).findBySitekey(doomed.sitekey))!.id;
      const tokens = t.app.get(DataSource).getRepository(TokenEntity);
      expect(await tokens.countBy({ siteId: doomedId })).toBe(2);

      await admin().delete(`${SITES}/${doomed.sitekey}`).expect(204);

      expect(await tokens.countBy({ siteId: doomedId })).toBe(0);
      const { body } = await siteverify(t, { secret: survivor.secret, response: survivorToken });
      expect(body.success).toBe(true);
    });
  });

  describe('rotate-secret', () => {
    it('issues a new secret and keeps the old one for the grace period', async () => {
      const site = await createSite(t);

      const { status, body } = await admin().post(`${SITES}/${site.sitekey}/rotate-secret`).send({});

      expect(status).toBe(201);
      expect(body.secret).toMatch(/^pps_/);
      expect(body.secret).not.toBe(site.secret);
      const graceEnd = t.clock.nowMs() + t.config.sites.secretRotationGraceSeconds * 1000;
      expect(body.previousSecretValidUntil).toBe(new Date(graceEnd).toISOString());
      expect(await secretAccepted(body.secret)).toBe(true);
      expect(await secretAccepted(site.secret)).toBe(true);
      expect((await admin().get(`${SITES}/${site.sitekey}`)).body.previousSecretValidUntil).toBe(
        body.previousSecretValidUntil,
      );
    });

    it('works without any body', async () => {
      const site = await createSite(t);

      const { status, body } = await request(t.baseUrl)
        .post(`${SITES}/${site.sitekey}/rotate-secret`)
        .set('Authorization', `Bearer ${ADMIN_TOKEN}`);

      expect(status).toBe(201);
      expect(body.previousSecretValidUntil).toMatch(ISO_DATE);
    });

    it('revokes the old secret at once with invalidatePrevious', async () => {
      const site = await createSite(t);
      expect(await secretAccepted(site.secret)).toBe(true);

      const { body } = await admin()
        .post(`${SITES}/${site.sitekey}/rotate-secret`)
        .send({ invalidatePrevious: true })
        .expect(201);

      expect(body.previousSecretValidUntil).toBeNull();
      expect(await secretAccepted(site.secret)).toBe(false);
      expect(await secretAccepted(body.secret)).toBe(true);
    });

    it('only ever keeps the secret before the last rotation', async () => {
      const site = await createSite(t);
      const second = (await admin().post(`${SITES}/${site.sitekey}/rotate-secret`).send({}).expect(201)).body;
      const third = (await admin().post(`${SITES}/${site.sitekey}/rotate-secret`).send({}).expect(201)).body;

      expect(await secretAccepted(site.secret)).toBe(false);
      expect(await secretAccepted(second.secret)).toBe(true);
      expect(await secretAccepted(third.secret)).toBe(true);
    });

    it('answers an unknown sitekey with 404 and rejects a bad body', async () => {
      const site = await createSite(t);

      const unknown = await admin().post(`${SITES}/ppk_doesnotexist/rotate-secret`).send({});
      const badType = await admin().post(`${SITES}/${site.sitekey}/rotate-secret`).send({ invalidatePrevious: 'yes' });
      const extra = await admin().post(`${SITES}/${site.sitekey}/rotate-secret`).send({ now: true });

      expect(unknown.status).toBe(404);
      expect(badType.status).toBe(400);
      expect(badType.body.code).toBe('invalid-request');
      expect(extra.status).toBe(400);
      expect(extra.body.code).toBe('invalid-request');
      expect(await secretAccepted(site.secret)).toBe(true);
    });
  });

  describe('several instances on one database', () => {
    it("sees another instance's revocation of a secret within a second", async () => {
      const site = await createSite(t);
      expect(await secretAccepted(site.secret)).toBe(true);
      const config = loadConfig({ DATABASE_URL: t.database.url, DEMO_SITE: 'false' });
      const other = await createApp(config, { logger: false });
      try {
        await other.get(SitesService).rotateSecret(site.sitekey, { invalidatePrevious: true });
      } finally {
        await other.close();
      }

      t.clock.advance(1001);

      expect(await secretAccepted(site.secret)).toBe(false);
    });
  });

  describe('storage', () => {
    it('stores the secret only as its SHA-256, in the current and the previous slot', async () => {
      const site = await createSite(t);
      const rotated = (await admin().post(`${SITES}/${site.sitekey}/rotate-secret`).send({}).expect(201)).body;
      const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

      const rows: Record<string, unknown>[] = await t.app
        .get(DataSource)
        .query(`SELECT * FROM sites WHERE sitekey = '${site.sitekey}'`);

      expect(rows).toHaveLength(1);
      expect(rows[0].secret_hash).toBe(sha256(rotated.secret));
      expect(rows[0].previous_secret_hash).toBe(sha256(site.secret));
      const dump = JSON.stringify(rows);
      for (const secret of [site.secret, rotated.secret]) {
        expect(dump).not.toContain(secret);
        expect(dump).not.toContain(secret.slice(4));
      }
    });

    it('keeps the normalised hostnames', async () => {
      const site = await createSite(t, { hostnames: ['A.Example.com', '*.B.example.com.'] });

      const entity = await t.app.get(DataSource).getRepository(SiteEntity).findOneByOrFail({ sitekey: site.sitekey });

      expect(entity.hostnames).toEqual(['a.example.com', '*.b.example.com']);
    });
  });

  describe('validation', () => {
    const expectInvalid = async (body: unknown, method: 'post' | 'patch' = 'post', path = SITES) => {
      const call = admin()[method];
      const response = await call(path).send(body as object);
      expect({ body, status: response.status, code: response.body.code }).toEqual({
        body,
        status: 400,
        code: 'invalid-request',
      });
      expect(typeof response.body.message).toBe('string');
      expect(Array.isArray(response.body.details?.issues)).toBe(true);
    };

    it.each([
      'https://shop.example.com',
      'shop.example.com:443',
      'shop.example.com/path',
      '*.com',
      '*',
      'shop..example.com',
      '',
      ' ',
      'ex ample.com',
      'xn--$$.com',
      'bücher.example',
      'a'.repeat(254),
    ])('rejects the hostname %j', async (hostname) => {
      await expectInvalid({ hostnames: [hostname] });
    });

    it('rejects missing, empty and too many hostnames', async () => {
      await expectInvalid({});
      await expectInvalid({ hostnames: [] });
      await expectInvalid({ hostnames: Array.from({ length: 51 }, (_, i) => `h${i}.example.com`) });
    });

    it('rejects unknown fields', async () => {
      await expectInvalid({ hostnames: ['a.example.com'], secret: 'pps_chosen-by-caller' });
      await expectInvalid({ hostnames: ['a.example.com'], sitekey: 'ppk_mine' });
      const site = await createSite(t);
      await expectInvalid({ secretHash: 'x' }, 'patch', `${SITES}/${site.sitekey}`);
    });

    it('rejects wrong types and out-of-range values', async () => {
      const ok = { hostnames: ['a.example.com'] };
      await expectInvalid({ hostnames: 'a.example.com' });
      await expectInvalid({ hostnames: [42] });
      await expectInvalid({ ...ok, name: 7 });
      await expectInvalid({ ...ok, name: '   ' });
      await expectInvalid({ ...ok, name: 'n'.repeat(201) });
      await expectInvalid({ ...ok, level: 'ultra' });
      await expectInvalid({ ...ok, difficulty: 'impossible' });
      await expectInvalid({ ...ok, scoreThreshold: '0.5' });
      await expectInvalid({ ...ok, scoreThreshold: 1.5 });
      await expectInvalid({ ...ok, scoreThreshold: -0.1 });
      await expectInvalid({ ...ok, scoreThreshold: null });
    });

    it('rejects a body that is not an object', async () => {
      for (const body of [[{ hostnames: ['a.example.com'] }], 'hostnames', 12, true]) {
        const response = await admin().post(SITES).set('Content-Type', 'application/json').send(JSON.stringify(body));
        expect({ body, status: response.status, code: response.body.code }).toEqual({
          body,
          status: 400,
          code: 'invalid-request',
        });
      }
    });

    it('creates nothing for a rejected request', async () => {
      const before = (await admin().get(SITES)).body.length;

      await expectInvalid({ hostnames: ['ok.example.com', 'not ok'] });

      expect((await admin().get(SITES)).body.length).toBe(before);
    });
  });

  describe('authentication', () => {
    const routes = (sitekey: string): [string, string][] => [
      ['post', SITES],
      ['get', SITES],
      ['get', `${SITES}/${sitekey}`],
      ['patch', `${SITES}/${sitekey}`],
      ['delete', `${SITES}/${sitekey}`],
      ['post', `${SITES}/${sitekey}/rotate-secret`],
    ];
    const call = (method: string, path: string, authorization?: string) => {
      const agent = request(t.baseUrl);
      const test = (agent as unknown as Record<string, (path: string) => request.Test>)[method](path);
      return authorization === undefined ? test : test.set('Authorization', authorization);
    };

    it('answers every admin route without a token with 401 missing-admin-token', async () => {
      const site = await createSite(t);
      for (const [method, path] of routes(site.sitekey)) {
        const { status, body } = await call(method, path);
        expect({ method, path, status, body }).toEqual({
          method,
          path,
          status: 401,
          body: { statusCode: 401, code: 'missing-admin-token', message: 'Send Authorization: Bearer <ADMIN_TOKEN>' },
        });
      }
      expect((await admin().get(`${SITES}/${site.sitekey}`)).status).toBe(200);
    });

    it('answers every admin route with a wrong token with 401 invalid-admin-token', async () => {
      const site = await createSite(t);
      for (const [method, path] of routes(site.sitekey)) {
        const { status, body } = await call(method, path, `Bearer ${ADMIN_TOKEN}x`);
        expect({ method, path, status, code: body.code }).toEqual({
          method,
          path,
          status: 401,
          code: 'invalid-admin-token',
        });
      }
      expect((await admin().get(`${SITES}/${site.sitekey}`)).status).toBe(200);
    });

    it.each([
      ['another scheme', `Basic ${Buffer.from(`admin:${ADMIN_TOKEN}`).toString('base64')}`, 'missing-admin-token'],
      ['the bare token', ADMIN_TOKEN, 'missing-admin-token'],
      ['an empty bearer', 'Bearer ', 'missing-admin-token'],
      ['a token with spaces', `Bearer ${ADMIN_TOKEN} extra`, 'missing-admin-token'],
      ['a prefix of the token', `Bearer ${ADMIN_TOKEN.slice(0, -1)}`, 'invalid-admin-token'],
      ['another case', `Bearer ${ADMIN_TOKEN.toUpperCase()}`, 'invalid-admin-token'],
    ])('rejects %s', async (_label, authorization, code) => {
      const { status, body } = await call('get', SITES, authorization);

      expect(status).toBe(401);
      expect(body.code).toBe(code);
    });

    it('accepts the scheme in any case', async () => {
      const { status } = await call('get', SITES, `bearer ${ADMIN_TOKEN}`);

      expect(status).toBe(200);
    });

    it('checks the token before the body, so a bad request without a token is still 401', async () => {
      const { status, body } = await call('post', SITES).send({ hostnames: 'not-an-array' });

      expect(status).toBe(401);
      expect(body.code).toBe('missing-admin-token');
    });
  });
});

describe.each(databaseKinds())('admin API without ADMIN_TOKEN [%s]', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(kind, { ADMIN_TOKEN: '' });
  });
  afterAll(() => t?.close());

  it('does not exist: 404 admin-api-disabled on every route, whatever the token', async () => {
    expect(t.config.adminToken).toBeNull();
    const calls = [
      request(t.baseUrl).get(SITES),
      request(t.baseUrl)
        .post(SITES)
        .send({ hostnames: ['a.example.com'] }),
      request(t.baseUrl).get(`${SITES}/ppk_any`).set('Authorization', `Bearer ${ADMIN_TOKEN}`),
      request(t.baseUrl).delete(`${SITES}/ppk_any`).set('Authorization', 'Bearer '),
      request(t.baseUrl).post(`${SITES}/ppk_any/rotate-secret`).set('Authorization', `Bearer ${ADMIN_TOKEN}`),
    ];

    for (const response of await Promise.all(calls)) {
      expect(response.status).toBe(404);
      expect(response.body).toEqual({
        statusCode: 404,
        code: 'admin-api-disabled',
        message: 'The admin API is disabled: set ADMIN_TOKEN to enable it',
      });
    }
  });

  it('still serves siteverify', async () => {
    const { body } = await siteverify(t, { secret: 'pps_unknown', response: 'ppt_x' });

    expect(body['error-codes']).toEqual(['invalid-input-secret']);
  });
});
