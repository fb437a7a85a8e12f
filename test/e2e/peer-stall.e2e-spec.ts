import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { ManualClock } from '../../src/adapters/clock.adapter';
import { JobLifecycleService } from '../../src/peers/job-lifecycle.service';
import { JobSweeperService } from '../../src/peers/job-sweeper.service';
import type { LedgerEntry } from '../../src/protocol/ledger-entry';
import { databaseKinds } from '../support/databases';
import type { TestPeer } from '../support/peers';
import { codeOf, commitVerdict, createJob, stakedPeers } from '../support/peers';
import type { TestApp } from '../support/test-app';
import { startTestApp } from '../support/test-app';

/** Real time: these tests pause the service for real, so its clock must move with the wall. */
class WallClock extends ManualClock {
  override nowMs(): number {
    return Date.now();
  }
}

const COMMIT_SECONDS = 2;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Blocks this process's event loop, and so the service inside it, for `ms` milliseconds. */
const stallEventLoop = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

// The service runs in this process: blocking the event loop stalls it exactly as a long GC pause, a
// synchronous bug or a suspended VM would. Peers are only slashed for time they could have answered in.
describe.each(databaseKinds())('deadlines over a stalled service [%s]', (kind) => {
  let t: TestApp;
  let model: string;
  let peers: TestPeer[];

  beforeAll(async () => {
    t = await startTestApp(
      kind,
      {
        PEER_COMMIT_SECONDS: String(COMMIT_SECONDS),
        PEER_REVEAL_SECONDS: String(COMMIT_SECONDS),
        PEER_STALL_GRACE_SECONDS: '1',
        PEER_COMMITTEE_SIZE: '3',
        LEDGER_MIN_STAKE: '100',
        LEDGER_ABSENT_SLASH: '0.1',
      },
      { clock: new WallClock() },
    );
    model = randomBytes(32).toString('hex');
    peers = await stakedPeers(t, [model], [500, 500, 500]);
  });
  afterAll(() => t?.close());

  const slashesOf = async (jobId: string) =>
    (
      (await request(t.baseUrl).get('/api/v1/ledger/entries?start=0&end=1000').expect(200)).body
        .entries as LedgerEntry[]
    )
      .filter((entry) => entry.job === jobId && entry.kind === 'slash')
      .map((entry) => entry.data?.reason);
  const verdict = { score: 1, models: [] as string[] };
  const answerAll = async (jobId: string) => {
    const reveals = await Promise.all(peers.map((peer) => commitVerdict(peer, jobId, { ...verdict, models: [model] })));
    for (const reveal of reveals) await reveal();
  };

  it('without a stall, peers that let the commit window pass are slashed as absent (the control)', async () => {
    const job = await createJob(t, [model]);
    await Promise.all(peers.map((peer) => peer.client.jobs(0)));

    await sleep(COMMIT_SECONDS * 1000 + 300);
    await t.app.get(JobSweeperService).run();

    expect(await codeOf(peers[0].client.commit(job.id, 'a'.repeat(64)))).toBe('409 commit-deadline-passed');
    expect(await slashesOf(job.id)).toEqual(['absent', 'absent', 'absent']);
  });

  it('gives a stall longer than the commit window back to the deadlines: nobody is slashed', async () => {
    const job = await createJob(t, [model]);
    await Promise.all(peers.map((peer) => peer.client.jobs(0)));

    stallEventLoop(COMMIT_SECONDS * 1000 + 2000);
    // After the pause, the sweep may run before the peers' requests, as it would in production.
    await t.app.get(JobSweeperService).run();
    await answerAll(job.id);

    expect(await slashesOf(job.id)).toEqual([]);
    const final = await t.app.get(JobLifecycleService).sweep();
    expect(final).toBe(0);
  });

  it('runs the commit window from when the job reached the peer, not from when it was created', async () => {
    const job = await createJob(t, [model]);
    // The peers first see the job most of a window after it was made (their long-polls were elsewhere).
    await sleep(COMMIT_SECONDS * 1000 - 500);
    await Promise.all(peers.map((peer) => peer.client.jobs(0)));
    await sleep(800);
    await t.app.get(JobSweeperService).run();

    await answerAll(job.id);

    expect(await slashesOf(job.id)).toEqual([]);
  });
});
