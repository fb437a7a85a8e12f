import { afterAll, describe, expect, it } from '@jest/globals';
import { Test } from '@nestjs/testing';
import type { TestingModule } from '@nestjs/testing';
import fc from 'fast-check';
import { generateEd25519KeyPair, signEd25519, verifyEd25519 } from '../../src/adapters/ed25519';
import { ManualClock } from '../../src/adapters/clock.adapter';
import { loadConfig } from '../../src/config/app-config';
import { CoreModule } from '../../src/core.module';
import { databaseModule } from '../../src/database/database.module';
import { LEDGER_SIGNER, LedgerService } from '../../src/ledger/ledger.service';
import type { Balance, LedgerEntry, LedgerEntryBody } from '../../src/protocol/ledger-entry';
import { LedgerRuleError, applyEntry, serializeEntry } from '../../src/protocol/ledger-entry';
import type { Hash } from '../../src/protocol/merkle';
import { leafHash, rootOf, verifyConsistency, verifyInclusion } from '../../src/protocol/merkle';
import { treeHeadBytes } from '../../src/protocol/tree-head';
import type { DatabaseKind, TestDatabase } from '../support/databases';
import { createTestDatabase, databaseKinds } from '../support/databases';

/**
 * Model-based property test of the ledger: random appends (single, batched, concurrent, with and without
 * `once` keys, some breaking a balance rule), restarts of the sequencer's process and, on PostgreSQL, two
 * instances writing to one database. After every step the service's head, proofs, entries and balances
 * must equal those of a plain in-memory reference log. The restart bug this guards against made every
 * append fail once a fresh process met a log whose size was not 2^n − 1.
 */

const keys = generateEd25519KeyPair();
const hex = (hash: Hash) => Buffer.from(hash).toString('hex');
const fromHex = (text: string): Hash => new Uint8Array(Buffer.from(text, 'hex'));
const PEERS = ['alice', 'bob', 'carol'] as const;
const UNBOND_DELAY = 1_000;

/** The reference: the log as a list, balances by replay, the root by the whole-list MTH. */
class ReferenceLedger {
  readonly entries: LedgerEntry[] = [];
  readonly balances = new Map<string, Balance>();
  readonly onceKeys = new Set<string>();

  /** Mirrors the service: all of a request's entries or none; a used `once` key appends nothing. */
  append(bodies: LedgerEntryBody[], time: number, once?: string): { entries: LedgerEntry[]; error?: string } {
    if (once !== undefined && this.onceKeys.has(once)) return { entries: [] };
    const trial = structuredClone(this.balances);
    const entries = bodies.map((body, i) => ({ ...body, seq: this.entries.length + i, time }));
    try {
      for (const entry of entries) applyEntry(trial, entry);
    } catch (error) {
      if (error instanceof LedgerRuleError) return { entries: [], error: error.code };
      throw error;
    }
    for (const [peer, balance] of trial) this.balances.set(peer, balance);
    this.entries.push(...entries);
    if (once !== undefined && entries.length > 0) this.onceKeys.add(once);
    return { entries };
  }

  root(size = this.entries.length): Hash {
    return rootOf(
      this.entries.slice(0, size).map((entry) => leafHash(new TextEncoder().encode(serializeEntry(entry)))),
    );
  }
}

type Body = LedgerEntryBody;
const peer = fc.constantFrom(...PEERS);
const amount = fc.integer({ min: 1, max: 60 });
/** Bodies that may break a rule (stake more than is free, withdraw before release...). */
const anyBody: fc.Arbitrary<Body> = fc.oneof(
  fc.record({ kind: fc.constant('grant' as const), peer, amount }),
  fc.record({ kind: fc.constant('stake' as const), peer, amount }),
  fc.record({ kind: fc.constant('unbond' as const), peer, amount }),
  fc.record({ kind: fc.constant('withdraw' as const), peer, amount }),
  fc.record({ kind: fc.constant('reward' as const), peer, amount }),
  fc.record({ kind: fc.constant('slash' as const), peer, amount }),
  fc.record({ kind: fc.constant('verdict' as const), peer, job: fc.uuid(), data: fc.record({ score: fc.nat(100) }) }),
  fc.record({ kind: fc.constant('model-publish' as const), model: fc.constantFrom('m1', 'm2') }),
);
/** Bodies no balance rule can refuse, whatever order concurrent appends commit in. */
const safeBody: fc.Arbitrary<Body> = fc.oneof(
  fc.record({ kind: fc.constant('grant' as const), peer, amount }),
  fc.record({ kind: fc.constant('verdict' as const), peer, job: fc.uuid() }),
);

type Step =
  | { type: 'append'; instance: number; bodies: Body[]; once?: string }
  | { type: 'concurrent'; appends: Array<{ instance: number; bodies: Body[] }> }
  | { type: 'restart'; instance: number }
  | { type: 'advance'; ms: number };

function stepArbitrary(instances: number): fc.Arbitrary<Step> {
  const instance = fc.nat(instances - 1);
  return fc.oneof(
    {
      weight: 6,
      arbitrary: fc.record({
        type: fc.constant('append' as const),
        instance,
        bodies: fc.array(anyBody, { minLength: 1, maxLength: 6 }),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        type: fc.constant('append' as const),
        instance,
        bodies: fc.array(safeBody, { minLength: 1, maxLength: 3 }),
        once: fc.constantFrom('k1', 'k2', 'k3', 'k4'),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        type: fc.constant('concurrent' as const),
        appends: fc.array(fc.record({ instance, bodies: fc.array(safeBody, { minLength: 1, maxLength: 4 }) }), {
          minLength: 2,
          maxLength: 8,
        }),
      }),
    },
    { weight: 2, arbitrary: fc.record({ type: fc.constant('restart' as const), instance }) },
    {
      weight: 1,
      arbitrary: fc.record({ type: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 1500 }) }),
    },
  );
}

/** Unbonds need `data.releaseAt`; the arbitrary leaves it to the moment the step runs. */
function withReleaseTimes(bodies: Body[], now: number): Body[] {
  return bodies.map((body) => (body.kind === 'unbond' ? { ...body, data: { releaseAt: now + UNBOND_DELAY } } : body));
}

/** The service processes under test; a restart closes one, and the next use starts it again. */
class Instances {
  private readonly modules: Array<Promise<TestingModule> | null>;

  constructor(
    private readonly database: TestDatabase,
    private readonly clock: ManualClock,
    count: number,
  ) {
    this.modules = new Array<Promise<TestingModule> | null>(count).fill(null);
  }

  async ledger(instance: number): Promise<LedgerService> {
    // The promise, not the module, is kept: concurrent first uses must share one process.
    this.modules[instance] ??= this.start();
    return (await this.modules[instance]).get(LedgerService);
  }

  async restart(instance: number): Promise<void> {
    const module = this.modules[instance];
    this.modules[instance] = null;
    await (await module)?.close();
  }

  async closeAll(): Promise<void> {
    for (let i = 0; i < this.modules.length; i++) await this.restart(i);
  }

  private async start(): Promise<TestingModule> {
    const config = loadConfig({ DATABASE_URL: this.database.url, DEMO_SITE: 'false' });
    const module = await Test.createTestingModule({
      imports: [CoreModule.forRoot(config, { clock: this.clock }), databaseModule(config.database)],
      providers: [
        LedgerService,
        { provide: LEDGER_SIGNER, useValue: { sign: (b: Uint8Array) => signEd25519(keys.privateKeyPem, b) } },
      ],
    }).compile();
    return module.init();
  }
}

async function runStep(step: Step, instances: Instances, reference: ReferenceLedger, clock: ManualClock) {
  switch (step.type) {
    case 'advance':
      return clock.advance(step.ms);
    case 'restart':
      return instances.restart(step.instance);
    case 'append': {
      const bodies = withReleaseTimes(step.bodies, clock.nowMs());
      const expected = reference.append(bodies, clock.nowMs(), step.once);
      const ledger = await instances.ledger(step.instance);
      const outcome = await ledger.append(bodies, step.once).then(
        (result) => ({ entries: result.entries, error: undefined as string | undefined }),
        (error: { code?: string }) => ({ entries: [] as LedgerEntry[], error: error.code ?? String(error) }),
      );
      expect(outcome).toEqual(expected);
      return;
    }
    case 'concurrent': {
      const ledgers = await Promise.all(step.appends.map((append) => instances.ledger(append.instance)));
      const results = await Promise.all(step.appends.map((append, i) => ledgers[i].append(append.bodies)));
      // Commit order is the service's to choose: apply each request to the reference in the order of its seqs.
      const order = results
        .map((result, i) => ({ result, i }))
        .sort((a, b) => a.result.entries[0].seq - b.result.entries[0].seq);
      for (const { result, i } of order) {
        expect(result.entries).toEqual(reference.append(step.appends[i].bodies, clock.nowMs()).entries);
      }
      return;
    }
  }
}

/** Every instance agrees with the reference: head, signature, entries, balances, and proofs verify. */
async function checkAgainstReference(
  instances: Instances,
  count: number,
  reference: ReferenceLedger,
  previousSize: number,
) {
  const size = reference.entries.length;
  const root = reference.root();
  for (let instance = 0; instance < count; instance++) {
    const ledger = await instances.ledger(instance);
    const head = await ledger.head();
    expect({ size: head.size, root: head.root }).toEqual({ size, root: hex(root) });
    expect(verifyEd25519(keys.publicKey, treeHeadBytes(head), head.signature)).toBe(true);
    expect(Object.fromEntries(await ledger.allBalances())).toEqual(Object.fromEntries(reference.balances));
    if (size === 0) continue;
    expect(await ledger.entries(Math.max(0, size - 20), size)).toEqual(reference.entries.slice(Math.max(0, size - 20)));
    for (const index of new Set([0, size - 1, Math.floor(size / 2)])) {
      const { leafHash: leaf, proof } = await ledger.inclusion(index, size);
      expect(verifyInclusion(index, size, fromHex(leaf), proof.map(fromHex), root)).toBe(true);
    }
    if (previousSize > 0 && previousSize < size) {
      const proof = (await ledger.consistency(previousSize, size)).map(fromHex);
      expect(verifyConsistency(previousSize, size, proof, reference.root(previousSize), root)).toBe(true);
    }
  }
}

describe.each(databaseKinds())('ledger against a reference model [%s]', (kind: DatabaseKind) => {
  const instanceCount = kind === 'postgres' ? 2 : 1;
  /** What the runs covered, printed at the end: the target is thousands of steps without a failed append. */
  const totals = { runs: 0, steps: 0, appends: 0, entries: 0, restarts: 0 };
  afterAll(() => {
    process.stdout.write(`ledger model [${kind}]: ${JSON.stringify(totals)}\n`);
  });

  it('matches the reference after every step of random appends, restarts and (on PostgreSQL) two writers', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(stepArbitrary(instanceCount), { minLength: 20, maxLength: 80 }), async (steps) => {
        const database = await createTestDatabase(kind);
        const clock = new ManualClock(Date.UTC(2026, 11, 6));
        const instances = new Instances(database, clock, instanceCount);
        const reference = new ReferenceLedger();
        try {
          totals.runs += 1;
          for (const step of steps) {
            const previousSize = reference.entries.length;
            await runStep(step, instances, reference, clock);
            totals.steps += 1;
            if (step.type === 'restart') totals.restarts += 1;
            if (step.type === 'append') totals.appends += 1;
            if (step.type === 'concurrent') totals.appends += step.appends.length;
            await checkAgainstReference(instances, instanceCount, reference, previousSize);
          }
          totals.entries += reference.entries.length;
        } finally {
          await instances.closeAll();
          await database.drop();
        }
      }),
      { numRuns: kind === 'postgres' ? 20 : 50, endOnFailure: false },
    );
  }, 600_000);
});
