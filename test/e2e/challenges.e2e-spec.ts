import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { OnnxAdapter } from '../../src/adapters/onnx.adapter';
import { DUMMY_TOKEN, TEST_SITEKEYS } from '../../src/protocol/keys';
import { ChallengeEntity } from '../../src/challenges/challenge.entity';
import { DataSource, In } from 'typeorm';
import { databaseKinds } from '../support/databases';
import { createSite, siteverify } from '../support/fixtures';
import type { TestApp } from '../support/test-app';
import { startTestApp } from '../support/test-app';
import { solveChallenge } from '../support/solver';

const ORIGIN = 'https://shop.example.com';

describe.each(databaseKinds())('proof-of-inference challenges [%s]', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    // Each test speaks from its own client IP, so risk signals from one test do not raise another's difficulty.
    t = await startTestApp(kind, { TRUST_PROXY: '1' });
  });
  let clientIp = '';
  let clients = 0;
  beforeEach(() => {
    clientIp = `198.51.100.${++clients}`;
  });
  afterAll(() => t?.close());

  const issue = (sitekey: string, origin: string | null = ORIGIN, body: Record<string, unknown> = {}) => {
    const call = request(t.baseUrl).post('/api/v1/challenges').set('X-Forwarded-For', clientIp);
    if (origin) call.set('Origin', origin);
    return call.send({ sitekey, ...body });
  };
  const submit = (id: string, body: unknown, origin = ORIGIN) =>
    request(t.baseUrl)
      .post(`/api/v1/challenges/${id}/solution`)
      .set('Origin', origin)
      .set('X-Forwarded-For', clientIp)
      .send(body as object);

  it('solves a challenge with the reference solver and redeems the token at siteverify', async () => {
    const site = await createSite(t, { difficulty: 'easy' });
    const challenge = await issue(site.sitekey, ORIGIN, { action: 'signup', cdata: 'c-1' }).expect(201);
    expect(challenge.body).toMatchObject({ sitekey: site.sitekey, level: 'compute', steps: ['inference'], score: 1 });
    expect(challenge.body.inference.count).toBe(64);

    const outputs = await solveChallenge(t.app.get(OnnxAdapter), challenge.body.inference);
    const solved = await submit(challenge.body.id, { sitekey: site.sitekey, outputs }).expect(200);
    expect(solved.body).toMatchObject({ status: 'solved', score: 1 });

    const verdict = await siteverify(t, { secret: site.secret, response: solved.body.token });
    expect(verdict.body).toMatchObject({
      success: true,
      hostname: 'shop.example.com',
      level: 'compute',
      action: 'signup',
      cdata: 'c-1',
    });
  });

  it('persists the challenge state: solved after success, one attempt only', async () => {
    const site = await createSite(t, { difficulty: 'easy' });
    const challenge = await issue(site.sitekey).expect(201);
    const outputs = await solveChallenge(t.app.get(OnnxAdapter), challenge.body.inference);
    await submit(challenge.body.id, { outputs }).expect(200);

    const again = await submit(challenge.body.id, { outputs }).expect(409);
    const row = await t.app.get(DataSource).getRepository(ChallengeEntity).findOneByOrFail({ id: challenge.body.id });

    expect(again.body.code).toBe('challenge-already-attempted');
    expect(row.status).toBe('solved');
  });

  it('fails a solution with altered outputs and raises the difficulty for that client', async () => {
    const site = await createSite(t, { difficulty: 'easy' });
    const challenge = await issue(site.sitekey).expect(201);
    const outputs = await solveChallenge(t.app.get(OnnxAdapter), challenge.body.inference);
    const forged = outputs.map(([anchor, score]) => [(anchor + 7) % 896, Math.min(1, score + 0.2)]);

    const failed = await submit(challenge.body.id, { outputs: forged }).expect(200);
    const next = await issue(site.sitekey).expect(201);

    expect(failed.body).toMatchObject({ status: 'failed', reason: 'inference-mismatch' });
    expect(next.body.inference.count).toBeGreaterThan(challenge.body.inference.count);
  });

  it('tells a visitor who shares an IP with an attacker at issuance, before any work', async () => {
    const site = await createSite(t, { difficulty: 'easy', scoreThreshold: 0.9 });
    // Issued before the attack: its cost and score were fixed then, so the work done still counts.
    const early = await issue(site.sitekey).expect(201);
    expect(early.body).toMatchObject({ score: 1, inference: { count: 64 } });
    const attack = await issue(site.sitekey).expect(201);
    await submit(attack.body.id, { outputs: Array(attack.body.inference.count).fill([0, 0]) }).expect(200);

    const refused = await issue(site.sitekey).expect(403);
    const elsewhere = await request(t.baseUrl)
      .post('/api/v1/challenges')
      .set('X-Forwarded-For', '192.0.2.200')
      .set('Origin', ORIGIN)
      .send({ sitekey: site.sitekey })
      .expect(201);
    const outputs = await solveChallenge(t.app.get(OnnxAdapter), early.body.inference);
    const solved = await submit(early.body.id, { outputs }).expect(200);

    expect(refused.body).toMatchObject({
      code: 'risk-too-high',
      details: { reasons: ['recent-failures'], score: 0.85, threshold: 0.9, retryAfterSeconds: 600 },
    });
    expect(refused.body.message).toContain('recent-failures');
    expect(elsewhere.body).toMatchObject({ score: 1, inference: { count: 64 } });
    expect(solved.body).toMatchObject({ status: 'solved', score: 1 });
  });

  it('refuses at issuance once one IP asks for challenges too fast, and says why', async () => {
    const site = await createSite(t, { difficulty: 'easy', scoreThreshold: 0.9 });
    const answers = [];
    for (let i = 0; i < 11; i++) answers.push(await issue(site.sitekey));

    expect(answers.slice(0, 10).map((answer) => answer.status)).toEqual(Array(10).fill(201));
    expect(answers[10].status).toBe(403);
    expect(answers[10].body.details).toMatchObject({ reasons: ['ip-rate'], retryAfterSeconds: 60 });
  });

  it('tells the real cost up front: a risky but allowed visitor gets more work and the lower score', async () => {
    const site = await createSite(t, { difficulty: 'easy', scoreThreshold: 0.5 });
    const attack = await issue(site.sitekey).expect(201);
    await submit(attack.body.id, { outputs: Array(attack.body.inference.count).fill([0, 0]) }).expect(200);

    const next = await issue(site.sitekey).expect(201);
    const outputs = await solveChallenge(t.app.get(OnnxAdapter), next.body.inference);
    const solved = await submit(next.body.id, { outputs }).expect(200);

    expect(next.body).toMatchObject({ score: 0.85, inference: { count: 128 } });
    expect(solved.body).toMatchObject({ status: 'solved', score: 0.85 });
  });

  it('spends one inference on a garbage solution and none on a refused one; an honest one gets k', async () => {
    const onnx = t.app.get(OnnxAdapter);
    const run = onnx.run.bind(onnx);
    let inferences = 0;
    onnx.run = (...args: Parameters<OnnxAdapter['run']>) => (inferences++, run(...args));
    const counted = async (work: () => Promise<unknown>) => {
      inferences = 0;
      await work();
      return inferences;
    };
    try {
      const site = await createSite(t, { difficulty: 'easy' });
      const honest = await issue(site.sitekey).expect(201);
      const outputs = await solveChallenge(onnx, honest.body.inference);
      const garbage = await issue(site.sitekey).expect(201);
      const forged = outputs.map(([anchor, score]) => [(anchor + 7) % 896, score]);

      const garbageCost = await counted(() => submit(garbage.body.id, { outputs: forged }).expect(200));
      const replayCost = await counted(() => submit(garbage.body.id, { outputs: forged }).expect(409));
      const shortCost = await counted(() => submit(honest.body.id, { outputs: outputs.slice(1) }).expect(400));
      const honestCost = await counted(() => submit(honest.body.id, { outputs }).expect(200));

      expect({ garbageCost, replayCost, shortCost, honestCost }).toEqual({
        garbageCost: 1,
        replayCost: 0,
        shortCost: 0,
        honestCost: t.config.challenges.spotChecks,
      });
    } finally {
      onnx.run = run;
    }
  });

  it('keeps an issued challenge across a service restart', async () => {
    const site = await createSite(t, { difficulty: 'easy' });
    const challenge = await issue(site.sitekey).expect(201);
    const outputs = await solveChallenge(t.app.get(OnnxAdapter), challenge.body.inference);

    await t.stop();
    t = await startTestApp(kind, { TRUST_PROXY: '1' }, { database: t.database });
    const solved = await submit(challenge.body.id, { outputs }).expect(200);

    expect(solved.body.status).toBe('solved');
    expect((await siteverify(t, { secret: site.secret, response: solved.body.token })).body.success).toBe(true);
  });

  it('processes exactly one of several concurrent submissions', async () => {
    const site = await createSite(t, { difficulty: 'easy' });
    const challenge = await issue(site.sitekey).expect(201);
    const outputs = await solveChallenge(t.app.get(OnnxAdapter), challenge.body.inference);

    const answers = await Promise.all(Array.from({ length: 6 }, () => submit(challenge.body.id, { outputs })));

    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 409)).toHaveLength(5);
  });

  it('stores every one of many challenges issued at once (group commit)', async () => {
    const site = await createSite(t);

    const answers = await Promise.all(Array.from({ length: 40 }, () => issue(site.sitekey)));

    expect(answers.map((a) => a.status)).toEqual(Array(40).fill(201));
    const ids = answers.map((a) => a.body.id as string);
    const rows = await t.app
      .get(DataSource)
      .getRepository(ChallengeEntity)
      .findBy({ id: In(ids) });
    expect(rows).toHaveLength(40);
    expect(new Set(rows.map((row) => row.seed)).size).toBe(40);
  });

  it('refuses pages outside the site hostnames, and requests without an Origin', async () => {
    const site = await createSite(t);
    expect((await issue(site.sitekey, 'https://evil.example.net').expect(403)).body.code).toBe('hostname-not-allowed');
    expect((await issue(site.sitekey, null).expect(403)).body.code).toBe('origin-required');
    expect((await issue('ppk_unknown').expect(404)).body.code).toBe('unknown-sitekey');
  });

  it('rejects bad solutions with clear codes without spending the attempt', async () => {
    const site = await createSite(t, { difficulty: 'easy' });
    const other = await createSite(t);
    const challenge = await issue(site.sitekey).expect(201);
    const id = challenge.body.id;

    const cases: Array<[unknown, number, string]> = [
      [{ outputs: [[1, 0.5]] }, 400, 'wrong-output-count'],
      [{ outputs: 'nope' }, 400, 'invalid-request'],
      [{ outputs: [[1, 'NaN']] }, 400, 'invalid-request'],
      [{ outputs: [[1.5, 0.5]] }, 400, 'invalid-request'],
      [{ outputs: [[896, 0.5]] }, 400, 'invalid-request'],
      [{ outputs: Array(2049).fill([0, 0.5]) }, 400, 'invalid-request'],
      [{ outputs: [[1, 2]] }, 400, 'invalid-request'],
      [{ outputs: [], extra: true }, 400, 'invalid-request'],
      [{ sitekey: other.sitekey, outputs: [] }, 403, 'challenge-site-mismatch'],
    ];
    for (const [body, status, code] of cases) {
      const answer = await submit(id, body);
      expect([answer.status, answer.body.code]).toEqual([status, code]);
    }
    expect((await submit(id, { outputs: [] }, 'https://other.example.com')).body.code).toBe('origin-mismatch');
    expect((await submit('00000000-0000-4000-8000-000000000000', { outputs: [] })).body.code).toBe(
      'challenge-not-found',
    );
    // A malformed id is just another unknown challenge, whatever the body holds.
    for (const malformed of ['not-a-uuid', '00000000-0000-4000-8000-00000000000', '%20']) {
      const answer = await submit(malformed, { outputs: 'nope' });
      expect([answer.status, answer.body.code]).toEqual([404, 'challenge-not-found']);
    }

    const outputs = await solveChallenge(t.app.get(OnnxAdapter), challenge.body.inference);
    expect((await submit(id, { outputs }).expect(200)).body.status).toBe('solved');
  });

  it('refuses a solution after the challenge expired', async () => {
    const site = await createSite(t, { difficulty: 'easy' });
    const challenge = await issue(site.sitekey).expect(201);
    const outputs = await solveChallenge(t.app.get(OnnxAdapter), challenge.body.inference);
    t.clock.advance(5 * 60 * 1000);

    const late = await submit(challenge.body.id, { outputs }).expect(410);

    expect(late.body.code).toBe('challenge-expired');
  });

  it('serves the test sitekeys without work', async () => {
    const pass = await issue(TEST_SITEKEYS.alwaysPass, null).expect(201);
    const fail = await issue(TEST_SITEKEYS.alwaysFail, null).expect(403);

    expect(pass.body).toMatchObject({ test: true, token: DUMMY_TOKEN });
    expect(fail.body.code).toBe('test-sitekey-fails');
  });
});
