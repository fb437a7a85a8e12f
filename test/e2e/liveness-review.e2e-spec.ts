import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { LOOPBACK_TORRENT_OPTIONS, TorrentAdapter } from '../../src/adapters/torrent.adapter';
import { OnnxAdapter } from '../../src/adapters/onnx.adapter';
import { ChallengeEntity } from '../../src/challenges/challenge.entity';
import { AuditJobsService } from '../../src/peers/audit-jobs.service';
import { LedgerService } from '../../src/ledger/ledger.service';
import type { WireFrame } from '../../src/liveness/client/liveness-client';
import { LivenessClient } from '../../src/liveness/client/liveness-client';
import { LivenessAttemptEntity } from '../../src/liveness/attempts/liveness-attempt.entity';
import { EvidenceVaultService } from '../../src/liveness/review/evidence-vault.service';
import { LivenessEvidenceEntity } from '../../src/liveness/review/liveness-evidence.entity';
import { JobAssignmentEntity, JobEntity } from '../../src/peers/job.entity';
import { JobSealedEvidenceEntity } from '../../src/peers/job-sealed-evidence.entity';
import { loadOrCreateIdentity } from '../../src/peers/peer-runtime/peer-identity';
import { memoryPeerLog } from '../../src/peers/peer-runtime/peer-log';
import { PeerRuntime } from '../../src/peers/peer-runtime/peer-runtime';
import { ServiceClient } from '../../src/peers/peer-runtime/service-client';
import { databaseKinds } from '../support/databases';
import { createSite, mintToken } from '../support/fixtures';
import { dumpAllRows, framePatterns } from '../support/privacy';
import { LiveClipSource } from '../support/live-clip-source';
import { waitFor } from '../support/net';
import { solveChallenge } from '../support/solver';
import type { TestApp } from '../support/test-app';
import { startTestApp } from '../support/test-app';

const ORIGIN = 'https://shop.example.com';
const STAKE = 100;

// Real parts end to end: the service seeds every shipped model over BitTorrent on loopback; three staked
// in-process peers fetch them, check them against the signed manifest, and judge a real person's recorded
// attempt with the service's own verifier on frames sealed for them.
describe.each(databaseKinds())('liveness reviews by a peer committee [%s]', (kind) => {
  let t: TestApp;
  let root: string;
  let serviceKey: string;
  let servicePeer: string;
  const running: PeerRuntime[] = [];
  const repo = <T extends object>(entity: new () => T) => t.app.get(DataSource).getRepository(entity);

  const startPeer = async (name: string) => {
    const dataDir = path.join(root, name);
    const { identity } = loadOrCreateIdentity(dataDir);
    await t.app.get(LedgerService).append([{ kind: 'grant', peer: identity.peerId, amount: STAKE }]);
    const others = await Promise.all(running.map(async (peer) => `127.0.0.1:${await peer.torrentPort()}`));
    const runtime = new PeerRuntime({
      serviceUrl: t.baseUrl,
      serviceKey,
      dataDir,
      device: 'cpu',
      torrent: { ...LOOPBACK_TORRENT_OPTIONS },
      torrentPeers: [servicePeer, ...others],
      log: memoryPeerLog(),
      pollSeconds: 5,
      stake: STAKE,
      witnessIntervalMs: 0,
      now: () => t.clock.nowMs(),
    });
    await runtime.start();
    running.push(runtime);
    return runtime;
  };

  /** One attempt of a real person's recording (it ignores the prompts, so the service fails it). */
  const recordedAttempt = async (sitekey: string) => {
    const issued = await request(t.baseUrl).post('/api/v1/challenges').set('Origin', ORIGIN).send({ sitekey });
    expect(issued.status).toBe(201);
    const sent: WireFrame[] = [];
    const client = new LivenessClient({
      baseUrl: t.baseUrl,
      source: new LiveClipSource(),
      headers: { 'X-Forwarded-For': '203.0.113.9' },
      clock: { now: () => t.clock.nowMs(), sleep: async (ms) => t.clock.advance(ms) },
      tamper: (frames) => {
        sent.push(...frames);
        return frames;
      },
    });
    const result = await client.runAttempt(issued.body.id);
    return { attemptId: result.attempt, passed: result.verdict.passed, sent };
  };

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'peerproof-review-'));
    t = await startTestApp(kind, {
      TRUST_PROXY: '1',
      TORRENT_ENABLED: 'true',
      TORRENT_PORT: '0',
      TORRENT_DHT: 'false',
      TORRENT_LSD: 'false',
    });
    serviceKey = (await (await fetch(`${t.baseUrl}/api/v1/keys`)).json()).publicKey;
    servicePeer = `127.0.0.1:${(await t.app.get(TorrentAdapter).address()).port}`;
  });
  afterAll(async () => {
    for (const runtime of running.splice(0)) await runtime.stop();
    await t?.close();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  it('keeps a step’s frames only as ciphertext, and deletes them when no committee can review', async () => {
    const site = await createSite(t, { level: 'liveness', difficulty: 'easy', reviewLevels: ['liveness'] });
    expect(site.reviewLevels).toEqual(['liveness']);
    const { attemptId, passed, sent } = await recordedAttempt(site.sitekey);

    expect(passed).toBe(false);
    // No peer holds the models yet: no job, and nothing of the attempt's frames is left.
    expect(await repo(JobEntity).findOneBy({ subject: attemptId })).toBeNull();
    expect(await repo(LivenessEvidenceEntity).countBy({ attemptId })).toBe(0);
    // What the vault writes while an attempt runs is ciphertext: no fragment of a frame is in any row.
    const vault = t.app.get(EvidenceVaultService);
    const frames = sent
      .slice(0, 12)
      .map((frame) => ({ ...frame, jpeg: Buffer.from(frame.jpeg, 'base64'), width: 192, height: 192 }));
    await vault.keep(attemptId, 0, frames);
    const rows = await dumpAllRows(t);
    expect(rows).toContain(attemptId);
    for (const fragment of framePatterns(sent.slice(0, 12)).text) expect(rows).not.toContain(fragment);
    expect((await vault.take(attemptId))[0].frames.map((frame) => frame.jpeg)).toEqual(
      sent.slice(0, 12).map((f) => f.jpeg),
    );
    expect(await repo(LivenessEvidenceEntity).countBy({ attemptId })).toBe(0);
  });

  it('has three staked peers fetch every model of the review through the swarm', async () => {
    const peers = [await startPeer('a'), await startPeer('b'), await startPeer('c')];
    const manifest = (await (await fetch(`${t.baseUrl}/api/v1/models/manifest`)).json()) as {
      models: { sha256: string }[];
    };
    for (const peer of peers) expect(peer.heldModels()).toEqual(manifest.models.map((m) => m.sha256).sort());
  });

  it('reviews an attempt: every member opens the sealed frames, runs the verifier and reaches the service’s verdict', async () => {
    const site = await createSite(t, { level: 'liveness', difficulty: 'easy', reviewLevels: ['liveness'] });
    const { attemptId, passed, sent } = await recordedAttempt(site.sitekey);

    const job = await waitFor('the review to finalize', async () => {
      const found = await repo(JobEntity).findOneBy({ subject: attemptId });
      return found?.status === 'final' ? found : null;
    });

    expect(passed).toBe(false);
    expect(job.kind).toBe('liveness-review');
    expect(job.result).toMatchObject({ score: 0, assigned: 3, committed: 3, revealed: 3 });
    expect(job.result?.consensus).toEqual({ source: 'committee', agreeingStake: 1 });
    // The peers ran the same checks on the same frames: each names exactly the reasons the service gave.
    const attempt = await repo(LivenessAttemptEntity).findOneByOrFail({ id: attemptId });
    const assignments = await repo(JobAssignmentEntity).findBy({ jobId: job.id });
    for (const assignment of assignments) {
      expect(assignment.verdict?.score).toBe(0);
      expect(assignment.verdict?.reasons).toEqual((attempt.reasons ?? []).slice(0, 16));
      expect(assignment.verdict?.models).toEqual(job.models);
    }
    // The job's open evidence holds the settings, never a frame; the sealed part went with the job's end.
    expect(Object.keys(job.evidence).sort()).toEqual(['attempt', 'endOnFailure', 'passive', 'threshold', 'version']);
    expect(await repo(JobSealedEvidenceEntity).countBy({ jobId: job.id })).toBe(0);
    expect(await repo(LivenessEvidenceEntity).countBy({ attemptId })).toBe(0);
    const member = new ServiceClient(t.baseUrl, running[0].identity, { now: () => t.clock.nowMs() });
    try {
      await expect(member.evidence(job.id)).rejects.toMatchObject({ status: 410, code: 'evidence-deleted' });
    } finally {
      member.close();
    }
    const rows = await dumpAllRows(t);
    for (const fragment of framePatterns(sent).text) expect(rows).not.toContain(fragment);
  });

  it('lets siteverify wait for the committee of a reviewed compute pass, and answer with its consensus', async () => {
    const site = await createSite(t, { difficulty: 'easy', reviewLevels: ['compute'] });
    const issued = await request(t.baseUrl)
      .post('/api/v1/challenges')
      .set('Origin', ORIGIN)
      .send({ sitekey: site.sitekey });
    const outputs = await solveChallenge(t.app.get(OnnxAdapter), issued.body.inference);
    const solved = await request(t.baseUrl)
      .post(`/api/v1/challenges/${issued.body.id}/solution`)
      .set('Origin', ORIGIN)
      .send({ outputs })
      .expect(200);

    const answer = await request(t.baseUrl)
      .post('/api/v1/siteverify')
      .type('form')
      .send({ secret: site.secret, response: solved.body.token, consensus_wait: '15' })
      .expect(200);

    expect(answer.body).toMatchObject({ success: true, consensus: { source: 'committee', agreeingStake: 1 } });
    const audit = await repo(JobEntity).findOneByOrFail({ subject: issued.body.id });
    expect(audit).toMatchObject({ kind: 'inference-audit', status: 'final', canary: null });
  });

  it('answers consensus-rejected when the committee finds the pass forged', async () => {
    const site = await createSite(t, { difficulty: 'easy', reviewLevels: ['compute'] });
    const issued = await request(t.baseUrl)
      .post('/api/v1/challenges')
      .set('Origin', ORIGIN)
      .send({ sitekey: site.sitekey })
      .expect(201);
    const honest = await solveChallenge(t.app.get(OnnxAdapter), issued.body.inference);
    // Outputs no model produced, as if they had slipped past the service's spot checks: the committee's
    // common sample of 16 finds them.
    const forged = honest.map(
      ([anchor, score]) => [(anchor + 100) % 896, Math.min(1, score + 0.3)] as [number, number],
    );
    const challenge = await repo(ChallengeEntity).findOneByOrFail({ id: issued.body.id });
    await t.app.get(AuditJobsService).createAudit(challenge, forged, { always: true });
    const token = await mintToken(t, site, { challengeId: challenge.id });

    const answer = await request(t.baseUrl)
      .post('/api/v1/siteverify')
      .send({ secret: site.secret, response: token, consensus_wait: 15 })
      .expect(200);

    expect(answer.body).toMatchObject({
      success: false,
      'error-codes': ['consensus-rejected'],
      consensus: { source: 'committee', agreeingStake: 1 },
    });
    const again = await request(t.baseUrl).post('/api/v1/siteverify').send({ secret: site.secret, response: token });
    // The token was spent by the call that waited: a second call cannot redeem it.
    expect(again.body['error-codes']).toContain('timeout-or-duplicate');
  });

  it('refuses a consensus_wait that is not a number of seconds up to 15', async () => {
    const site = await createSite(t, {});
    for (const wait of ['soon', '-1', '16']) {
      const answer = await request(t.baseUrl)
        .post('/api/v1/siteverify')
        .type('form')
        .send({ secret: site.secret, response: 'pp1.token', consensus_wait: wait });
      expect(answer.body).toMatchObject({ success: false, 'error-codes': ['bad-request'] });
    }
  });
});
