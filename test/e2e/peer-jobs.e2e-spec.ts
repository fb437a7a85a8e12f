import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { JobAssignmentEntity, JobEntity } from '../../src/peers/job.entity';
import { JobLifecycleService } from '../../src/peers/job-lifecycle.service';
import { JobNotifier } from '../../src/peers/job-notifier';
import { ServiceClient } from '../../src/peers/peer-runtime/service-client';
import type { Verdict } from '../../src/protocol/peer-protocol';
import { commitmentFor } from '../../src/protocol/peer-protocol';
import { databaseKinds } from '../support/databases';
import type { TestPeer } from '../support/peers';
import { createJob, registeredPeer, codeOf } from '../support/peers';
import type { TestApp } from '../support/test-app';
import { startTestApp } from '../support/test-app';

const COMMIT_MS = 20_000;
const REVEAL_MS = 20_000;
const ENV = { PEER_COMMIT_SECONDS: '20', PEER_REVEAL_SECONDS: '20', PEER_JOB_RETRIES: '1' };

/** A model sha256 of its own per test: only that test's peers hold it, so only they join its jobs. */
const freshModel = () => randomBytes(32).toString('hex');
const salt = () => randomBytes(32).toString('base64url');

interface Answer {
  verdict: Verdict;
  salt: string;
}

function answer(score: number, model: string): Answer {
  return { verdict: { score, models: [model] }, salt: salt() };
}

async function commit(peer: TestPeer, jobId: string, a: Answer): Promise<void> {
  await peer.client.commit(jobId, commitmentFor(a.verdict, a.salt));
}

describe.each(databaseKinds())('peer jobs: commit, then reveal [%s]', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(kind, ENV);
  });
  afterAll(() => t?.close());

  const jobRow = (id: string) => t.app.get(DataSource).getRepository(JobEntity).findOneByOrFail({ id });
  const assignments = (jobId: string) => t.app.get(DataSource).getRepository(JobAssignmentEntity).findBy({ jobId });
  const peers = (model: string, n: number) => Promise.all(Array.from({ length: n }, () => registeredPeer(t, [model])));

  it('wakes a long-poll as soon as a job for the peer arrives', async () => {
    const model = freshModel();
    const [peer] = await peers(model, 1);
    const started = Date.now();

    const polled = peer.client.jobs(20);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const job = await createJob(t, [model]);
    const jobs = await polled;

    expect(Date.now() - started).toBeLessThan(5_000);
    expect(jobs).toEqual([
      expect.objectContaining({ id: job.id, kind: 'test', phase: 'commit', models: [model], revealDeadline: null }),
    ]);
  });

  it('runs commit and reveal with three peers and keeps the median and the agreeing peers', async () => {
    const model = freshModel();
    const trio = await peers(model, 3);
    const job = await createJob(t, [model]);
    const answers = [answer(0.9, model), answer(0.95, model), answer(0.2, model)];

    const evidence = await trio[0].client.evidence(job.id);
    for (const [i, peer] of trio.entries()) await commit(peer, job.id, answers[i]);
    const toReveal = await trio[0].client.jobs(0);
    for (const [i, peer] of trio.entries()) await peer.client.reveal(job.id, answers[i].verdict, answers[i].salt);

    expect(evidence).toMatchObject({ id: job.id, kind: 'test', evidence: { hello: 'peers' }, models: [model] });
    expect(toReveal).toEqual([
      expect.objectContaining({ id: job.id, phase: 'reveal', revealDeadline: expect.any(String) }),
    ]);
    const row = await jobRow(job.id);
    expect(row.status).toBe('final');
    expect(row.resultScore).toBe(0.9);
    expect(row.result).toEqual({
      score: 0.9,
      agreeing: [trio[0].identity.peerId, trio[1].identity.peerId].sort(),
      assigned: 3,
      committed: 3,
      revealed: 3,
    });
    const listed = await trio[0].client.peers();
    expect(listed.find((p) => p.id === trio[2].identity.peerId)?.jobsAnswered).toBe(1);
  });

  it('gives jobs to present unstaked peers while nobody has stake, and says the committee was not drawn', async () => {
    const model = freshModel();
    await peers(model, 2);
    const job = await createJob(t, [model]);

    const committee = await request(t.baseUrl).get(`/api/v1/peers/jobs/${job.id}/committee`).expect(200);

    expect((await assignments(job.id)).length).toBe(2);
    expect(committee.body).toEqual({
      id: job.id,
      drawn: false,
      headSize: null,
      headRoot: null,
      candidates: [],
      members: [],
      service: null,
    });
  });

  it('refuses a reveal before commits close with 409 commits-open', async () => {
    const model = freshModel();
    const [early, late] = await peers(model, 2);
    const job = await createJob(t, [model]);
    const a = answer(1, model);
    await commit(early, job.id, a);

    expect(await codeOf(early.client.reveal(job.id, a.verdict, a.salt))).toBe('409 commits-open');
    await commit(late, job.id, answer(1, model));
    expect(await codeOf(early.client.reveal(job.id, a.verdict, a.salt))).toBe('accepted');
  });

  it('refuses a reveal that does not match the commitment with 400 reveal-mismatch, losing nothing', async () => {
    const model = freshModel();
    const [peer] = await peers(model, 1);
    const job = await createJob(t, [model]);
    const a = answer(0.75, model);
    await commit(peer, job.id, a);

    const changed = await codeOf(peer.client.reveal(job.id, { ...a.verdict, score: 0.8 }, a.salt));
    const otherSalt = await codeOf(peer.client.reveal(job.id, a.verdict, salt()));
    const honest = await codeOf(peer.client.reveal(job.id, a.verdict, a.salt));

    expect([changed, otherSalt, honest]).toEqual(['400 reveal-mismatch', '400 reveal-mismatch', 'accepted']);
    expect((await jobRow(job.id)).resultScore).toBe(0.75);
  });

  it('refuses evidence, commits and reveals for a job not assigned to the peer with 403 not-assigned', async () => {
    const model = freshModel();
    await peers(model, 1);
    const job = await createJob(t, [model]);
    const outsider = await registeredPeer(t, [freshModel()]);
    const a = answer(1, model);

    expect(await codeOf(outsider.client.evidence(job.id))).toBe('403 not-assigned');
    expect(await codeOf(commit(outsider, job.id, a))).toBe('403 not-assigned');
    expect(await codeOf(outsider.client.reveal(job.id, a.verdict, a.salt))).toBe('403 not-assigned');
    expect(await codeOf(outsider.client.evidence('00000000-0000-4000-8000-000000000000'))).toBe('404 job-not-found');
  });

  it('refuses a second commit and a verdict without the job model', async () => {
    const model = freshModel();
    const [peer] = await peers(model, 1);
    const job = await createJob(t, [model]);
    const wrong = answer(1, freshModel());
    await commit(peer, job.id, wrong);

    expect(await codeOf(commit(peer, job.id, wrong))).toBe('409 already-committed');
    expect(await codeOf(peer.client.reveal(job.id, wrong.verdict, wrong.salt))).toBe('400 verdict-models-mismatch');
  });

  it('replaces a peer that vanishes before committing with one not yet on the job', async () => {
    const model = freshModel();
    const [stays, vanishes] = await peers(model, 2);
    const job = await createJob(t, [model]);
    const replacement = await registeredPeer(t, [model]);
    await commit(stays, job.id, answer(0.5, model));
    expect(await replacement.client.jobs(0)).toEqual([]);

    t.clock.advance(COMMIT_MS);
    await t.app.get(JobLifecycleService).sweep();
    const offered = await replacement.client.jobs(0);
    await commit(replacement, job.id, answer(0.5, model));

    expect(offered).toEqual([expect.objectContaining({ id: job.id, phase: 'commit' })]);
    expect(await codeOf(commit(vanishes, job.id, answer(0.5, model)))).toBe('409 commit-deadline-passed');
    const byPeer = Object.fromEntries((await assignments(job.id)).map((a) => [a.peerId, a.status]));
    expect(byPeer).toEqual({
      [stays.identity.peerId]: 'committed',
      [vanishes.identity.peerId]: 'missed-commit',
      [replacement.identity.peerId]: 'committed',
    });
    expect(await jobRow(job.id)).toMatchObject({ status: 'revealing', retries: 1 });
  });

  it('closes commits on what was committed when nobody can replace the absent, and finalizes at the reveal deadline', async () => {
    const model = freshModel();
    const [reveals, silent, absent] = await peers(model, 3);
    const job = await createJob(t, [model]);
    const a = answer(0.3, model);
    await commit(reveals, job.id, a);
    await commit(silent, job.id, answer(0.9, model));

    t.clock.advance(COMMIT_MS);
    await t.app.get(JobLifecycleService).sweep();
    await reveals.client.reveal(job.id, a.verdict, a.salt);
    t.clock.advance(REVEAL_MS);
    await t.app.get(JobLifecycleService).sweep();

    expect(await codeOf(commit(absent, job.id, answer(0.9, model)))).toBe('409 commit-deadline-passed');
    expect(await codeOf(silent.client.reveal(job.id, a.verdict, a.salt))).toBe('409 reveal-deadline-passed');
    const row = await jobRow(job.id);
    expect(row).toMatchObject({ status: 'final', resultScore: 0.3, retries: 0 });
    expect(row.result).toEqual({
      score: 0.3,
      agreeing: [reveals.identity.peerId],
      assigned: 3,
      committed: 2,
      revealed: 1,
    });
  });

  it('finalizes without a result when nobody commits', async () => {
    const model = freshModel();
    await peers(model, 1);
    const job = await createJob(t, [model]);

    t.clock.advance(COMMIT_MS);
    await t.app.get(JobLifecycleService).sweep();

    const row = await jobRow(job.id);
    expect(row).toMatchObject({ status: 'final', resultScore: null });
    expect(row.result).toEqual({ score: null, agreeing: [], assigned: 1, committed: 0, revealed: 0 });
  });
});

describe.each(databaseKinds())('peer jobs across a service restart [%s]', (kind) => {
  it('accepts the reveal on a new service process after the commit reached the old one', async () => {
    let t = await startTestApp(kind, ENV);
    try {
      const model = freshModel();
      const peer = await registeredPeer(t, [model]);
      const job = await createJob(t, [model]);
      const a = answer(0.6, model);
      await commit(peer, job.id, a);
      const idle = await registeredPeer(t, [freshModel()]);
      const holding = idle.client.jobs(30);
      // Wait until the poll is held by the service: a request still on its way when it closes is reset instead.
      while (t.app.get(JobNotifier).waitingPeers() === 0) await new Promise((resolve) => setTimeout(resolve, 20));

      const stopping = Date.now();
      await t.stop();
      expect(await holding).toEqual([]);
      expect(Date.now() - stopping).toBeLessThan(5_000);
      t = await startTestApp(kind, ENV, { database: t.database });
      const current = t;
      const client = new ServiceClient(t.baseUrl, peer.identity, { now: () => current.clock.nowMs() });
      const pending = await client.jobs(0);
      await client.reveal(job.id, a.verdict, a.salt);

      expect(pending).toEqual([expect.objectContaining({ id: job.id, phase: 'reveal' })]);
      const row = await t.app.get(DataSource).getRepository(JobEntity).findOneByOrFail({ id: job.id });
      expect(row).toMatchObject({ status: 'final', resultScore: 0.6 });
    } finally {
      await t.close();
    }
  });
});
