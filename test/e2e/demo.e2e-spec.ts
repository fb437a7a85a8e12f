import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { OnnxAdapter } from '../../src/adapters/onnx.adapter';
import { DataSource } from 'typeorm';
import { LivenessAttemptEntity } from '../../src/liveness/attempts/liveness-attempt.entity';
import { LivenessClient } from '../../src/liveness/client/liveness-client';
import { DEMO_LIVENESS_SITEKEY, DEMO_SITEKEY } from '../../src/sites/demo-site.service';
import { LiveClipSource } from '../support/live-clip-source';
import { databaseKinds } from '../support/databases';
import { solveChallenge } from '../support/solver';
import type { TestApp } from '../support/test-app';
import { startTestApp } from '../support/test-app';

describe.each(databaseKinds())('demo page [%s]', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(kind, { DEMO_SITE: 'true' });
  });
  afterAll(() => t?.close());

  /** What the widget does on the demo page: a challenge from localhost, solved, redeemed for a token. */
  async function tokenFromWidget(): Promise<string> {
    const origin = 'http://localhost:8080';
    const challenge = await request(t.baseUrl)
      .post('/api/v1/challenges')
      .set('Origin', origin)
      .send({ sitekey: DEMO_SITEKEY, action: 'signup' })
      .expect(201);
    const outputs = await solveChallenge(t.app.get(OnnxAdapter), challenge.body.inference);
    const solved = await request(t.baseUrl)
      .post(`/api/v1/challenges/${challenge.body.id}/solution`)
      .set('Origin', origin)
      .send({ outputs })
      .expect(200);
    return solved.body.token;
  }

  /**
   * The same on the liveness demo site, with a liveness attempt of real frames run over HTTP. No attempt
   * can pass until every required check is installed, so its row is marked passed, as the attempt flow does.
   */
  async function livenessTokenFromWidget(): Promise<string> {
    const origin = 'http://localhost:8080';
    const challenge = await request(t.baseUrl)
      .post('/api/v1/challenges')
      .set('Origin', origin)
      .send({ sitekey: DEMO_LIVENESS_SITEKEY, action: 'signup' })
      .expect(201);
    const { attempt } = await new LivenessClient({
      baseUrl: t.baseUrl,
      source: new LiveClipSource(),
      clock: { now: () => t.clock.nowMs(), sleep: async (ms) => t.clock.advance(ms) },
    }).runAttempt(challenge.body.id);
    await t.app
      .get(DataSource)
      .getRepository(LivenessAttemptEntity)
      .update({ id: attempt }, { status: 'passed', score: 0.9, reasons: [] });
    const outputs = await solveChallenge(t.app.get(OnnxAdapter), challenge.body.inference);
    const solved = await request(t.baseUrl)
      .post(`/api/v1/challenges/${challenge.body.id}/solution`)
      .set('Origin', origin)
      .send({ outputs, liveness: { attempt } })
      .expect(200);
    return solved.body.token;
  }

  const signup = (fields: Record<string, string>) => request(t.baseUrl).post('/demo/signup').type('form').send(fields);

  it('serves the signup form with the demo sitekey, under a strict CSP and without inline scripts', async () => {
    const response = await request(t.baseUrl).get('/demo').expect(200);

    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    const csp = response.headers['content-security-policy'];
    expect(csp).toContain("script-src 'self';");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(response.text).toContain(`data-sitekey="${DEMO_SITEKEY}"`);
    expect(response.text).toContain('<script src="/widget/peerproof.js" async defer></script>');
    expect(response.text).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(response.text).not.toMatch(/\sstyle=|\son[a-z]+=/i);
  });

  it('takes theme, size and language from the query string, only from their allowed values', async () => {
    const response = await request(t.baseUrl).get('/demo?theme=dark&size=compact&language=de').expect(200);
    expect(response.text).toMatch(/data-theme="dark"[^>]*data-size="compact"[^>]*data-language="de"/);

    const hostile = await request(t.baseUrl).get('/demo?theme=%22%3E%3Cscript%3E&language=xx').expect(200);
    expect(hostile.text).toContain('data-theme="auto"');
    expect(hostile.text).not.toContain('<script>');
    expect(hostile.text).not.toContain('data-language');
  });

  it('verifies a solved token at siteverify and shows the verdict, once', async () => {
    const token = await tokenFromWidget();

    const accepted = await signup({ email: 'ada@example.com', 'peerproof-response': token }).expect(200);
    expect(accepted.text).toContain('data-success="true"');
    expect(accepted.text).toContain('Welcome, ada@example.com!');
    expect(accepted.text).toContain('<dd>signup</dd>');

    const replayed = await signup({ email: 'ada@example.com', 'peerproof-response': token }).expect(403);
    expect(replayed.text).toContain('data-success="false"');
    expect(replayed.text).toContain('<code>timeout-or-duplicate</code>');
  });

  it('serves the liveness variant with its own site, and its backend redeems with that site’s secret', async () => {
    const page = await request(t.baseUrl).get('/demo?level=liveness').expect(200);
    expect(page.text).toContain(`data-sitekey="${DEMO_LIVENESS_SITEKEY}"`);
    // The face landmarker compiles WebAssembly on the page; JavaScript eval and inline code stay forbidden.
    const csp = page.headers['content-security-policy'];
    expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval';");
    expect(csp).not.toMatch(/unsafe-inline|'unsafe-eval'/);
    expect(csp).toContain("default-src 'none'");
    expect(page.text).toContain('<input type="hidden" name="level" value="liveness">');

    const token = await livenessTokenFromWidget();
    const asCompute = await signup({ email: 'ada@example.com', 'peerproof-response': token }).expect(403);
    expect(asCompute.text).toContain('<code>invalid-input-response</code>');
    const accepted = await signup({ level: 'liveness', 'peerproof-response': token }).expect(200);
    expect(accepted.text).toContain('<dt>level</dt><dd>liveness</dd>');
    expect(accepted.text).toMatch(/<dt>liveness score<\/dt><dd>0\.\d\d<\/dd>/);
  });

  it('refuses a form without a token, and escapes what it echoes', async () => {
    const response = await signup({ email: '<b>x</b>' }).expect(403);

    expect(response.text).toContain('<code>missing-input-response</code>');
    expect(response.text).not.toContain('<b>x</b>');
  });
});

describe('demo page when the demo site is off', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('sqlite', { DEMO_SITE: 'false' });
  });
  afterAll(() => t?.close());

  it('answers 404 demo-disabled', async () => {
    for (const call of [request(t.baseUrl).get('/demo'), request(t.baseUrl).post('/demo/signup').send({})]) {
      const response = await call;
      expect(response.status).toBe(404);
      expect(response.body.code).toBe('demo-disabled');
    }
  });
});
