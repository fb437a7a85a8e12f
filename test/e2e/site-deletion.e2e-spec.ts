import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { OnnxAdapter } from '../../src/adapters/onnx.adapter';
import { databaseKinds } from '../support/databases';
import { createSite, siteverify } from '../support/fixtures';
import { solveChallenge } from '../support/solver';
import type { TestApp } from '../support/test-app';
import { ADMIN_TOKEN, startTestApp } from '../support/test-app';

const ORIGIN = 'https://shop.example.com';

/**
 * Two instances on one database, as behind a load balancer: a site deleted through one is still in the
 * other's site cache for a few seconds. Neither the other's issuance nor its solutions may answer 500 then.
 * The instances' clocks stand still, so the cache entry cannot simply run out during the test.
 */
describe.each(databaseKinds())('a site deleted through another instance [%s]', (kind) => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    a = await startTestApp(kind);
    b = await startTestApp(kind, {}, { database: a.database });
  });
  afterAll(async () => {
    await b?.stop();
    await a?.close();
  });

  const issue = (t: TestApp, sitekey: string) =>
    request(t.baseUrl).post('/api/v1/challenges').set('Origin', ORIGIN).send({ sitekey });
  const deleteSite = (t: TestApp, sitekey: string) =>
    request(t.baseUrl)
      .delete(`/api/v1/admin/sites/${sitekey}`)
      .set('Authorization', `Bearer ${ADMIN_TOKEN}`)
      .expect(204);

  it('answers 404 unknown-sitekey at issuance on the instance that still caches the site', async () => {
    const site = await createSite(a, { difficulty: 'easy' });
    await issue(a, site.sitekey).expect(201);

    await deleteSite(b, site.sitekey);
    const answers = await Promise.all(Array.from({ length: 5 }, () => issue(a, site.sitekey)));

    expect(answers.map((answer) => [answer.status, answer.body.code])).toEqual(Array(5).fill([404, 'unknown-sitekey']));
  });

  it("answers 404 challenge-not-found to a solution of the deleted site's challenge, and redeems nothing", async () => {
    const site = await createSite(a, { difficulty: 'easy' });
    const challenge = await issue(a, site.sitekey).expect(201);
    const outputs = await solveChallenge(a.app.get(OnnxAdapter), challenge.body.inference);

    await deleteSite(b, site.sitekey);
    const late = await request(a.baseUrl)
      .post(`/api/v1/challenges/${challenge.body.id}/solution`)
      .set('Origin', ORIGIN)
      .send({ outputs });
    const verdict = await siteverify(a, { secret: site.secret, response: 'ppt_anything' });

    expect([late.status, late.body.code]).toEqual([404, 'challenge-not-found']);
    expect(verdict.status).toBe(200);
    expect(verdict.body.success).toBe(false);
  });
});
