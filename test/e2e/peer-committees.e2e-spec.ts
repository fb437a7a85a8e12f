import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes, randomUUID } from 'node:crypto';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { auditLedger } from '../../src/ledger/ledger-audit';
import { LedgerService } from '../../src/ledger/ledger.service';
import { CommitteesService } from '../../src/peers/committees.service';
import { JobAssignmentEntity, JobEntity } from '../../src/peers/job.entity';
import { JobLifecycleService } from '../../src/peers/job-lifecycle.service';
import { drawCommittee } from '../../src/protocol/committee';
import { INFERENCE_AUDIT_KIND } from '../../src/protocol/inference-audit';
import type { LedgerEntry } from '../../src/protocol/ledger-entry';
import { replay, serializeEntry } from '../../src/protocol/ledger-entry';
import { leafHash, rootOf } from '../../src/protocol/merkle';
import { databaseKinds } from '../support/databases';
import { createSite, mintToken, siteverify } from '../support/fixtures';
import { commitVerdict, createJob, stakedPeers as stakedPeersOf } from '../support/peers';
import type { TestApp } from '../support/test-app';
import { startTestApp } from '../support/test-app';

const MIN_STAKE = 100;
const ENV = {
  PEER_COMMIT_SECONDS: '20',
  PEER_REVEAL_SECONDS: '20',
  PEER_COMMITTEE_SIZE: '3',
  LEDGER_MIN_STAKE: String(MIN_STAKE),
  LEDGER_REWARD_PER_JOB: '30',
  LEDGER_OUTLIER_SLASH: '0.5',
  LEDGER_ABSENT_SLASH: '0.1',
};

const freshModel = () => randomBytes(32).toString('hex');
const hex = (hash: Uint8Array) => Buffer.from(hash).toString('hex');
/** Kind, peer and amount of entries, in a fixed order: the ledger appends them in committee draw order. */
const summary = (entries: LedgerEntry[]) =>
  entries
    .map(({ kind, peer, amount }) => ({ kind, peer, amount }))
    .sort((a, b) => `${a.kind} ${a.peer}`.localeCompare(`${b.kind} ${b.peer}`));

describe.each(databaseKinds())('committees drawn from the ledger [%s]', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(kind, ENV);
  });
  afterAll(() => t?.close());

  const jobRow = (id: string) => t.app.get(DataSource).getRepository(JobEntity).findOneByOrFail({ id });
  const assignments = (jobId: string) => t.app.get(DataSource).getRepository(JobAssignmentEntity).findBy({ jobId });
  const allEntries = async (): Promise<LedgerEntry[]> =>
    (await request(t.baseUrl).get('/api/v1/ledger/entries?start=0&end=1000').expect(200)).body.entries;

  const stakedPeers = (model: string, stakes: number[]) => stakedPeersOf(t, [model], stakes);
  const answer = commitVerdict;

  it('draws the committee by stake among present peers with the minimum stake, recomputably from the log', async () => {
    const model = freshModel();
    const peers = await stakedPeers(model, [100, 250, 400, 700, 99, 0]);

    const job = await createJob(t, [model]);

    const row = await jobRow(job.id);
    const ids = peers.map((peer) => peer.identity.peerId);
    expect(row.committee!.candidates).toEqual(ids.slice(0, 4).sort());
    expect(row.committee!.members).toHaveLength(3);
    expect((await assignments(job.id)).map((a) => a.peerId).sort()).toEqual(
      row.committee!.members.map((m) => m.peer).sort(),
    );
    // An outsider recomputes the draw from the public committee route and the log's first headSize entries.
    const published = (await request(t.baseUrl).get(`/api/v1/peers/jobs/${job.id}/committee`).expect(200)).body;
    expect(published).toEqual({
      id: job.id,
      drawn: true,
      headSize: row.drawHeadSize,
      headRoot: row.drawHeadRoot,
      candidates: row.committee!.candidates,
      members: row.committee!.members,
      service: null,
    });
    const prefix = (await allEntries()).slice(0, published.headSize);
    const root = hex(rootOf(prefix.map((entry) => leafHash(new TextEncoder().encode(serializeEntry(entry))))));
    const balances = replay(prefix);
    const eligible = ids
      .map((peer) => ({ peer, stake: balances.get(peer)?.staked ?? 0 }))
      .filter((candidate) => candidate.stake >= MIN_STAKE);
    expect(root).toBe(published.headRoot);
    expect(drawCommittee(eligible, 3, job.id, root)).toEqual(published.members);
  });

  it('creates no job when stake exists but no present peer holding the model has the minimum', async () => {
    const model = freshModel();
    await stakedPeers(model, [50, 0]);

    const created = await t.app
      .get(JobLifecycleService)
      .create({ kind: 'test', subject: null, models: [model], evidence: {} });

    expect(created).toBeNull();
  });

  it('rewards agreeing members by stake, slashes the outlier, and settles only once', async () => {
    const model = freshModel();
    const trio = await stakedPeers(model, [300, 300, 300]);
    const job = await createJob(t, [model]);
    const scores = [0.9, 0.92, 0.1];
    const reveals = [];
    for (const [i, peer] of trio.entries())
      reveals.push(await answer(peer, job.id, { score: scores[i], models: [model] }));
    for (const reveal of reveals) await reveal();

    const row = await jobRow(job.id);
    const forJob = (await allEntries()).filter((entry) => entry.job === job.id);
    const [agree1, agree2, outlier] = trio.map((peer) => peer.identity.peerId);
    expect(row.status).toBe('final');
    expect(row.result).toMatchObject({ score: 0.9, agreeing: [agree1, agree2].sort(), revealed: 3 });
    expect(row.result!.consensus).toEqual({ source: 'committee', agreeingStake: 2 / 3 });
    expect(forJob.filter((e) => e.kind === 'verdict')).toHaveLength(3);
    expect(summary(forJob.filter((e) => e.kind !== 'verdict'))).toEqual(
      summary([
        { seq: 0, time: 0, kind: 'reward', peer: agree1, amount: 15 },
        { seq: 0, time: 0, kind: 'reward', peer: agree2, amount: 15 },
        { seq: 0, time: 0, kind: 'slash', peer: outlier, amount: 150 },
      ]),
    );

    // A finalization retried after a crash (settled, not yet marked final) appends nothing more.
    const before = (await allEntries()).length;
    await t.app.get(CommitteesService).settle(row, await assignments(job.id));
    expect((await allEntries()).length).toBe(before);

    const replayed = replay(await allEntries());
    expect(replayed.get(agree1)).toMatchObject({ staked: 315, rewarded: 15 });
    expect(replayed.get(outlier)).toMatchObject({ staked: 150, slashed: 150 });
    const ledger = t.app.get(LedgerService);
    const audit = await auditLedger(
      {
        head: () => ledger.head(),
        entries: (start, end) => ledger.entries(start, end),
        consistency: (first, second) => ledger.consistency(first, second),
        balances: async () => Object.fromEntries(await ledger.allBalances()),
      },
      { verifySignature: () => true },
    );
    expect(audit).toMatchObject({ ok: true });
  });

  it('lets the local verdict stand without quorum, and still slashes members that did not reveal', async () => {
    const model = freshModel();
    const trio = await stakedPeers(model, [300, 300, 300]);
    const job = await createJob(t, [model]);
    const reveal = await answer(trio[0], job.id, { score: 1, models: [model] });
    t.clock.advance(20_000);
    await t.app.get(JobLifecycleService).sweep();
    await reveal();

    const row = await jobRow(job.id);
    const forJob = (await allEntries()).filter((entry) => entry.job === job.id);
    expect(row.status).toBe('final');
    expect(row.result).toMatchObject({ score: 1, assigned: 3, committed: 1, revealed: 1 });
    expect(row.result!.consensus).toEqual({ source: 'local', agreeingStake: 1 / 3 });
    expect(summary(forJob)).toEqual(
      summary([
        { seq: 0, time: 0, kind: 'verdict', peer: trio[0].identity.peerId },
        { seq: 0, time: 0, kind: 'slash', peer: trio[1].identity.peerId, amount: 30 },
        { seq: 0, time: 0, kind: 'slash', peer: trio[2].identity.peerId, amount: 30 },
      ]),
    );
  });

  it('reports the consensus on an audited challenge in siteverify', async () => {
    const model = freshModel();
    const trio = await stakedPeers(model, [500, 500, 500]);
    const site = await createSite(t);
    const audited = async () => {
      const challengeId = randomUUID();
      const job = await t.app
        .get(JobLifecycleService)
        .create({ kind: INFERENCE_AUDIT_KIND, subject: challengeId, models: [model], evidence: {} });
      return { job: job!, token: await mintToken(t, site, { challengeId }) };
    };
    const early = await audited();
    const late = await audited();
    const unaudited = await mintToken(t, site, { challengeId: randomUUID() });

    const pending = await siteverify(t, { secret: site.secret, response: early.token }).expect(200);
    const reveals = [];
    for (const peer of trio) reveals.push(await answer(peer, late.job.id, { score: 1, models: [model] }));
    for (const reveal of reveals) await reveal();
    const decided = await siteverify(t, { secret: site.secret, response: late.token }).expect(200);
    const plain = await siteverify(t, { secret: site.secret, response: unaudited }).expect(200);

    expect(pending.body).toMatchObject({ success: true, consensus: { source: 'local', agreeingStake: 0 } });
    expect(decided.body).toMatchObject({ success: true, consensus: { source: 'committee', agreeingStake: 1 } });
    expect(plain.body.success).toBe(true);
    expect(plain.body).not.toHaveProperty('consensus');
  });
});
