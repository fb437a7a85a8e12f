import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { HousekeepingService } from '../../src/ops/housekeeping.service';
import type { SiteWithSecretDto } from '../../src/sites/sites.dto';
import { databaseKinds } from '../support/databases';
import type { DatabaseKind } from '../support/databases';
import { createSite, mintToken, siteverify } from '../support/fixtures';
import type { TestApp } from '../support/test-app';
import { startTestApp } from '../support/test-app';

/**
 * Model-based property test of token redemption at siteverify: random mints, redemptions (several identical
 * ones at once, spread over the instances, with or without an idempotency key, some with another site's
 * secret), clock moves across the token's expiry and the retention horizon, and housekeeping passes. Every
 * answer must equal that of a plain reference model. On PostgreSQL two app instances share the database.
 */

const TTL_SECONDS = 60;
const RETENTION_SECONDS = 600;
const TTL_MS = TTL_SECONDS * 1000;
const KEYS = ['key-a', 'key-b'] as const;

type Answer = { success: true; score: number; action: string } | { success: false; codes: string[] };

interface ModelToken {
  site: number;
  expiresAt: number;
  redeemed: boolean;
  key: string | null;
  score: number;
}

/** The reference: what siteverify must answer, from the token's life alone. */
class ReferenceTokens {
  readonly tokens: ModelToken[] = [];

  mint(site: number, now: number, score: number): void {
    this.tokens.push({ site, expiresAt: now + TTL_MS, redeemed: false, key: null, score });
  }

  redeem(index: number, site: number, key: string | null, now: number): Answer {
    const token = this.tokens[index];
    if (!token || token.site !== site) return { success: false, codes: ['invalid-input-response'] };
    const success: Answer = { success: true, score: token.score, action: `site-${token.site}` };
    if (!token.redeemed) {
      if (now >= token.expiresAt) return { success: false, codes: ['timeout-or-duplicate', 'expired-input-response'] };
      token.redeemed = true;
      token.key = key;
      return success;
    }
    if (key !== null && key === token.key && now < token.expiresAt) return success;
    return { success: false, codes: ['timeout-or-duplicate', 'already-seen-response'] };
  }

  /** Housekeeping forgets tokens that expired more than the retention ago: they are unknown from then on. */
  purge(now: number): void {
    for (const [index, token] of this.tokens.entries()) {
      if (token && token.expiresAt < now - RETENTION_SECONDS * 1000) delete this.tokens[index];
    }
  }
}

type Step =
  | { type: 'mint'; site: number; instance: number; score: number }
  | { type: 'redeem'; token: number; wrongSite: boolean; key: string | null; copies: number[] }
  | { type: 'advance'; ms: number }
  | { type: 'housekeep'; instance: number };

function stepArbitrary(instances: number): fc.Arbitrary<Step> {
  const instance = fc.nat(instances - 1);
  return fc.oneof(
    {
      weight: 3,
      arbitrary: fc.record({
        type: fc.constant('mint' as const),
        site: fc.nat(1),
        instance,
        score: fc.constantFrom(0.55, 0.7, 0.85, 1),
      }),
    },
    {
      weight: 6,
      arbitrary: fc.record({
        type: fc.constant('redeem' as const),
        token: fc.nat(12),
        wrongSite: fc.constantFrom(false, false, false, true),
        key: fc.option(fc.constantFrom(...KEYS), { nil: null }),
        // Identical requests sent at once, each to the instance named.
        copies: fc.array(instance, { minLength: 1, maxLength: 4 }),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        type: fc.constant('advance' as const),
        // Edges of the lifetime and of the retention, and anything between.
        ms: fc.oneof(
          fc.constantFrom(1, TTL_MS - 1, TTL_MS, RETENTION_SECONDS * 1000),
          fc.integer({ min: 1, max: 2 * TTL_MS }),
        ),
      }),
    },
    { weight: 1, arbitrary: fc.record({ type: fc.constant('housekeep' as const), instance }) },
  );
}

interface SiteverifyBody {
  success: boolean;
  score: number;
  action: string;
  'error-codes': string[];
}

function answerOf(body: SiteverifyBody): Answer {
  return body.success
    ? { success: true, score: body.score, action: body.action }
    : { success: false, codes: body['error-codes'] };
}

describe.each(databaseKinds())('token redemption against a reference model [%s]', (kind: DatabaseKind) => {
  const instanceCount = kind === 'postgres' ? 2 : 1;
  const env = {
    TOKEN_TTL_SECONDS: String(TTL_SECONDS),
    TOKEN_RETENTION_SECONDS: String(RETENTION_SECONDS),
    RATE_LIMIT_PER_MINUTE: '0',
  };
  const apps: TestApp[] = [];
  const totals = { runs: 0, steps: 0, mints: 0, redemptions: 0, successes: 0, purges: 0 };

  beforeAll(async () => {
    apps.push(await startTestApp(kind, env));
    for (let i = 1; i < instanceCount; i++) apps.push(await startTestApp(kind, env, { database: apps[0].database }));
    advance(0);
  });
  afterAll(async () => {
    process.stdout.write(`token model [${kind}]: ${JSON.stringify(totals)}\n`);
    for (const app of apps.slice(1)) await app.stop();
    await apps[0]?.close();
  });

  /** The instances' clocks move together, as real clocks would. */
  const now = () => apps[0].clock.nowMs();
  const advance = (ms: number) => {
    const target = now() + ms;
    for (const app of apps) app.clock.set(target);
  };

  async function runStep(step: Step, sites: SiteWithSecretDto[], minted: string[], reference: ReferenceTokens) {
    switch (step.type) {
      case 'mint': {
        const token = await mintToken(apps[step.instance], sites[step.site], {
          score: step.score,
          action: `site-${step.site}`,
        });
        minted.push(token);
        reference.mint(step.site, now(), step.score);
        totals.mints += 1;
        return;
      }
      case 'redeem': {
        if (minted.length === 0) return;
        const index = step.token % minted.length;
        const owner = reference.tokens[index]?.site ?? 0;
        const site = step.wrongSite ? 1 - owner : owner;
        const body = {
          secret: sites[site].secret,
          response: minted[index],
          ...(step.key ? { idempotency_key: step.key } : {}),
        };
        const answers = await Promise.all(step.copies.map((instance) => siteverify(apps[instance], body)));
        const expected = step.copies.map(() => reference.redeem(index, site, step.key, now()));
        const byValue = (a: Answer, b: Answer) => JSON.stringify(a).localeCompare(JSON.stringify(b));
        expect(answers.map((answer) => answerOf(answer.body)).sort(byValue)).toEqual(expected.sort(byValue));
        totals.redemptions += step.copies.length;
        totals.successes += expected.filter((answer) => answer.success).length;
        return;
      }
      case 'advance':
        return advance(step.ms);
      case 'housekeep':
        expect(await apps[step.instance].app.get(HousekeepingService).run()).not.toBeNull();
        reference.purge(now());
        totals.purges += 1;
        return;
    }
  }

  it('answers every siteverify as the reference does, across expiry, retries, retention and instances', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(stepArbitrary(instanceCount), { minLength: 10, maxLength: 40 }), async (steps) => {
        // Fresh sites per run: their tokens are this run's alone, so the apps can serve every run.
        const sites = [await createSite(apps[0]), await createSite(apps[0])];
        const minted: string[] = [];
        const reference = new ReferenceTokens();
        totals.runs += 1;
        for (const step of steps) {
          await runStep(step, sites, minted, reference);
          totals.steps += 1;
        }
      }),
      { numRuns: kind === 'postgres' ? 25 : 40, endOnFailure: false },
    );
  }, 300_000);
});
