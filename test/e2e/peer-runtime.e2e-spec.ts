import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DataSource } from 'typeorm';
import { generateEd25519KeyPair } from '../../src/adapters/ed25519';
import { LOOPBACK_TORRENT_OPTIONS, TorrentAdapter } from '../../src/adapters/torrent.adapter';
import { ChallengeEntity } from '../../src/challenges/challenge.entity';
import { AuditJobsService } from '../../src/peers/audit-jobs.service';
import { JobAssignmentEntity, JobEntity } from '../../src/peers/job.entity';
import { LedgerService } from '../../src/ledger/ledger.service';
import { identityFromPem, loadOrCreateIdentity } from '../../src/peers/peer-runtime/peer-identity';
import { memoryPeerLog } from '../../src/peers/peer-runtime/peer-log';
import { PeerRuntime } from '../../src/peers/peer-runtime/peer-runtime';
import { auditIndices, inferenceAuditEvidenceSchema } from '../../src/protocol/inference-audit';
import { roundScore } from '../../src/protocol/inference-task';
import { ManifestVerificationError } from '../../src/protocol/signed-manifest';
import { databaseKinds } from '../support/databases';
import { MODEL_SHA256, solveAChallenge, taskModelsFolder } from '../support/peers';
import type { TestApp } from '../support/test-app';
import { startTestApp } from '../support/test-app';
import { waitFor } from '../support/net';

const MODEL_FILE = 'face_detection_front_128x128_barracuda.onnx';

const events = (log: { lines: string[] }, event: string) =>
  log.lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.event === event);

// Real parts end to end: the service seeds the model over BitTorrent on loopback (DHT, trackers, LSD and web
// seeds off), three in-process peers fetch it from the service and each other, check its sha256, load it
// into onnxruntime-node and answer audit jobs over signed HTTP.
describe.each(databaseKinds())('verifier peers on the swarm [%s]', (kind) => {
  let t: TestApp;
  let root: string;
  let serviceKey: string;
  let servicePeer: string;
  const running: PeerRuntime[] = [];
  const modelFile = (name: string) => path.join(root, name, 'models', MODEL_FILE);
  const sha256Of = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

  const startPeer = async (name: string, overrides: { serviceKey?: string; stake?: number } = {}) => {
    const log = memoryPeerLog();
    const others = await Promise.all(running.map(async (peer) => `127.0.0.1:${await peer.torrentPort()}`));
    const runtime = new PeerRuntime({
      serviceUrl: t.baseUrl,
      serviceKey: overrides.serviceKey ?? serviceKey,
      dataDir: path.join(root, name),
      device: 'cpu',
      torrent: { ...LOOPBACK_TORRENT_OPTIONS },
      torrentPeers: [servicePeer, ...others],
      log,
      pollSeconds: 5,
      stake: overrides.stake,
      now: () => t.clock.nowMs(),
    });
    await runtime.start().catch(async (error: unknown) => {
      await runtime.stop();
      throw error;
    });
    running.push(runtime);
    return { runtime, log };
  };
  const peerIdIn = (name: string) =>
    identityFromPem(fs.readFileSync(path.join(root, name, 'peer-key.pem'), 'utf8')).peerId;
  const stopPeer = async (runtime: PeerRuntime) => {
    running.splice(running.indexOf(runtime), 1);
    await runtime.stop();
  };
  const finalJob = (subject: string) =>
    waitFor(`the job about ${subject} to finalize`, async () => {
      const job = await t.app.get(DataSource).getRepository(JobEntity).findOneBy({ subject });
      return job?.status === 'final' ? job : null;
    });

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'peerproof-peers-'));
    t = await startTestApp(kind, {
      MODELS_DIR: taskModelsFolder(path.join(root, 'service-models')),
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

  it('creates no audit job while no peer is present', async () => {
    const challengeId = await solveAChallenge(t);

    expect(await t.app.get(DataSource).getRepository(JobEntity).findOneBy({ subject: challengeId })).toBeNull();
  });

  it('refuses a manifest signed by another key, before downloading anything', async () => {
    const other = generateEd25519KeyPair().publicKey;

    const started = startPeer('wrong-key', { serviceKey: other });

    await expect(started).rejects.toThrow(ManifestVerificationError);
    await expect(started).rejects.toMatchObject({ code: 'manifest-wrong-key' });
    expect(fs.existsSync(path.join(root, 'wrong-key', 'models', MODEL_FILE))).toBe(false);
  });

  it('brings three peers up over the swarm, each holding the verified model', async () => {
    const peers = [await startPeer('a'), await startPeer('b'), await startPeer('c')];

    for (const [i, { runtime, log }] of peers.entries()) {
      expect(runtime.heldModels()).toEqual([MODEL_SHA256]);
      expect(events(log, 'model-ready')).toEqual([expect.objectContaining({ origin: 'downloaded' })]);
      expect(sha256Of(modelFile('abc'[i]))).toBe(MODEL_SHA256);
    }
    const listed = (await (await fetch(`${t.baseUrl}/api/v1/peers`)).json()).peers as Array<{ models: string[] }>;
    expect(listed.filter((peer) => peer.models.includes(MODEL_SHA256))).toHaveLength(3);
  });

  it('audits a solved challenge: all three commit, reveal, and agree that the outputs reproduce', async () => {
    const challengeId = await solveAChallenge(t);

    const job = await finalJob(challengeId);

    expect(job.kind).toBe('inference-audit');
    expect(job.evidence).toMatchObject({ modelSha256: MODEL_SHA256, count: 64, outputs: expect.any(Array) });
    expect(job.result).toMatchObject({ score: 1, assigned: 3, committed: 3, revealed: 3 });
    expect(job.result?.agreeing).toEqual(running.map((peer) => peer.identity.peerId).sort());
    // The outputs live with the job only.
    const challenge = await t.app.get(DataSource).getRepository(ChallengeEntity).findOneByOrFail({ id: challengeId });
    expect(Object.keys(challenge)).not.toContain('outputs');
  });

  it('scores outputs that do not come from the model at 0, with reasons', async () => {
    const challengeId = await solveAChallenge(t);
    const audited = await finalJob(challengeId);
    const challenge = await t.app.get(DataSource).getRepository(ChallengeEntity).findOneByOrFail({ id: challengeId });
    const forged = (audited.evidence.outputs as [number, number][]).map(([anchor, score]) => [
      (anchor + 100) % 896,
      Math.min(1, score + 0.3),
    ]) as [number, number][];

    const subject = `forged-${challengeId.slice(7)}`;
    const jobId = await t.app.get(AuditJobsService).createAudit({ ...challenge, id: subject }, forged);
    const job = await finalJob(subject);

    expect(jobId).toBe(job.id);
    expect(job.result).toMatchObject({ score: 0, revealed: 3 });
    const answers = await t.app.get(DataSource).getRepository(JobAssignmentEntity).findBy({ jobId: job.id });
    expect(answers[0].verdict).toMatchObject({
      score: 0,
      models: [MODEL_SHA256],
      reasons: [expect.stringMatching(/^output \d+: /), expect.any(String), expect.any(String)],
    });
  });

  it('has every member check the same sample, so a few forged outputs give all three the same score', async () => {
    const challengeId = await solveAChallenge(t);
    const audited = await finalJob(challengeId);
    const challenge = await t.app.get(DataSource).getRepository(ChallengeEntity).findOneByOrFail({ id: challengeId });
    // 6 of 64 outputs forged: with a sample of their own, peers would disagree in most such jobs.
    const forgedAt = new Set([3, 11, 19, 27, 41, 59]);
    const forged = (audited.evidence.outputs as [number, number][]).map(([anchor, score], i) =>
      forgedAt.has(i) ? [(anchor + 100) % 896, Math.min(1, score + 0.3)] : [anchor, score],
    ) as [number, number][];

    const subject = `partly-${challengeId.slice(7)}`;
    await t.app.get(AuditJobsService).createAudit({ ...challenge, id: subject }, forged);
    const job = await finalJob(subject);

    const evidence = inferenceAuditEvidenceSchema.parse(job.evidence);
    const sample = auditIndices(job.id, evidence);
    const expected = roundScore(sample.filter((i) => !forgedAt.has(i)).length / sample.length);
    const answers = await t.app.get(DataSource).getRepository(JobAssignmentEntity).findBy({ jobId: job.id });
    expect(answers.map((answer) => answer.verdict?.score)).toEqual([expected, expected, expected]);
    expect(job.result).toMatchObject({ score: expected, revealed: 3 });
    expect(job.result?.agreeing).toHaveLength(3);
  });

  it('resumes from disk after a restart without downloading again', async () => {
    const first = running[0];
    await stopPeer(first);

    const { runtime, log } = await startPeer('a');

    expect(runtime.identity.peerId).toBe(first.identity.peerId);
    expect(events(log, 'download-progress')).toEqual([]);
    expect(events(log, 'model-ready')).toEqual([expect.objectContaining({ origin: 'disk' })]);
  });

  it('refuses a model file tampered on disk, never loads it, and repairs it from the swarm', async () => {
    await stopPeer(running.find((peer) => peer.identity.peerId === peerIdIn('b'))!);
    const bytes = fs.readFileSync(modelFile('b'));
    bytes[1000] ^= 0xff;
    fs.writeFileSync(modelFile('b'), bytes);

    const { log } = await startPeer('b');

    const refused = events(log, 'model-refused');
    expect(refused).toEqual([expect.objectContaining({ expected: MODEL_SHA256, actual: expect.any(String) })]);
    expect(refused[0].actual).not.toBe(MODEL_SHA256);
    expect(events(log, 'model-ready')).toEqual([expect.objectContaining({ origin: 'repaired' })]);
    expect(sha256Of(modelFile('b'))).toBe(MODEL_SHA256);
  });

  it('answers audits again after those restarts', async () => {
    const challengeId = await solveAChallenge(t);

    const job = await finalJob(challengeId);

    expect(job.result).toMatchObject({ score: 1, revealed: 3 });
  });

  it('tops the bonded stake up to --stake from the granted balance, and only once', async () => {
    const { identity } = loadOrCreateIdentity(path.join(root, 'staker'));
    await t.app.get(LedgerService).append([{ kind: 'grant', peer: identity.peerId, amount: 80 }]);

    const first = await startPeer('staker', { stake: 50 });
    await stopPeer(first.runtime);
    const second = await startPeer('staker', { stake: 50 });

    expect(events(first.log, 'stake')).toEqual([expect.objectContaining({ staked: 50, target: 50 })]);
    expect(events(second.log, 'stake')).toEqual([expect.objectContaining({ staked: 50, target: 50 })]);
    expect(await t.app.get(LedgerService).balance(identity.peerId)).toMatchObject({ free: 30, staked: 50 });
  });
});
