/**
 * The attack kit as a regression suite (docs/liveness.md, threat model): every attack the liveness level
 * claims to stop, through the real service over its real HTTP API with the reference client, one attempt
 * each by default (PEERPROOF_ATTACK_ATTEMPTS for more). Every attempt must be rejected, and by the family of check that stands against that attack, not by
 * a check that could not run. `npm run eval:liveness` runs the same kit 30 times each and reports APCER;
 * (h) face swap and (i) reenactment are measured there, not asserted here (the level does not claim them).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DataSource } from 'typeorm';
import { JpegAdapter } from '../../src/adapters/jpeg.adapter';
import { LivenessAttemptEntity } from '../../src/liveness/attempts/liveness-attempt.entity';
import type { FrameSource } from '../../src/liveness/client/frame-source';
import type { LivenessAttemptResult, WireFrame } from '../../src/liveness/client/liveness-client';
import { familiesOf } from '../../src/liveness/eval/reason-families';
import { fetchReconnecting, LivenessClient, LivenessClientError } from '../../src/liveness/client/liveness-client';
import type { Attack } from '../../src/liveness/eval/attacks/catalog';
import { buildAttackKit, cooperativeStandIn } from '../../src/liveness/eval/attacks/catalog';
import { createSite } from '../support/fixtures';
import type { TestApp } from '../support/test-app';
import { startTestApp } from '../support/test-app';

const ORIGIN = 'https://shop.example.com';
const ATTEMPTS = Number(process.env.PEERPROOF_ATTACK_ATTEMPTS ?? 1);

describe('the attack kit against the real service', () => {
  let t: TestApp;
  let sitekey = '';
  let kit: Attack[];
  let addresses = 0;
  const jpeg = new JpegAdapter();

  beforeAll(async () => {
    t = await startTestApp('sqlite', { TRUST_PROXY: '1' });
    sitekey = (await createSite(t, { level: 'liveness', difficulty: 'easy' })).sitekey;
    kit = await buildAttackKit(jpeg, { recordedAttempts: 2 });
  }, 600_000);
  afterAll(() => t?.close());

  /** One attempt on a fresh challenge from a fresh address; the service runs on a manual clock the client moves. */
  async function attempt(source: FrameSource, tamper?: (frames: WireFrame[], step: number) => WireFrame[]) {
    const ip = `198.51.100.${++addresses}`;
    const issued = await fetchReconnecting(fetch, `${t.baseUrl}/api/v1/challenges`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: ORIGIN, 'x-forwarded-for': ip },
      body: JSON.stringify({ sitekey }),
    });
    expect(issued.status).toBe(201);
    const { id } = (await issued.json()) as { id: string };
    const client = new LivenessClient({
      baseUrl: t.baseUrl,
      source,
      headers: { 'x-forwarded-for': ip },
      clock: { now: () => t.clock.nowMs(), sleep: (ms) => Promise.resolve(t.clock.advance(ms)) },
      tamper: tamper ? (frames, step) => tamper(frames, step.index) : undefined,
    });
    return client.runAttempt(id, 0);
  }

  const reasonsOf = async (result: LivenessAttemptResult) =>
    (await t.app.get(DataSource).getRepository(LivenessAttemptEntity).findOneByOrFail({ id: result.attempt }))
      .reasons ?? [];

  it.each(['a', 'b', 'c', 'd', 'e', 'f-node', 'g'])(
    'rejects every attempt of attack (%s) for the reason that stands against it',
    async (id) => {
      const attack = kit.find((a) => a.id === id)!;
      for (let k = 0; k < ATTEMPTS; k++) {
        const result = await attempt(attack.source);
        const reasons = await reasonsOf(result);
        expect({ attempt: k, passed: result.verdict.passed }).toEqual({ attempt: k, passed: false });
        // At least one expected family rejected it (not merely a check that could not run).
        const families = familiesOf(reasons);
        expect({ attempt: k, reasons, expected: families.some((f) => attack.reasons.includes(f)) }).toEqual({
          attempt: k,
          reasons,
          expected: true,
        });
      }
    },
    600_000,
  );

  it('refuses frames replayed with their MACs from another attempt (relabelled to the new step)', async () => {
    const recorded = await attempt(cooperativeStandIn(jpeg, undefined, 'mac-replay'));
    const old = recorded.steps;
    const refusal = await attempt(cooperativeStandIn(jpeg, undefined, 'mac-replay-2'), (frames, step) => {
      const source = old[Math.min(step, old.length - 1)].frames;
      // Relabel: the old frames keep their JPEGs and MACs, renumbered to continue the new attempt.
      return source.map((frame, k) => ({ ...frame, i: frames[0].i + k }));
    }).then(
      () => null,
      (error: unknown) => error,
    );
    expect(refusal).toBeInstanceOf(LivenessClientError);
    // Step 0 is a rest step in both attempts (same duration), so the times pass and the MAC is what fails.
    expect(refusal).toMatchObject({ status: 400, code: 'frame-mac-invalid' });
  }, 600_000);
});
