import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import * as path from 'node:path';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { JpegAdapter } from '../../src/adapters/jpeg.adapter';
import { OnnxAdapter } from '../../src/adapters/onnx.adapter';
import { ChallengeEntity } from '../../src/challenges/challenge.entity';
import type { SynthesisOptions } from '../../src/liveness/eval/synthesise';
import { synthEvidence } from '../../src/liveness/eval/synthesise';
import type { RgbImage } from '../../src/liveness/rgb-image';
import type { LivenessEvidence } from '../../src/protocol/liveness';
import { deriveLivenessScript } from '../../src/protocol/liveness';
import { databaseKinds } from '../support/databases';
import { createSite, siteverify } from '../support/fixtures';
import { FACES_DIR } from '../support/liveness';
import { solveChallenge } from '../support/solver';
import type { TestApp } from '../support/test-app';
import { startTestApp } from '../support/test-app';

const ORIGIN = 'https://shop.example.com';
/** The face box of image_T1 as UltraFace finds it (480×640 after EXIF rotation). */
const FACE = { x: 122, y: 108, w: 175, h: 251 };

const jpeg = new JpegAdapter();
let photo: RgbImage;
beforeAll(() => {
  photo = jpeg.decode(fs.readFileSync(path.join(FACES_DIR, 'image_T1.jpg')));
});

/** A cooperative attempt for `nonce` from a real face photo (src/liveness/eval/synthesise.ts). */
function attemptFor(nonce: string, options: SynthesisOptions = {}): LivenessEvidence {
  return synthEvidence(jpeg, photo, FACE, nonce, options);
}

describe.each(databaseKinds())('liveness challenges over HTTP [%s]', (kind) => {
  let t: TestApp;
  let clientIp = '';
  let clients = 0;
  beforeAll(async () => {
    t = await startTestApp(kind, { TRUST_PROXY: '1' });
  });
  beforeEach(() => {
    clientIp = `203.0.113.${++clients}`;
  });
  afterAll(() => t?.close());

  const issue = (sitekey: string, body: Record<string, unknown> = {}) =>
    request(t.baseUrl)
      .post('/api/v1/challenges')
      .set('Origin', ORIGIN)
      .set('X-Forwarded-For', clientIp)
      .send({ sitekey, ...body });
  const submit = (id: string, body: unknown) =>
    request(t.baseUrl)
      .post(`/api/v1/challenges/${id}/solution`)
      .set('Origin', ORIGIN)
      .set('X-Forwarded-For', clientIp)
      .send(body as object);
  const livenessSite = (extra: Record<string, unknown> = {}) =>
    createSite(t, { level: 'liveness', difficulty: 'easy', ...extra });
  const outputsFor = (challenge: { inference: Parameters<typeof solveChallenge>[1] }) =>
    solveChallenge(t.app.get(OnnxAdapter), challenge.inference);
  const rowOf = (id: string) => t.app.get(DataSource).getRepository(ChallengeEntity).findOneByOrFail({ id });

  it('passes a cooperative attempt and tells siteverify the level, score and threshold', async () => {
    const site = await livenessSite();
    const { body: challenge } = await issue(site.sitekey).expect(201);
    expect(challenge).toMatchObject({ level: 'liveness', steps: ['liveness', 'inference'] });
    expect(challenge.liveness).toEqual({
      nonce: challenge.inference.seed,
      script: deriveLivenessScript(challenge.inference.seed),
      fallback: false,
    });

    const body = { outputs: await outputsFor(challenge), liveness: attemptFor(challenge.liveness.nonce) };
    // Ten crops are well over the API's 64 KiB default: the solution route has its own limit.
    expect(JSON.stringify(body).length).toBeGreaterThan(64 * 1024);
    const solved = await submit(challenge.id, body).expect(200);
    expect(solved.body).toMatchObject({ status: 'solved', liveness: { score: expect.any(Number) } });

    const verdict = await siteverify(t, { secret: site.secret, response: solved.body.token }).expect(200);
    expect(verdict.body).toMatchObject({
      success: true,
      level: 'liveness',
      liveness: { score: solved.body.liveness.score, threshold: 0.6, reasons: [] },
    });
    expect(verdict.body.liveness.score).toBeGreaterThanOrEqual(0.6);
  });

  it('fails evidence recorded for another challenge, spending the one attempt', async () => {
    const site = await livenessSite();
    const { body: first } = await issue(site.sitekey).expect(201);
    const { body: second } = await issue(site.sitekey).expect(201);

    const replayed = { outputs: await outputsFor(second), liveness: attemptFor(first.liveness.nonce) };
    const failed = await submit(second.id, replayed).expect(200);
    expect(failed.body).toEqual({
      status: 'failed',
      reason: 'liveness-failed',
      message: expect.any(String),
      hints: ['evidence-invalid'],
    });
    expect(await rowOf(second.id)).toMatchObject({ status: 'failed', failureReason: 'liveness-failed' });
    const again = await submit(second.id, replayed).expect(409);
    expect(again.body.code).toBe('challenge-already-attempted');
  });

  it('fails a recording that follows another script’s prompts, with a hint the visitor can act on', async () => {
    const site = await livenessSite();
    const { body: challenge } = await issue(site.sitekey).expect(201);
    const otherScript = deriveLivenessScript(
      challenge.liveness.nonce.replace(/^./, (c: string) => (c === 'a' ? 'b' : 'a')),
    );
    const evidence = attemptFor(challenge.liveness.nonce, { promptsFrom: otherScript });

    const failed = await submit(challenge.id, { outputs: await outputsFor(challenge), liveness: evidence });
    expect(failed.body).toMatchObject({ status: 'failed', reason: 'liveness-failed' });
    expect(failed.body.hints).toContain('prompts-missed');
  });

  it('applies the site’s own liveness threshold', async () => {
    const site = await livenessSite({ livenessThreshold: 1 });
    const { body: challenge } = await issue(site.sitekey).expect(201);
    const body = { outputs: await outputsFor(challenge), liveness: attemptFor(challenge.liveness.nonce) };

    const failed = await submit(challenge.id, body).expect(200);
    expect(failed.body).toMatchObject({ status: 'failed', reason: 'liveness-failed', hints: ['try-again'] });
  });

  it('asks for the evidence before spending the attempt, and refuses evidence nobody asked for', async () => {
    const site = await livenessSite();
    const { body: challenge } = await issue(site.sitekey).expect(201);
    const outputs = await outputsFor(challenge);

    const missing = await submit(challenge.id, { outputs }).expect(400);
    expect(missing.body).toMatchObject({ statusCode: 400, code: 'liveness-evidence-required' });
    expect((await rowOf(challenge.id)).status).toBe('issued');

    const computeSite = await createSite(t, { difficulty: 'easy' });
    const { body: compute } = await issue(computeSite.sitekey).expect(201);
    const unasked = await submit(compute.id, {
      outputs: await outputsFor(compute),
      liveness: attemptFor(compute.inference.seed),
    }).expect(400);
    expect(unasked.body.code).toBe('liveness-not-requested');
  });

  it('rejects malformed evidence with a 400 naming the field, and bodies over the route limit with a 413', async () => {
    const site = await livenessSite();
    const { body: challenge } = await issue(site.sitekey).expect(201);
    const evidence = attemptFor(challenge.liveness.nonce);
    const broken = { ...evidence, crops: evidence.crops.map((crop) => ({ ...crop, jpeg: '<script>' })) };

    const malformed = await submit(challenge.id, { outputs: [], liveness: broken }).expect(400);
    expect(malformed.body).toMatchObject({ code: 'invalid-request' });
    expect(malformed.body.message).toContain('liveness.crops.0.jpeg');

    const huge = { outputs: [], liveness: { ...evidence, padding: 'x'.repeat(1024 * 1024) } };
    const tooLarge = await submit(challenge.id, huge).expect(413);
    expect(tooLarge.body).toMatchObject({ statusCode: 413, code: 'payload-too-large' });
    expect((await rowOf(challenge.id)).status).toBe('issued');
  });

  it('gives camera-less visitors a compute challenge only where the site allows it', async () => {
    const strict = await livenessSite();
    const refused = await issue(strict.sitekey, { level: 'compute' }).expect(403);
    expect(refused.body.code).toBe('level-not-allowed');

    const lenient = await livenessSite({ livenessFallback: true });
    const { body: offered } = await issue(lenient.sitekey).expect(201);
    expect(offered.liveness.fallback).toBe(true);
    const { body: fallback } = await issue(lenient.sitekey, { level: 'compute' }).expect(201);
    expect(fallback).toMatchObject({ level: 'compute', steps: ['inference'] });
    expect(fallback.liveness).toBeUndefined();
    const solved = await submit(fallback.id, { outputs: await outputsFor(fallback) }).expect(200);
    const verdict = await siteverify(t, { secret: lenient.secret, response: solved.body.token }).expect(200);
    expect(verdict.body).toMatchObject({ success: true, level: 'compute' });
    expect(verdict.body.liveness).toBeUndefined();

    const computeSite = await createSite(t, { difficulty: 'easy' });
    const { body: stronger } = await issue(computeSite.sitekey, { level: 'liveness' }).expect(201);
    expect(stronger.level).toBe('liveness');
  });
});
