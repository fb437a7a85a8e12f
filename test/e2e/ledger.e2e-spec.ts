import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Test } from '@nestjs/testing';
import type { TestingModule } from '@nestjs/testing';
import { DataSource } from 'typeorm';
import { generateEd25519KeyPair, signEd25519, verifyEd25519 } from '../../src/adapters/ed25519';
import { ManualClock } from '../../src/adapters/clock.adapter';
import { loadConfig } from '../../src/config/app-config';
import { CoreModule } from '../../src/core.module';
import { databaseModule } from '../../src/database/database.module';
import type { LedgerSource } from '../../src/ledger/ledger-audit';
import { auditLedger } from '../../src/ledger/ledger-audit';
import { LEDGER_SIGNER, LedgerService } from '../../src/ledger/ledger.service';
import { serializeEntry } from '../../src/protocol/ledger-entry';
import { leafHash, verifyInclusion } from '../../src/protocol/merkle';
import type { TreeHead } from '../../src/protocol/tree-head';
import { treeHeadBytes } from '../../src/protocol/tree-head';
import type { DatabaseKind, TestDatabase } from '../support/databases';
import { createTestDatabase, databaseKinds } from '../support/databases';

const keys = generateEd25519KeyPair();
const verifySignature = (bytes: Uint8Array, signature: string) => verifyEd25519(keys.publicKey, bytes, signature);

async function startLedger(kind: DatabaseKind, database: TestDatabase, clock: ManualClock): Promise<TestingModule> {
  const config = loadConfig({ DATABASE_URL: database.url, DEMO_SITE: 'false' });
  const module = await Test.createTestingModule({
    imports: [CoreModule.forRoot(config, { clock }), databaseModule(config.database)],
    providers: [
      LedgerService,
      { provide: LEDGER_SIGNER, useValue: { sign: (b: Uint8Array) => signEd25519(keys.privateKeyPem, b) } },
    ],
  }).compile();
  return module.init();
}

function sourceOf(ledger: LedgerService): LedgerSource {
  return {
    head: () => ledger.head(),
    entries: (start, end) => ledger.entries(start, end),
    consistency: (first, second) => ledger.consistency(first, second),
    balances: async () => Object.fromEntries(await ledger.allBalances()),
  };
}

describe.each(databaseKinds())('ledger [%s]', (kind) => {
  let database: TestDatabase;
  let module: TestingModule;
  let ledger: LedgerService;
  const clock = new ManualClock(Date.UTC(2026, 10, 28));

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    module = await startLedger(kind, database, clock);
    ledger = module.get(LedgerService);
  });
  afterAll(async () => {
    await module?.close();
    await database?.drop();
  });

  it('appends entries, signs each head, and keeps balances derived from the log', async () => {
    const { entries, head } = await ledger.append([
      { kind: 'grant', peer: 'alice', amount: 100 },
      { kind: 'grant', peer: 'bob', amount: 50 },
      { kind: 'stake', peer: 'alice', amount: 60 },
    ]);
    expect(entries.map((e) => e.seq)).toEqual([0, 1, 2]);
    expect(head.size).toBe(3);
    expect(verifySignature(treeHeadBytes(head), head.signature)).toBe(true);
    expect(await ledger.balance('alice')).toMatchObject({ free: 40, staked: 60 });
    expect(await ledger.head()).toEqual(head);
  });

  it('rejects a whole batch when one entry breaks a rule, and names the rule', async () => {
    const before = await ledger.head();
    await expect(
      ledger.append([
        { kind: 'stake', peer: 'bob', amount: 10 },
        { kind: 'stake', peer: 'bob', amount: 1000 },
      ]),
    ).rejects.toMatchObject({ code: 'insufficient-free', statusCode: 409 });
    expect(await ledger.head()).toEqual(before);
    expect(await ledger.balance('bob')).toMatchObject({ free: 50, staked: 0 });
  });

  it('serializes concurrent appends into one gap-free sequence', async () => {
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => ledger.append([{ kind: 'grant', peer: `p${i % 4}`, amount: i + 1 }])),
    );
    const head = await ledger.head();
    const entries = await ledger.entries(0, head.size);
    expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: head.size }, (_, i) => i));
  });

  it('appends a keyed request once, however often and however concurrently it is retried', async () => {
    const sizeBefore = (await ledger.head()).size;
    const body = [{ kind: 'grant' as const, peer: 'once-peer', amount: 7 }];

    const results = await Promise.all(Array.from({ length: 5 }, () => ledger.append(body, 'test:once')));
    const later = await ledger.append(body, 'test:once');

    expect(results.filter((result) => !result.duplicate)).toHaveLength(1);
    expect(later).toMatchObject({ entries: [], duplicate: true });
    expect((await ledger.head()).size).toBe(sizeBefore + 1);
    expect(await ledger.balance('once-peer')).toMatchObject({ free: 7 });
  });

  it('passes an audit, and an audit from the last head seen after more appends', async () => {
    const first = await auditLedger(sourceOf(ledger), { verifySignature });
    expect(first).toMatchObject({ ok: true });
    const seen: TreeHead = (first as { head: TreeHead }).head;
    clock.advance(1000);
    await ledger.append([{ kind: 'unbond', peer: 'alice', amount: 10, data: { releaseAt: clock.nowMs() + 60_000 } }]);

    const second = await auditLedger(sourceOf(ledger), { verifySignature, previous: seen, pageSize: 7 });

    expect(second).toMatchObject({ ok: true });
  });

  it('serves inclusion proofs that check against the signed head', async () => {
    const head = await ledger.head();
    const [entry] = await ledger.entries(5, 6);
    const proof = await ledger.inclusion(5, head.size);
    const leaf = leafHash(new TextEncoder().encode(serializeEntry(entry)));
    const hex = (h: Uint8Array) => Buffer.from(h).toString('hex');
    expect(proof.leafHash).toBe(hex(leaf));
    const ok = verifyInclusion(
      5,
      head.size,
      leaf,
      proof.proof.map((p) => Buffer.from(p, 'hex')),
      Buffer.from(head.root, 'hex'),
    );
    expect(ok).toBe(true);
    await expect(ledger.inclusion(head.size, head.size)).rejects.toMatchObject({ code: 'index-out-of-range' });
    await expect(ledger.inclusion(0, head.size + 1)).rejects.toMatchObject({ code: 'size-out-of-range' });
  });

  it('fails the audit, naming the entry, when a row is edited behind the service', async () => {
    const head = await ledger.head();
    const target = 4;
    const [row] = await module.get(DataSource).query(`SELECT body FROM ledger_entries WHERE seq = ${target}`);
    const forged = (row.body as string).replace(/"amount":(\d+)/, (_, n) => `"amount":${Number(n) + 1000}`);
    await module.get(DataSource).query(`UPDATE ledger_entries SET body = '${forged}' WHERE seq = ${target}`);

    const result = await auditLedger(sourceOf(ledger), { verifySignature });

    expect(result).toMatchObject({ ok: false, code: 'root-mismatch', entry: target });
    expect(head.size).toBeGreaterThan(target);
  });

  it('fails the audit when the head is not signed by the expected key', async () => {
    const other = generateEd25519KeyPair();
    const result = await auditLedger(sourceOf(ledger), {
      verifySignature: (bytes, signature) => verifyEd25519(other.publicKey, bytes, signature),
    });
    expect(result).toMatchObject({ ok: false, code: 'bad-signature' });
  });
});
