import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { ChallengeEntity } from '../../src/challenges/challenge.entity';
import { LedgerService } from '../../src/ledger/ledger.service';
import { ModelRunnerService } from '../../src/models/model-runner.service';
import { AuditJobsService } from '../../src/peers/audit-jobs.service';
import { JobEntity } from '../../src/peers/job.entity';
import { auditIndices, auditInference, inferenceAuditEvidenceSchema } from '../../src/protocol/inference-audit';
import type { LedgerEntry } from '../../src/protocol/ledger-entry';
import { databaseKinds } from '../support/databases';
import type { TestPeer } from '../support/peers';
import { MODEL_SHA256, commitVerdict, solveAChallenge, stakedPeers, taskModelsFolder } from '../support/peers';
import type { TestApp } from '../support/test-app';
import { startTestApp } from '../support/test-app';

// Real model, real peers over signed HTTP: two honest peers recompute the common sample with onnxruntime,
// one lazy peer answers 1 without looking. Canaries and disputed audits are settled against the service's
// own recomputation, so the lazy peer pays and the honest ones never do.
describe.each(databaseKinds())('canaries and disputed audits [%s]', (kind) => {
  let t: TestApp;
  let root: string;
  let honest: TestPeer[];
  let lazy: TestPeer;

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'peerproof-canaries-'));
    t = await startTestApp(kind, {
      MODELS_DIR: taskModelsFolder(path.join(root, 'models')),
      PEER_CANARY_RATE: '0',
      PEER_COMMITTEE_SIZE: '3',
      LEDGER_MIN_STAKE: '100',
      LEDGER_REWARD_PER_JOB: '30',
      LEDGER_OUTLIER_SLASH: '0.5',
    });
    const peers = await stakedPeers(t, [MODEL_SHA256], [500, 500, 500]);
    honest = peers.slice(0, 2);
    lazy = peers[2];
  });
  afterAll(async () => {
    await t?.close();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  const jobRow = (id: string) => t.app.get(DataSource).getRepository(JobEntity).findOneByOrFail({ id });
  const entriesOf = async (jobId: string): Promise<LedgerEntry[]> =>
    (
      (await request(t.baseUrl).get('/api/v1/ledger/entries?start=0&end=1000').expect(200)).body
        .entries as LedgerEntry[]
    ).filter((entry) => entry.job === jobId);
  const staked = async (peer: TestPeer) => (await t.app.get(LedgerService).balance(peer.identity.peerId)).staked;

  /** An honest peer's score: the common sample recomputed with the real model. */
  const honestScore = async (peer: TestPeer, jobId: string) => {
    const evidence = inferenceAuditEvidenceSchema.parse((await peer.client.evidence(jobId)).evidence);
    const runner = await t.app.get(ModelRunnerService).runnerFor(evidence.modelId);
    return (await auditInference(evidence, runner, auditIndices(jobId, evidence))).score;
  };

  const answerAll = async (jobId: string) => {
    const scores = await Promise.all(honest.map((peer) => honestScore(peer, jobId)));
    const reveals = [
      ...(await Promise.all(
        honest.map((peer, i) => commitVerdict(peer, jobId, { score: scores[i], models: [MODEL_SHA256] })),
      )),
      await commitVerdict(lazy, jobId, { score: 1, models: [MODEL_SHA256] }),
    ];
    for (const reveal of reveals) await reveal();
    return scores;
  };

  /** A solved challenge and its outputs (from the audit job its solution created). */
  const solved = async () => {
    const challengeId = await solveAChallenge(t);
    const challenge = await t.app.get(DataSource).getRepository(ChallengeEntity).findOneByOrFail({ id: challengeId });
    const audit = await t.app.get(DataSource).getRepository(JobEntity).findOneByOrFail({ subject: challengeId });
    return { challenge, outputs: audit.evidence.outputs as [number, number][], audit };
  };

  it('settles a real audit nobody disputes by vote: the lazy peer agrees and is paid like the others', async () => {
    const { audit } = await solved();

    const scores = await answerAll(audit.id);

    expect(scores).toEqual([1, 1]);
    const job = await jobRow(audit.id);
    expect(job.result?.consensus?.source).toBe('committee');
    expect((await entriesOf(audit.id)).filter((e) => e.kind === 'slash')).toEqual([]);
  });

  it('slashes the lazy peer on a canary, rewards the honest ones, and no peer can tell it from an audit', async () => {
    const { challenge, outputs, audit } = await solved();
    const before = await Promise.all([...honest, lazy].map(staked));
    const canaryId = await t.app
      .get(AuditJobsService)
      .createCanary({ ...challenge, id: `c-${challenge.id.slice(2)}` }, outputs);

    const seen = await honest[0].client.evidence(canaryId!);
    const real = await honest[0].client.evidence(audit.id);
    expect(Object.keys(seen).sort()).toEqual(Object.keys(real).sort());
    expect(Object.keys(seen.evidence).sort()).toEqual(Object.keys(real.evidence).sort());
    expect(JSON.stringify(seen)).not.toMatch(/canary|faulted|truth/);
    const committee = (await request(t.baseUrl).get(`/api/v1/peers/jobs/${canaryId}/committee`).expect(200)).body;
    expect(JSON.stringify(committee)).not.toMatch(/canary|faulted|truth/);

    const scores = await answerAll(canaryId!);

    const job = await jobRow(canaryId!);
    expect(job.canary!.faulted.length).toBeGreaterThanOrEqual(2);
    expect(scores).toEqual([job.canary!.truth, job.canary!.truth]);
    const entries = await entriesOf(canaryId!);
    expect(entries.filter((e) => e.kind === 'slash')).toEqual([
      expect.objectContaining({ peer: lazy.identity.peerId, data: { reason: 'canary' } }),
    ]);
    expect(
      entries
        .filter((e) => e.kind === 'reward')
        .map((e) => e.peer)
        .sort(),
    ).toEqual(honest.map((p) => p.identity.peerId).sort());
    const after = await Promise.all([...honest, lazy].map(staked));
    expect(after[0]).toBeGreaterThan(before[0]);
    expect(after[1]).toBeGreaterThan(before[1]);
    expect(after[2]).toBeLessThan(before[2]);
  });

  it('settles a disputed audit against the service recomputing the sample, not by vote', async () => {
    const { challenge, outputs } = await solved();
    // Every output forged: the honest peers find it; the lazy peer says 1.
    const forged = outputs.map(([anchor, score]) => [anchor, score >= 0.5 ? score - 0.2 : score + 0.2]) as [
      number,
      number,
    ][];
    const jobId = await t.app
      .get(AuditJobsService)
      .createAudit({ ...challenge, id: `d-${challenge.id.slice(2)}` }, forged);

    const scores = await answerAll(jobId!);

    expect(scores).toEqual([0, 0]);
    const slashes = (await entriesOf(jobId!)).filter((e) => e.kind === 'slash');
    expect(slashes).toEqual([expect.objectContaining({ peer: lazy.identity.peerId, data: { reason: 'recomputed' } })]);
  });
});
