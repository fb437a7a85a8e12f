// Sybil peers (npm run bench:sybil): time to create one job (committee choice and insert, the per-solution
// work that depends on peers) with 12,000 registered peers against 10, 5 of them staked, on SQLite.
// PEER_ADMISSION=stake (the default) against open, which counts every registered peer as a baseline.
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';

const require = createRequire(import.meta.url);
const dist = (file) => require(path.resolve('dist/src', file));
const { DataSource } = require('typeorm');
const { loadConfig } = dist('config/app-config.js');
const { createApp } = dist('bootstrap.js');
const { LedgerService } = dist('ledger/ledger.service.js');
const { JobLifecycleService } = dist('peers/job-lifecycle.service.js');

const JOBS = Number(process.env.SYBIL_BENCH_JOBS ?? 200);
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const peerId = () => randomBytes(32).toString('base64url');

async function measure(admission, registered) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'peerproof-sybil-'));
  const config = loadConfig({
    DATABASE_URL: `sqlite:${path.join(dir, 'db.sqlite')}`,
    DATA_DIR: dir,
    DEMO_SITE: 'false',
    LOG_LEVEL: 'error',
    TORRENT_ENABLED: 'false',
    PEER_ADMISSION: admission,
    LEDGER_MIN_STAKE: '100',
  });
  const app = await createApp(config, { logger: false });
  await app.init();
  try {
    const model = randomBytes(32).toString('hex');
    const now = Date.now();
    const rows = Array.from({ length: registered }, () => {
      const id = peerId();
      return { id, publicKey: id, registeredAt: now, lastSeenAt: now, models: [model], jobsAnswered: 0 };
    });
    const peers = app.get(DataSource).getRepository('PeerEntity');
    for (let i = 0; i < rows.length; i += 500) await peers.insert(rows.slice(i, i + 500));
    const ledger = app.get(LedgerService);
    for (const row of rows.slice(0, 5)) {
      await ledger.append([
        { kind: 'grant', peer: row.id, amount: 1000 },
        { kind: 'stake', peer: row.id, amount: 1000 },
      ]);
    }
    const lifecycle = app.get(JobLifecycleService);
    const times = [];
    for (let i = 0; i < JOBS + 20; i++) {
      const start = performance.now();
      await lifecycle.create({ kind: 'test', subject: null, models: [model], evidence: {} });
      if (i >= 20) times.push(performance.now() - start);
    }
    return median(times);
  } finally {
    await app.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// A first, discarded run warms the JIT and SQLite up, so neither side of the ratio pays for it.
await measure('stake', 10);
for (const admission of ['stake', 'open']) {
  const few = await measure(admission, 10);
  const many = await measure(admission, 12_000);
  console.log(
    `PEER_ADMISSION=${admission}: job creation median ${few.toFixed(2)} ms with 10 registered peers, ` +
      `${many.toFixed(2)} ms with 12,000: ratio ${(many / few).toFixed(2)}`,
  );
}
