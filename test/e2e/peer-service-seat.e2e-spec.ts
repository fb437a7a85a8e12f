import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes, randomUUID } from 'node:crypto';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { LedgerService } from '../../src/ledger/ledger.service';
import { JobEntity } from '../../src/peers/job.entity';
import { JobLifecycleService } from '../../src/peers/job-lifecycle.service';
import { serviceSeat } from '../../src/protocol/committee';
import { INFERENCE_AUDIT_KIND } from '../../src/protocol/inference-audit';
import type { LedgerEntry } from '../../src/protocol/ledger-entry';
import { databaseKinds } from '../support/databases';
import { createSite, mintToken, siteverify } from '../support/fixtures';
import type { TestPeer } from '../support/peers';
import { MODEL_SHA256, commitVerdict, solveAChallenge, stakedPeers } from '../support/peers';
import type { TestApp } from '../support/test-app';
import { startTestApp } from '../support/test-app';

const ENV = {
  PEER_COMMIT_SECONDS: '20',
  PEER_REVEAL_SECONDS: '20',
  PEER_COMMITTEE_SIZE: '3',
  LEDGER_MIN_STAKE: '100',
  LEDGER_REWARD_PER_JOB: '30',
  LEDGER_OUTLIER_SLASH: '0.5',
  LEDGER_ABSENT_SLASH: '0.1',
};

const freshModel = () => randomBytes(32).toString('hex');

/** Both peers answer (commit, then reveal) with their scores, on the job's models. */
async function answerAll(peers: TestPeer[], jobId: string, scores: number[], models: string[]): Promise<void> {
  const reveals = [];
  for (const [i, peer] of peers.entries()) reveals.push(await commitVerdict(peer, jobId, { score: scores[i], models }));
  for (const reveal of reveals) await reveal();
}

function suite(kind: Parameters<typeof startTestApp>[0], seat: boolean) {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(kind, { ...ENV, PEER_SERVICE_SEAT: String(seat) });
  });
  afterAll(() => t?.close());

  const jobRow = (id: string) => t.app.get(DataSource).getRepository(JobEntity).findOneByOrFail({ id });
  const committeeOf = async (id: string) =>
    (await request(t.baseUrl).get(`/api/v1/peers/jobs/${id}/committee`).expect(200)).body;
  const entriesFor = async (jobId: string): Promise<LedgerEntry[]> =>
    (await request(t.baseUrl).get('/api/v1/ledger/entries?start=0&end=1000').expect(200)).body.entries.filter(
      (entry: LedgerEntry) => entry.job === jobId,
    );
  const auditJob = async (models: string[]) => {
    const subject = randomUUID();
    const job = await t.app
      .get(JobLifecycleService)
      .create({ kind: INFERENCE_AUDIT_KIND, subject, models, evidence: {}, localScore: 1 });
    return { job: job!, subject };
  };
  return { t: () => t, jobRow, committeeOf, entriesFor, auditJob };
}

describe.each(databaseKinds())('the service seat on committees [%s]', (kind) => {
  const { t, jobRow, committeeOf, entriesFor, auditJob } = suite(kind, true);

  it('breaks a tie between two staked peers on a real audit, and siteverify reports the committee', async () => {
    const peers = await stakedPeers(t(), [MODEL_SHA256], [100, 100]);
    const challengeId = await solveAChallenge(t());
    const job = await t()
      .app.get(DataSource)
      .getRepository(JobEntity)
      .findOneByOrFail({ subject: challengeId, kind: INFERENCE_AUDIT_KIND });

    const published = await committeeOf(job.id);
    expect(published.members).toHaveLength(2);
    expect(published.service).toEqual({ peer: 'service', stake: 100, score: 1 });
    expect(serviceSeat(published.candidates.length, published.members, 3, 1)).toEqual(published.service);

    await answerAll(peers, job.id, [1, 0], [MODEL_SHA256]);
    const row = await jobRow(job.id);
    const [agree, outlier] = peers.map((peer) => peer.identity.peerId);
    expect(row.status).toBe('final');
    expect(row.result).toMatchObject({ score: 1, agreeing: [agree], assigned: 2, revealed: 2 });
    expect(row.result!.consensus!.source).toBe('committee');
    expect(row.result!.consensus!.agreeingStake).toBeCloseTo(2 / 3);
    const entries = await entriesFor(job.id);
    expect(entries.map(({ kind: k, peer, amount }) => `${k} ${peer} ${amount ?? ''}`).sort()).toEqual(
      [`reward ${agree} 30`, `slash ${outlier} 50`, `verdict ${agree} `, `verdict ${outlier} `].sort(),
    );
    expect(await t().app.get(LedgerService).balance('service')).toMatchObject({ staked: 0, rewarded: 0, slashed: 0 });

    const site = await createSite(t());
    const token = await mintToken(t(), site, { challengeId });
    const verified = await siteverify(t(), { secret: site.secret, response: token }).expect(200);
    expect(verified.body.success).toBe(true);
    expect(verified.body.consensus.source).toBe('committee');
    expect(verified.body.consensus.agreeingStake).toBeCloseTo(2 / 3);
  });

  it('never outvotes a lone staked peer, and is neither rewarded nor slashed', async () => {
    const model = freshModel();
    const [peer] = await stakedPeers(t(), [model], [300]);
    const { job } = await auditJob([model]);
    expect((await committeeOf(job.id)).service).toEqual({ peer: 'service', stake: 150, score: 1 });

    await answerAll([peer], job.id, [0.2], [model]);
    const row = await jobRow(job.id);
    expect(row.result).toMatchObject({ score: 0.2, agreeing: [peer.identity.peerId] });
    expect(row.result!.consensus!.source).toBe('committee');
    expect(row.result!.consensus!.agreeingStake).toBeCloseTo(300 / 450);
    const entries = await entriesFor(job.id);
    expect(entries.map((entry) => `${entry.kind} ${entry.peer}`).sort()).toEqual(
      [`reward ${peer.identity.peerId}`, `verdict ${peer.identity.peerId}`].sort(),
    );
  });

  it('alone has no quorum: when the peer stays silent the local verdict stands and the peer is slashed', async () => {
    const model = freshModel();
    const [peer] = await stakedPeers(t(), [model], [200]);
    const { job, subject } = await auditJob([model]);
    t().clock.advance(20_000);
    await t().app.get(JobLifecycleService).sweep();

    const row = await jobRow(job.id);
    expect(row.status).toBe('final');
    expect(row.result).toMatchObject({ score: 1, assigned: 1, committed: 0, revealed: 0 });
    expect(row.result!.consensus!.source).toBe('local');
    expect(row.result!.consensus!.agreeingStake).toBeCloseTo(1 / 3);
    const entries = await entriesFor(job.id);
    expect(entries.map(({ kind: k, peer: p, amount }) => `${k} ${p} ${amount}`)).toEqual([
      `slash ${peer.identity.peerId} 20`,
    ]);
    const site = await createSite(t());
    const token = await mintToken(t(), site, { challengeId: subject });
    const verified = await siteverify(t(), { secret: site.secret, response: token }).expect(200);
    expect(verified.body.consensus.source).toBe('local');
  });

  it('does not sit once the draw finds the committee size in eligible peers', async () => {
    const model = freshModel();
    await stakedPeers(t(), [model], [100, 100, 100]);
    const { job } = await auditJob([model]);
    const published = await committeeOf(job.id);
    expect(published.members).toHaveLength(3);
    expect(published.service).toBeNull();
  });
});

describe.each(databaseKinds())('committees with PEER_SERVICE_SEAT=false [%s]', (kind) => {
  const { t, jobRow, committeeOf, auditJob } = suite(kind, false);

  it('leaves two split peers to decide alone, as before', async () => {
    const model = freshModel();
    expect(await t().app.get(LedgerService).anyStakeOf(100)).toBe(false);
    const peers = await stakedPeers(t(), [model], [100, 100]);
    expect(await t().app.get(LedgerService).anyStakeOf(100)).toBe(true);
    expect(await t().app.get(LedgerService).anyStakeOf(101)).toBe(false);
    const { job } = await auditJob([model]);
    expect((await committeeOf(job.id)).service).toBeNull();

    await answerAll(peers, job.id, [1, 0], [model]);
    const row = await jobRow(job.id);
    expect(row.result).toMatchObject({ score: 0, agreeing: [peers[1].identity.peerId] });
    expect(row.result!.consensus).toEqual({ source: 'committee', agreeingStake: 0.5 });
  });
});
