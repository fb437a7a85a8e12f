import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { LOOPBACK_TORRENT_OPTIONS, TorrentAdapter } from '../../src/adapters/torrent.adapter';
import { LedgerService } from '../../src/ledger/ledger.service';
import { memoryPeerLog } from '../../src/peers/peer-runtime/peer-log';
import { PeerRuntime } from '../../src/peers/peer-runtime/peer-runtime';
import { witnessBytes } from '../../src/protocol/witness';
import { databaseKinds } from '../support/databases';
import { registeredPeer, taskModelsFolder } from '../support/peers';
import type { TestApp } from '../support/test-app';
import { startTestApp } from '../support/test-app';

const CLI = path.resolve('bin/peerproof.js');

function peerproof(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  if (!fs.existsSync(path.resolve('dist/src/cli/main.js'))) throw new Error('dist/ is missing: run npm run build');
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { encoding: 'utf8' }, (error, stdout, stderr) =>
      resolve({ status: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
    );
  });
}

const events = (log: { lines: string[] }, event: string) =>
  log.lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.event === event);

// Real peers (PeerRuntime: registration, signed manifest, the model over the loopback swarm) witness the
// ledger; the service stores their co-signatures, and `peerproof ledger verify --witnessed-from` holds a
// rewritten, re-signed ledger to them.
describe.each(databaseKinds())('witnessed tree heads [%s]', (kind) => {
  let t: TestApp;
  let root: string;
  let serviceKey: string;
  const running: { runtime: PeerRuntime; log: ReturnType<typeof memoryPeerLog> }[] = [];
  const witnessed = () => request(t.baseUrl).get('/api/v1/ledger/witnessed-head');
  const ledger = () => t.app.get(LedgerService);
  const verify = (...extra: string[]) =>
    peerproof([
      'ledger',
      'verify',
      '--service',
      t.baseUrl,
      '--service-key',
      serviceKey,
      '--state',
      path.join(root, `auditor-${Math.random()}.json`),
      ...extra,
    ]);
  const witnessArgs = () => [
    '--witnessed-from',
    `${t.baseUrl}/api/v1/ledger/witnessed-head`,
    ...running.flatMap(({ runtime }) => ['--witness', runtime.identity.peerId]),
    '--min-witnesses',
    '2',
  ];

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'peerproof-witness-'));
    t = await startTestApp(kind, {
      MODELS_DIR: taskModelsFolder(path.join(root, 'service-models')),
      TORRENT_ENABLED: 'true',
      TORRENT_PORT: '0',
      TORRENT_DHT: 'false',
      TORRENT_LSD: 'false',
    });
    serviceKey = (await (await fetch(`${t.baseUrl}/api/v1/keys`)).json()).publicKey;
    const servicePeer = `127.0.0.1:${(await t.app.get(TorrentAdapter).address()).port}`;
    for (const name of ['w1', 'w2']) {
      const log = memoryPeerLog();
      const runtime = new PeerRuntime({
        serviceUrl: t.baseUrl,
        serviceKey,
        dataDir: path.join(root, name),
        device: 'cpu',
        torrent: { ...LOOPBACK_TORRENT_OPTIONS },
        torrentPeers: [servicePeer],
        log,
        pollSeconds: 5,
        witnessIntervalMs: 0,
        now: () => t.clock.nowMs(),
      });
      await runtime.start();
      running.push({ runtime, log });
    }
    await ledger().append([
      { kind: 'grant', peer: 'peer-a', amount: 500 },
      { kind: 'stake', peer: 'peer-a', amount: 300 },
      { kind: 'grant', peer: 'peer-b', amount: 100 },
    ]);
  });
  afterAll(async () => {
    for (const { runtime } of running.splice(0)) await runtime.stop();
    await t?.close();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  it('serves no witnessed head before a peer co-signs one', async () => {
    const response = await witnessed();

    expect([response.status, response.body.code]).toEqual([404, 'no-witnessed-head']);
  });

  it('refuses a co-signature of a head the service never signed, a bad signature and a malformed body', async () => {
    const peer = await registeredPeer(t);
    const head = await ledger().head();
    const forged = { size: head.size, root: 'ab'.repeat(32), timestamp: head.timestamp };
    const other = { ...head, timestamp: head.timestamp + 1 };

    const unknown = peer.client.cosign({ ...forged, signature: peer.identity.sign(witnessBytes(forged)) });
    const badSignature = peer.client.cosign({ ...head, signature: peer.identity.sign(witnessBytes(other)) });
    const malformed = peer.client.cosign({ ...head, signature: 'x' } as never);

    await expect(unknown).rejects.toMatchObject({ status: 404, code: 'unknown-head' });
    await expect(badSignature).rejects.toMatchObject({ status: 422, code: 'bad-cosignature' });
    await expect(malformed).rejects.toMatchObject({ status: 400, code: 'invalid-request' });
    expect((await witnessed()).status).toBe(404);
  });

  it('peers co-sign the head, then a head they checked for consistency with it', async () => {
    for (const { runtime } of running) expect(await runtime.witnessHead()).toBe('cosigned');
    expect((await witnessed()).body).toMatchObject({ size: 3 });

    await ledger().append([{ kind: 'stake', peer: 'peer-b', amount: 50 }]);
    for (const { runtime } of running) expect(await runtime.witnessHead()).toBe('cosigned');
    for (const { runtime } of running) expect(await runtime.witnessHead()).toBe('unchanged');

    const body = (await witnessed().expect(200)).body;
    const head = await ledger().head();
    expect(body).toEqual({
      size: 4,
      root: head.root,
      timestamp: head.timestamp,
      cosignatures: expect.arrayContaining(
        running.map(({ runtime }) => ({ witness: runtime.identity.peerId, signature: expect.any(String) })),
      ),
    });
    expect(body.cosignatures).toHaveLength(2);
    const result = await verify(...witnessArgs());
    expect([result.status, result.stderr]).toEqual([0, '']);
  });

  it('catches a ledger rewritten and re-signed with the service key; peers refuse to co-sign it', async () => {
    const source = t.app.get(DataSource);
    for (const table of ['ledger_entries', 'ledger_nodes', 'ledger_heads', 'ledger_balances']) {
      await source.query(`DELETE FROM ${table}`);
    }
    await ledger().append([
      { kind: 'grant', peer: 'peer-a', amount: 5000 },
      { kind: 'stake', peer: 'peer-a', amount: 300 },
      { kind: 'grant', peer: 'peer-b', amount: 100 },
      { kind: 'stake', peer: 'peer-b', amount: 50 },
      { kind: 'grant', peer: 'peer-c', amount: 10 },
    ]);

    const unwitnessed = await verify();
    const witnessedRun = await verify(...witnessArgs());

    // Without a witnessed head, a fresh auditor accepts the rewrite: the gap witnesses close.
    expect(unwitnessed.status).toBe(0);
    expect(witnessedRun.status).toBe(1);
    expect(witnessedRun.stderr).toMatch(/witness-mismatch/);
    for (const { runtime, log } of running) {
      expect(await runtime.witnessHead()).toBe('inconsistent');
      expect(events(log, 'inconsistent-head')).toHaveLength(1);
    }
    expect((await witnessed().expect(200)).body).toMatchObject({ size: 4 });
    const rows = (await source.query('SELECT size FROM ledger_cosignatures')) as { size: number }[];
    expect(rows.every((row) => Number(row.size) <= 4)).toBe(true);
  });
});
