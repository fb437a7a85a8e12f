import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { LedgerService } from '../../src/ledger/ledger.service';
import { databaseKinds } from '../support/databases';
import type { TestApp } from '../support/test-app';
import { ADMIN_TOKEN, startTestApp } from '../support/test-app';

const CLI = path.resolve('bin/peerproof.js');

/** Runs the CLI without blocking the event loop: the service under test lives in this process. */
function peerproof(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  if (!fs.existsSync(path.resolve('dist/src/cli/main.js'))) throw new Error('dist/ is missing: run npm run build');
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { encoding: 'utf8' }, (error, stdout, stderr) =>
      resolve({ status: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
    );
  });
}

describe.each(databaseKinds())('ledger over HTTP and `peerproof ledger verify` [%s]', (kind) => {
  let t: TestApp;
  let serviceKey: string;
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'peerproof-ledger-state-'));
  const state = path.join(stateDir, 'head.json');
  const verify = () =>
    peerproof(['ledger', 'verify', '--service', t.baseUrl, '--service-key', serviceKey, '--state', state]);

  beforeAll(async () => {
    t = await startTestApp(kind);
    serviceKey = (await request(t.baseUrl).get('/api/v1/keys').expect(200)).body.publicKey;
  });
  afterAll(async () => {
    await t?.close();
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  const grant = (body: object) =>
    request(t.baseUrl).post('/api/v1/admin/ledger/grants').set('Authorization', `Bearer ${ADMIN_TOKEN}`).send(body);

  it('grants stake through the admin API and publishes entries, head, proofs and balances', async () => {
    expect((await grant({ peer: 'peer-a', amount: 500 })).status).toBe(201);
    await t.app.get(LedgerService).append([
      { kind: 'stake', peer: 'peer-a', amount: 300 },
      { kind: 'grant', peer: 'peer-b', amount: 100 },
    ]);

    const head = await request(t.baseUrl).get('/api/v1/ledger/head').expect(200);
    const entries = await request(t.baseUrl).get('/api/v1/ledger/entries?start=0&end=10').expect(200);
    const proof = await request(t.baseUrl).get('/api/v1/ledger/proof/inclusion?index=1&size=3').expect(200);
    const balance = await request(t.baseUrl).get('/api/v1/ledger/balances/peer-a').expect(200);

    expect(head.body).toMatchObject({ size: 3, root: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(entries.body.entries.map((e: { kind: string }) => e.kind)).toEqual(['grant', 'stake', 'grant']);
    expect(proof.body.proof).toHaveLength(2);
    expect(balance.body).toMatchObject({ peer: 'peer-a', free: 200, staked: 300 });
    const stats = await request(t.baseUrl).get('/api/v1/ledger/stats').expect(200);
    expect(stats.body).toEqual({
      size: 3,
      peers: 2,
      stakedPeers: 1,
      totalStaked: 300,
      totalUnbonding: 0,
      totalRewarded: 0,
      totalSlashed: 0,
      entries: { grant: 2, stake: 1 },
    });
  });

  it('answers bad queries and bad grants with 4xx codes', async () => {
    const cases: Array<[string, number, string]> = [
      ['/api/v1/ledger/entries?start=5&end=1', 400, 'invalid-request'],
      ['/api/v1/ledger/entries?start=-1&end=1', 400, 'invalid-request'],
      ['/api/v1/ledger/proof/inclusion?index=9&size=3', 400, 'index-out-of-range'],
      ['/api/v1/ledger/proof/inclusion?index=0&size=99', 400, 'size-out-of-range'],
      ['/api/v1/ledger/proof/consistency?first=0&second=3', 400, 'size-out-of-range'],
      ['/api/v1/ledger/proof/consistency?first=x&second=3', 400, 'invalid-request'],
      ['/api/v1/ledger/balances/bad%20peer', 400, 'invalid-request'],
    ];
    for (const [url, status, code] of cases) {
      const answer = await request(t.baseUrl).get(url);
      expect([url, answer.status, answer.body.code]).toEqual([url, status, code]);
    }
    expect((await grant({ peer: 'peer-a', amount: 0 })).body.code).toBe('invalid-request');
    expect((await grant({ peer: 'peer-a', amount: 1, extra: 1 })).body.code).toBe('invalid-request');
    expect((await request(t.baseUrl).post('/api/v1/admin/ledger/grants').send({ peer: 'p', amount: 1 })).status).toBe(
      401,
    );
  });

  it('verifies with the CLI, remembers the head, and checks consistency with it next time', async () => {
    const first = await verify();
    expect(first.stderr).toBe('');
    expect([first.status, first.stdout]).toEqual([0, expect.stringMatching(/^ledger OK: 3 entries/)]);
    await grant({ peer: 'peer-c', amount: 7 }).expect(201);

    const second = await verify();

    expect([second.status, second.stdout]).toEqual([
      0,
      expect.stringMatching(/consistent with the 3 entries verified before/),
    ]);
    expect(JSON.parse(fs.readFileSync(state, 'utf8'))).toMatchObject({ size: 4 });
  });

  it('fails, naming the entry, after a row is edited behind the service', async () => {
    const source = t.app.get(DataSource);
    const [row] = await source.query('SELECT body FROM ledger_entries WHERE seq = 1');
    const forged = (row.body as string).replace('"amount":300', '"amount":30');
    await source.query(`UPDATE ledger_entries SET body = '${forged}' WHERE seq = 1`);

    const result = await verify();

    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/FAILED \[root-mismatch\]: entry 1 /);
  });

  it('refuses a wrong service key and bad arguments', async () => {
    const other = 'A'.repeat(42) + 'A';
    const wrongKey = await peerproof([
      'ledger',
      'verify',
      '--service',
      t.baseUrl,
      '--service-key',
      other,
      '--state',
      state,
    ]);
    expect([wrongKey.status, wrongKey.stderr]).toEqual([1, expect.stringMatching(/bad-signature/)]);
    const badUrl = await peerproof(['ledger', 'verify', '--service', 'ftp://x', '--service-key', serviceKey]);
    expect([badUrl.status, badUrl.stderr]).toEqual([2, expect.stringMatching(/invalid-argument/)]);
    const badKey = await peerproof(['ledger', 'verify', '--service', t.baseUrl, '--service-key', 'nope']);
    expect([badKey.status, badKey.stderr]).toEqual([2, expect.stringMatching(/invalid-argument/)]);
  });
});
