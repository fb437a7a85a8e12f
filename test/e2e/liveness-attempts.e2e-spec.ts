import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { OnnxAdapter } from '../../src/adapters/onnx.adapter';
import { ChallengeEntity } from '../../src/challenges/challenge.entity';
import { LivenessAttemptEntity } from '../../src/liveness/attempts/liveness-attempt.entity';
import type { CapturedFrame, FrameSource } from '../../src/liveness/client/frame-source';
import type { LivenessClientOptions, WireFrame } from '../../src/liveness/client/liveness-client';
import { LivenessClient, LivenessClientError } from '../../src/liveness/client/liveness-client';
import type { PlanStep } from '../../src/protocol/liveness-plan';
import { deriveAttemptPlan, FRAME_LIMITS } from '../../src/protocol/liveness-plan';
import { databaseKinds } from '../support/databases';
import { createSite, siteverify } from '../support/fixtures';
import { LiveClipSource } from '../support/live-clip-source';
import { solveChallenge } from '../support/solver';
import type { TestApp } from '../support/test-app';
import { startTestApp } from '../support/test-app';
import { familiesOf } from '../../src/liveness/eval/reason-families';

const ORIGIN = 'https://shop.example.com';

/** Real frames of a live person (GRID, CC BY 4.0), about 4 KB each, 120 ms apart. */
const clip = new LiveClipSource();

/** A source whose every frame is padded after its end-of-image marker to `bytes` (the JPEG stays valid). */
function padded(bytes: number, gapMs: number): FrameSource {
  return {
    capture: (step: PlanStep) => {
      const out: CapturedFrame[] = [];
      for (let t = 0; t <= step.durationMs; t += gapMs) {
        const jpeg = new Uint8Array(bytes);
        // The clip's own pace (one frame per 120 ms), so a fast source shows no jumps.
        jpeg.set(clip.frameAt(Math.floor(t / 120)));
        out.push({ t, jpeg });
      }
      return Promise.resolve(out);
    },
  };
}

describe.each(databaseKinds())('liveness v2 attempts over HTTP [%s]', (kind) => {
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
  const post = (id: string, body: unknown) =>
    request(t.baseUrl)
      .post(`/api/v1/challenges/${id}/liveness`)
      .set('X-Forwarded-For', clientIp)
      .send(body as object);
  const livenessChallenge = async (extra: Record<string, unknown> = {}) => {
    const site = await createSite(t, { level: 'liveness', difficulty: 'easy', ...extra });
    const { body: challenge } = await issue(site.sitekey).expect(201);
    return { site, challenge };
  };
  /** The service runs on a manual clock: the client's waits move it, so no test sleeps. */
  const client = (options: Partial<LivenessClientOptions> = {}) =>
    new LivenessClient({
      baseUrl: t.baseUrl,
      source: clip,
      headers: { 'X-Forwarded-For': clientIp },
      clock: { now: () => t.clock.nowMs(), sleep: async (ms) => t.clock.advance(ms) },
      ...options,
    });
  const attemptRow = (id: string) => t.app.get(DataSource).getRepository(LivenessAttemptEntity).findOneByOrFail({ id });
  const challengeRow = (id: string) => t.app.get(DataSource).getRepository(ChallengeEntity).findOneByOrFail({ id });
  const refusal = async (work: Promise<unknown>) => {
    const error = await work.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(LivenessClientError);
    return error as LivenessClientError;
  };

  it('runs a whole attempt of real frames step by step, revealing each step only after the previous one', async () => {
    const { challenge } = await livenessChallenge();
    expect(challenge.liveness).toMatchObject({ version: 2, maxAttempts: 3, fallback: false });

    const started = await post(challenge.id, {}).expect(200);
    const { attempt, step } = started.body;
    expect(step).toEqual({ index: 0, kind: 'rest', durationMs: 1200, key: expect.stringMatching(/^[\w-]{43}$/) });
    expect(JSON.stringify(started.body)).not.toMatch(/seed/i);

    // The rest of the attempt through the reference client, from a second attempt so its steps are fresh.
    const result = await client().runAttempt(challenge.id, 1);
    expect(result.attempt).not.toBe(attempt);
    const row = await attemptRow(result.attempt);
    const plan = deriveAttemptPlan(row.seed);
    expect(result.steps.map((s) => s.step)).toEqual(plan.slice(0, result.steps.length));
    // The clip follows no prompt and shows no flash: the attempt fails at its first prompt, with hints and no
    // reasons.
    expect(result.steps.length).toBeLessThan(plan.length);
    expect(result.verdict).toEqual({ passed: false, score: expect.any(Number), hints: expect.any(Array) });
    expect(result.verdict.hints.length).toBeGreaterThan(0);
    expect(row).toMatchObject({ status: 'failed', number: 1, score: result.verdict.score });
    expect(row.reasons!.length).toBeGreaterThan(0);
    // Only derived numbers stay, and the references go when the attempt ends.
    expect(row.state).toMatchObject({ baseline: null, identity: null });
    const total = result.steps
      .flatMap((s) => s.frames)
      .reduce((sum, f) => sum + Buffer.from(f.jpeg, 'base64').length, 0);
    expect(row.jpegBytes).toBe(total);
    expect(total).toBeLessThanOrEqual(FRAME_LIMITS.maxAttemptBytes);
    const stored = JSON.stringify(row);
    for (const frame of result.steps[0].frames.slice(0, 3)) expect(stored).not.toContain(frame.jpeg.slice(0, 40));

    const again = await post(challenge.id, { attempt: result.attempt, step: 0, frames: result.steps[0].frames });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('liveness-attempt-finished');
  });

  it('refuses frames replayed from another attempt (their MACs bind them to it), and ends that attempt', async () => {
    const { challenge } = await livenessChallenge();
    let banked: WireFrame[] = [];
    await client({
      tamper: (frames, step) => {
        if (step.index === 0) banked = frames;
        return frames;
      },
    }).runAttempt(challenge.id);

    let attemptId = '';
    const replay = client({
      tamper: (frames) => banked.slice(0, frames.length).map((frame, k) => ({ ...frame, i: frames[k].i })),
    });
    const error = await refusal(
      replay.runAttempt(challenge.id).catch(async (e: unknown) => {
        const [row] = await t.app
          .get(DataSource)
          .getRepository(LivenessAttemptEntity)
          .find({ where: { challengeId: challenge.id }, order: { number: 'DESC' } });
        attemptId = row.id;
        throw e;
      }),
    );
    expect(error).toMatchObject({ status: 400, code: 'frame-mac-invalid' });
    expect(await attemptRow(attemptId)).toMatchObject({ status: 'failed', reasons: ['frame-mac-invalid'] });
  });

  it('refuses frames posted before the step could have been filmed, and after its window closed', async () => {
    const { challenge } = await livenessChallenge();
    const early = client({ clock: { now: () => t.clock.nowMs(), sleep: async () => undefined } });
    expect(await refusal(early.runAttempt(challenge.id))).toMatchObject({ status: 400, code: 'frames-too-early' });

    const late = client({
      clock: { now: () => t.clock.nowMs(), sleep: async (ms) => t.clock.advance(ms + FRAME_LIMITS.lateMs + 1000) },
    });
    expect(await refusal(late.runAttempt(challenge.id))).toMatchObject({ status: 400, code: 'frames-too-late' });
  });

  it('refuses a frame over the per-frame budget', async () => {
    const { challenge } = await livenessChallenge();
    const large = client({ source: padded(FRAME_LIMITS.maxJpegBytes + 1, 125) });
    expect(await refusal(large.runAttempt(challenge.id))).toMatchObject({ status: 400, code: 'frame-too-large' });

    // The attempt's 600 kB budget spans steps; its refusal is unit-tested (liveness-frame-structure.spec.ts):
    // over HTTP, a later step is only reached by frames that pass the earlier steps' checks.
  });

  it('allows three attempts a challenge and refuses a fourth', async () => {
    const { challenge } = await livenessChallenge();
    for (let k = 0; k < 3; k++) await post(challenge.id, {}).expect(200);
    const fourth = await post(challenge.id, {}).expect(409);
    expect(fourth.body).toMatchObject({ statusCode: 409, code: 'liveness-attempts-exhausted' });
  });

  it('answers malformed bodies, unknown attempts and steps out of order with their codes', async () => {
    const { challenge } = await livenessChallenge();
    const { body: started } = await post(challenge.id, {}).expect(200);
    const malformed = await post(challenge.id, { attempt: started.attempt, step: 0, frames: [{ i: 0 }] }).expect(400);
    expect(malformed.body.code).toBe('invalid-request');
    const unknown = await post(challenge.id, {
      attempt: '00000000-0000-4000-8000-000000000000',
      step: 0,
      frames: [],
    }).expect(404);
    expect(unknown.body.code).toBe('liveness-attempt-not-found');
    const ahead = await post(challenge.id, { attempt: started.attempt, step: 1, frames: [] }).expect(409);
    expect(ahead.body.code).toBe('liveness-step-out-of-order');

    const computeSite = await createSite(t, { difficulty: 'easy' });
    const { body: compute } = await issue(computeSite.sitekey).expect(201);
    expect((await post(compute.id, {}).expect(400)).body.code).toBe('liveness-not-requested');
  });

  it('refuses a solution naming a failed or unknown attempt before spending the challenge', async () => {
    const { challenge } = await livenessChallenge();
    const failed = await client().runAttempt(challenge.id);
    expect(failed.verdict.passed).toBe(false);
    const outputs = await solveChallenge(t.app.get(OnnxAdapter), challenge.inference);

    const refused = await submit(challenge.id, { outputs, liveness: { attempt: failed.attempt } }).expect(403);
    expect(refused.body).toMatchObject({ statusCode: 403, code: 'liveness-not-passed' });
    const unknown = await submit(challenge.id, {
      outputs,
      liveness: { attempt: '00000000-0000-4000-8000-000000000000' },
    }).expect(403);
    expect(unknown.body.code).toBe('liveness-not-passed');
    const missing = await submit(challenge.id, { outputs }).expect(400);
    expect(missing.body.code).toBe('liveness-evidence-required');
    expect((await challengeRow(challenge.id)).status).toBe('issued');
  });

  it('mints a liveness token carrying the passed attempt’s score, which siteverify reports', async () => {
    const { site, challenge } = await livenessChallenge();
    const { attempt } = await client().runAttempt(challenge.id);
    // No attempt can pass until every required check is installed: mark this one passed in its row, as
    // the attempt flow does, to check what the solution and siteverify make of a passed attempt.
    await t.app
      .get(DataSource)
      .getRepository(LivenessAttemptEntity)
      .update({ id: attempt }, { status: 'passed', score: 0.9, reasons: [] });
    const outputs = await solveChallenge(t.app.get(OnnxAdapter), challenge.inference);
    const solved = await submit(challenge.id, { outputs, liveness: { attempt } }).expect(200);
    expect(solved.body).toMatchObject({ status: 'solved', liveness: { score: 0.9 } });

    const verdict = await siteverify(t, { secret: site.secret, response: solved.body.token }).expect(200);
    expect(verdict.body).toMatchObject({ success: true, level: 'liveness', liveness: { score: 0.9, reasons: [] } });
  });

  it('gives camera-less visitors a compute challenge only where the site allows it', async () => {
    const strict = await createSite(t, { level: 'liveness', difficulty: 'easy' });
    expect((await issue(strict.sitekey, { level: 'compute' }).expect(403)).body.code).toBe('level-not-allowed');
    const lenient = await createSite(t, { level: 'liveness', difficulty: 'easy', livenessFallback: true });
    const { body: fallback } = await issue(lenient.sitekey, { level: 'compute' }).expect(201);
    expect(fallback).toMatchObject({ level: 'compute', steps: ['inference'] });
    expect(fallback.liveness).toBeUndefined();
    const outputs = await solveChallenge(t.app.get(OnnxAdapter), fallback.inference);
    const unasked = await submit(fallback.id, { outputs, liveness: { attempt: fallback.id } }).expect(400);
    expect(unasked.body.code).toBe('liveness-not-requested');
  });
});

describe('liveness v2 attempts analysed to the end for evaluations (LIVENESS_END_ON_FAILURE=false)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('sqlite', { TRUST_PROXY: '1', LIVENESS_END_ON_FAILURE: 'false' });
  });
  afterAll(() => t?.close());

  it('analyses every step of a failing attempt, and its reasons name each check that failed', async () => {
    const site = await createSite(t, { level: 'liveness', difficulty: 'easy' });
    const { body: challenge } = await request(t.baseUrl)
      .post('/api/v1/challenges')
      .set('Origin', ORIGIN)
      .set('X-Forwarded-For', '203.0.113.200')
      .send({ sitekey: site.sitekey })
      .expect(201);
    const result = await new LivenessClient({
      baseUrl: t.baseUrl,
      source: clip,
      headers: { 'X-Forwarded-For': '203.0.113.200' },
      clock: { now: () => t.clock.nowMs(), sleep: async (ms) => t.clock.advance(ms) },
    }).runAttempt(challenge.id);
    const row = await t.app
      .get(DataSource)
      .getRepository(LivenessAttemptEntity)
      .findOneByOrFail({ id: result.attempt });
    expect(result.steps.map((s) => s.step)).toEqual(deriveAttemptPlan(row.seed));
    expect(result.verdict.passed).toBe(false);
    expect(row.status).toBe('failed');
    // The clip ignores the prompts and shows no flash: both checks ran and failed.
    expect(familiesOf(row.reasons ?? [])).toEqual(expect.arrayContaining(['flash', 'prompt']));
  });
});
