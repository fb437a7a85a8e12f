import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import request from 'supertest';
import { OnnxAdapter } from '../../src/adapters/onnx.adapter';
import { generateEd25519KeyPair } from '../../src/adapters/ed25519';
import { LedgerService } from '../../src/ledger/ledger.service';
import type { JobEntity } from '../../src/peers/job.entity';
import { JobLifecycleService } from '../../src/peers/job-lifecycle.service';
import type { PeerIdentity } from '../../src/peers/peer-runtime/peer-identity';
import { identityFromPem } from '../../src/peers/peer-runtime/peer-identity';
import { ServiceClient, ServiceError } from '../../src/peers/peer-runtime/service-client';
import type { Verdict } from '../../src/protocol/peer-protocol';
import { commitmentFor } from '../../src/protocol/peer-protocol';
import { createSite } from './fixtures';
import { solveChallenge } from './solver';
import type { TestApp } from './test-app';

/** sha256 of the shipped BlazeFace model: what audit jobs need. */
export const MODEL_SHA256 = 'd388b1cf8a5f6f1af2b3f4c14f6d0f138bab970cd618cccd12dddb7484e82e51';

/**
 * A models folder holding only the proof-of-inference model: the peer tests are about moving and checking
 * model files, and one small file keeps them quick (the liveness models add 5 MB to every download).
 */
export function taskModelsFolder(dir = fs.mkdtempSync(path.join(os.tmpdir(), 'peerproof-task-models-'))): string {
  const shipped = path.resolve('models');
  const manifest = JSON.parse(fs.readFileSync(path.join(shipped, 'manifest.json'), 'utf8'));
  manifest.models = manifest.models.filter((model: { role: string }) => model.role === 'inference-task');
  fs.mkdirSync(dir, { recursive: true });
  for (const model of manifest.models as { file: string; licenceFile: string }[]) {
    for (const name of [model.file, model.licenceFile]) fs.copyFileSync(path.join(shipped, name), path.join(dir, name));
  }
  fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  return dir;
}

export interface TestPeer {
  identity: PeerIdentity;
  client: ServiceClient;
}

/** A fresh identity and a client stamping requests with the test app's manual clock. */
export function newPeer(t: TestApp, baseUrl = t.baseUrl): TestPeer {
  const identity = identityFromPem(generateEd25519KeyPair().privateKeyPem);
  return { identity, client: new ServiceClient(baseUrl, identity, { now: () => t.clock.nowMs() }) };
}

export async function registeredPeer(t: TestApp, models: string[] = [MODEL_SHA256]): Promise<TestPeer> {
  const peer = newPeer(t);
  await peer.client.register(models);
  return peer;
}

/** Registers peers holding `models`, each granted and staking its amount (0: registered only). */
export async function stakedPeers(t: TestApp, models: string[], stakes: number[]): Promise<TestPeer[]> {
  const peers = await Promise.all(stakes.map(() => registeredPeer(t, models)));
  for (const [i, peer] of peers.entries()) {
    if (stakes[i] === 0) continue;
    await t.app.get(LedgerService).append([{ kind: 'grant', peer: peer.identity.peerId, amount: stakes[i] }]);
    await peer.client.changeStake('stake', stakes[i]);
  }
  return peers;
}

/** Commits the peer's verdict on a job now; the function returned reveals it (unless `reveal` is false). */
export async function commitVerdict(
  peer: TestPeer,
  jobId: string,
  verdict: Verdict,
  reveal = true,
): Promise<() => Promise<void>> {
  const salt = randomBytes(32).toString('base64url');
  await peer.client.commit(jobId, commitmentFor(verdict, salt));
  return async () => {
    if (reveal) await peer.client.reveal(jobId, verdict, salt);
  };
}

/** A job with made-up evidence, straight through the lifecycle service (for protocol tests). */
export async function createJob(t: TestApp, models: string[] = [MODEL_SHA256]): Promise<JobEntity> {
  const job = await t.app
    .get(JobLifecycleService)
    .create({ kind: 'test', subject: null, models, evidence: { hello: 'peers' } });
  if (!job) throw new Error('no peer was present to take the job');
  return job;
}

/** Solves a real challenge as a visitor would, which creates an inference-audit job when peers are present. */
export async function solveAChallenge(t: TestApp, origin = 'https://shop.example.com'): Promise<string> {
  const site = await createSite(t, { difficulty: 'easy' });
  const challenge = await request(t.baseUrl)
    .post('/api/v1/challenges')
    .set('Origin', origin)
    .send({ sitekey: site.sitekey })
    .expect(201);
  const outputs = await solveChallenge(t.app.get(OnnxAdapter), challenge.body.inference);
  const solved = await request(t.baseUrl)
    .post(`/api/v1/challenges/${challenge.body.id}/solution`)
    .set('Origin', origin)
    .send({ outputs })
    .expect(200);
  if (solved.body.status !== 'solved') throw new Error(`challenge not solved: ${JSON.stringify(solved.body)}`);
  return challenge.body.id as string;
}

/** `status code` of the service's refusal, or `accepted`: lets a test compare refusals as one string. */
export async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ServiceError) return `${error.status} ${error.code}`;
    throw error;
  }
  return 'accepted';
}
