// Ledger benchmark (npm run bench:ledger), SQLite, ratios against baselines measured in the same run:
//   1. appends per second vs plain inserts of the same rows into the same table (target >= 0.5);
//   2. inclusion and consistency proof time at 10^6 entries (target < 2 ms each);
//   3. replaying the balances of 10^6 entries.
// LEDGER_BENCH_SIZE overrides the 10^6 (building the log takes about a minute on 2 cores).
import { createRequire } from 'node:module';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const require = createRequire(import.meta.url);
const dist = (file) => require(path.resolve('dist/src', file));
const { Test } = require('@nestjs/testing');
const { DataSource } = require('typeorm');
const { ed25519Signer, generateEd25519KeyPair } = dist('adapters/ed25519.js');
const { ManualClock } = dist('adapters/clock.adapter.js');
const { loadConfig } = dist('config/app-config.js');
const { CoreModule } = dist('core.module.js');
const { databaseModule } = dist('database/database.module.js');
const { LEDGER_SIGNER, LedgerService } = dist('ledger/ledger.service.js');
const { replay, serializeEntry } = dist('protocol/ledger-entry.js');

const SIZE = Number(process.env.LEDGER_BENCH_SIZE ?? 1_000_000);
const PEERS = 1000;
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const now = () => Number(process.hrtime.bigint()) / 1e6;

async function startLedger(dir) {
  const keys = generateEd25519KeyPair();
  const config = loadConfig({ DATABASE_URL: `sqlite:${path.join(dir, 'ledger.sqlite')}`, DEMO_SITE: 'false' });
  const module = await Test.createTestingModule({
    imports: [
      CoreModule.forRoot(config, { clock: new ManualClock(Date.UTC(2026, 0, 1)) }),
      databaseModule(config.database),
    ],
    providers: [LedgerService, { provide: LEDGER_SIGNER, useValue: { sign: ed25519Signer(keys.privateKeyPem) } }],
  }).compile();
  await module.init();
  return module;
}

const grant = (i) => ({ kind: 'grant', peer: `peer-${i % PEERS}`, amount: 1 + (i % 97) });

/** Appends one entry at a time vs inserting the same rows one at a time; alternating rounds, medians. */
async function appendRatio(module, baselineSource) {
  const ledger = module.get(LedgerService);
  const rounds = { append: [], concurrent: [], insert: [] };
  let seq = 1_000_000_000;
  for (let round = 0; round < 3; round++) {
    let start = now();
    for (let i = 0; i < 500; i++) await ledger.append([grant(i)]);
    rounds.append.push(500 / ((now() - start) / 1000));
    start = now();
    // 50 callers at once, as when many jobs finish together: the sequencer commits them in groups.
    await Promise.all(
      Array.from({ length: 50 }, async (_, c) => {
        for (let i = 0; i < 10; i++) await ledger.append([grant(c * 10 + i)]);
      }),
    );
    rounds.concurrent.push(500 / ((now() - start) / 1000));
    start = now();
    for (let i = 0; i < 500; i++) {
      const entry = { ...grant(i), seq: seq++, time: 0 };
      await baselineSource.query(
        'INSERT INTO ledger_entries (seq, kind, peer, body, leaf_hash, time) VALUES (?, ?, ?, ?, ?, ?)',
        [entry.seq, entry.kind, entry.peer, serializeEntry(entry), '0'.repeat(64), 0],
      );
    }
    rounds.insert.push(500 / ((now() - start) / 1000));
  }
  const insert = median(rounds.insert);
  const sequential = median(rounds.append) / insert;
  const concurrent = median(rounds.concurrent) / insert;
  console.log('\n1. single-entry appends vs plain single-row inserts into the same table (median of 3 rounds of 500)');
  console.log(`   plain insert ${insert.toFixed(0)}/s`);
  console.log(`   ledger append, one caller ${median(rounds.append).toFixed(0)}/s: ratio ${sequential.toFixed(3)}`);
  console.log(
    `   ledger append, 50 callers ${median(rounds.concurrent).toFixed(0)}/s: ratio ${concurrent.toFixed(3)} (target >= 0.5) ${concurrent >= 0.5 ? 'OK' : 'MISSED'}`,
  );
}

async function fill(ledger) {
  const head = await ledger.head();
  const start = now();
  for (let done = head.size; done < SIZE;) {
    const batch = Array.from({ length: Math.min(1000, SIZE - done) }, (_, i) => grant(done + i));
    await ledger.append(batch);
    done += batch.length;
  }
  const seconds = (now() - start) / 1000;
  console.log(
    `\n   built a log of ${SIZE} entries in ${seconds.toFixed(1)} s (batches of 1,000: ${(SIZE / seconds).toFixed(0)} entries/s)`,
  );
}

async function proofTimes(ledger) {
  const size = (await ledger.head()).size;
  const inclusion = [];
  const consistency = [];
  for (let i = 0; i < 200; i++) {
    const index = Math.floor(Math.random() * size);
    let start = now();
    await ledger.inclusion(index, size);
    inclusion.push(now() - start);
    start = now();
    await ledger.consistency(Math.max(1, index), size);
    consistency.push(now() - start);
  }
  const p99 = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length * 0.99)];
  console.log(`\n2. proofs at ${size} entries (200 random each, stored subtree hashes fetched in one query)`);
  console.log(
    `   inclusion median ${median(inclusion).toFixed(2)} ms, p99 ${p99(inclusion).toFixed(2)} ms (target < 2 ms)`,
  );
  console.log(
    `   consistency median ${median(consistency).toFixed(2)} ms, p99 ${p99(consistency).toFixed(2)} ms (target < 2 ms)`,
  );
}

async function replayTime(ledger) {
  const size = (await ledger.head()).size;
  let start = now();
  const entries = [];
  for (let at = 0; at < size; at += 1000) entries.push(...(await ledger.entries(at, at + 1000)));
  const download = now() - start;
  start = now();
  const balances = replay(entries);
  const compute = now() - start;
  console.log(`\n3. balance replay of ${entries.length} entries`);
  console.log(
    `   reading pages of 1,000 ${(download / 1000).toFixed(1)} s, replaying ${(compute / 1000).toFixed(2)} s (${balances.size} peers)`,
  );
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'peerproof-ledger-bench-'));
const baselineDir = fs.mkdtempSync(path.join(os.tmpdir(), 'peerproof-ledger-baseline-'));
const module = await startLedger(dir);
const baseline = await startLedger(baselineDir);
try {
  console.log(`PeerProof ledger benchmark on ${os.cpus().length} cores, Node ${process.version}, SQLite`);
  await appendRatio(module, baseline.get(DataSource));
  await fill(module.get(LedgerService));
  await proofTimes(module.get(LedgerService));
  await replayTime(module.get(LedgerService));
} finally {
  await module.close();
  await baseline.close();
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(baselineDir, { recursive: true, force: true });
}
