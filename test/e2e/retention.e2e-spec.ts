import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DataSource } from 'typeorm';
import type { ObjectLiteral } from 'typeorm';
import { ChallengeEntity } from '../../src/challenges/challenge.entity';
import { HousekeepingService } from '../../src/ops/housekeeping.service';
import { JobAssignmentEntity, JobEntity } from '../../src/peers/job.entity';
import type { JobStatus } from '../../src/peers/job.entity';
import { PeerNonceEntity } from '../../src/peers/peer-nonce.entity';
import { PeerEntity } from '../../src/peers/peer.entity';
import { SitesService } from '../../src/sites/sites.service';
import { TokenEntity } from '../../src/tokens/token.entity';
import { databaseKinds } from '../support/databases';
import { createSite, mintToken } from '../support/fixtures';
import { waitFor } from '../support/net';
import type { TestApp } from '../support/test-app';
import { startTestApp } from '../support/test-app';

const DAY = 24 * 3600 * 1000;

/**
 * Retention as the README documents it: rows past their lifetime are deleted by a pass at start-up (not
 * only after the first interval) and then periodically; rows still in their lifetime, and peers that some
 * job still names, stay. Rows are written straight into the database with old timestamps.
 */
describe.each(databaseKinds())('retention and housekeeping [%s]', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(kind);
    // The start-up pass runs in the background: seeded rows must not race it (it deletes idle peers
    // between a peer's insert and its job's, which the foreign key then refuses). A call shares that pass.
    await t.app.get(HousekeepingService).run();
  });
  afterAll(() => t?.close());

  const repo = <T extends ObjectLiteral>(entity: new () => T) => t.app.get(DataSource).getRepository(entity);
  const now = () => t.clock.nowMs();

  async function seedSiteRows(siteId: string, prefix: string) {
    const challenge = (id: string, expiresAt: number): ChallengeEntity => ({
      id,
      siteId,
      hostname: 'shop.example.com',
      status: 'issued',
      level: 'compute',
      modelId: 'blazeface',
      modelSha256: '0'.repeat(64),
      seed: '0'.repeat(32),
      inputCount: 64,
      tolerance: 0.002,
      score: 1,
      action: null,
      cdata: null,
      issuedAt: expiresAt - 300_000,
      expiresAt,
      attemptedAt: null,
      failureReason: null,
    });
    const [oldChallenge, freshChallenge] = [randomUUID(), randomUUID()];
    await repo(ChallengeEntity).insert([challenge(oldChallenge, now() - 2 * DAY), challenge(freshChallenge, now())]);
    await repo(PeerNonceEntity).insert([
      { peerId: `${prefix}-p`, nonce: 'old', expiresAt: now() - 1 },
      { peerId: `${prefix}-p`, nonce: 'fresh', expiresAt: now() + 60_000 },
    ]);
    return { oldChallenge, freshChallenge };
  }

  async function seedPeersAndJobs(prefix: string) {
    const peer = (id: string, lastSeenAt: number) => ({
      id,
      publicKey: id,
      registeredAt: lastSeenAt,
      lastSeenAt,
      models: [],
      jobsAnswered: 0,
    });
    const idle = now() - 31 * DAY;
    await repo(PeerEntity).insert([
      peer(`${prefix}-idle`, idle),
      peer(`${prefix}-idle-with-job`, idle),
      peer(`${prefix}-present`, now()),
    ]);
    const job = async (status: JobStatus, finalizedAt: number | null, peerId: string) => {
      const id = randomUUID();
      await repo(JobEntity).insert({
        id,
        kind: 'inference-audit',
        subject: null,
        models: [],
        evidence: {},
        status,
        createdAt: idle,
        commitDeadline: idle,
        revealDeadline: null,
        retries: 0,
        resultScore: null,
        result: null,
        finalizedAt,
        drawHeadSize: null,
        drawHeadRoot: null,
        committee: null,
      } as object);
      await repo(JobAssignmentEntity).insert({ jobId: id, peerId, status: 'assigned', assignedAt: idle });
      return id;
    };
    return {
      oldFinal: await job('final', now() - 31 * DAY, `${prefix}-idle`),
      recentFinal: await job('final', now() - DAY, `${prefix}-idle-with-job`),
      unfinished: await job('committing', null, `${prefix}-present`),
    };
  }

  it('deletes expired rows at start-up, keeps the rest, and keeps peers that a job still names', async () => {
    const site = await createSite(t);
    const siteId = (await t.app.get(SitesService).findBySitekey(site.sitekey))!.id;
    const challenges = await seedSiteRows(siteId, 'start');
    const jobs = await seedPeersAndJobs('start');
    const expiredToken = await mintToken(t, site);
    const freshToken = await mintToken(t, site);
    await repo(TokenEntity).update({ tokenHash: hashOf(expiredToken) }, { expiresAt: now() - DAY - 1 });

    // A restart: the pass at start-up must clean up without waiting for the 10-minute interval.
    await t.stop();
    t = await startTestApp(kind, {}, { database: t.database });
    await waitFor('the start-up pass', async () => (await repo(JobEntity).countBy({ id: jobs.oldFinal })) === 0);

    const ids = async <T extends ObjectLiteral>(entity: new () => T, column: string) =>
      (await repo(entity).find()).map((row) => row[column] as string).sort();
    expect(await ids(ChallengeEntity, 'id')).toEqual([challenges.freshChallenge]);
    expect((await repo(ChallengeEntity).findOneByOrFail({ id: challenges.freshChallenge })).status).toBe('expired');
    expect(await ids(TokenEntity, 'tokenHash')).toEqual([hashOf(freshToken)]);
    expect(await ids(PeerNonceEntity, 'nonce')).toEqual(['fresh']);
    expect(await ids(JobEntity, 'id')).toEqual([jobs.recentFinal, jobs.unfinished].sort());
    expect(await repo(JobAssignmentEntity).countBy({ jobId: jobs.oldFinal })).toBe(0);
    expect(await ids(PeerEntity, 'id')).toEqual(['start-idle-with-job', 'start-present']);
  });

  it('runs again every HOUSEKEEPING_INTERVAL_SECONDS', async () => {
    await t.stop();
    t = await startTestApp(kind, { HOUSEKEEPING_INTERVAL_SECONDS: '1' }, { database: t.database });
    const site = await createSite(t);
    const token = await mintToken(t, site);
    await repo(TokenEntity).update({ tokenHash: hashOf(token) }, { expiresAt: now() - DAY - 1 });

    await waitFor('a periodic pass', async () => (await repo(TokenEntity).countBy({ tokenHash: hashOf(token) })) === 0);
  });
});

/** The service keeps only the SHA-256 of a token. */
function hashOf(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
