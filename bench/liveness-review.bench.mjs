// Liveness review benchmark (npm run bench:liveness-review): how long a committee of three local verifier
// peers takes to review a liveness attempt (docs/ledger.md, "Liveness reviews"), measured on real processes:
// the service (`peerproof serve`, SQLite) and three `peerproof peer` processes that fetch the models through
// the swarm on loopback, each staked, so every review is drawn from the ledger.
//
// Each attempt is the cooperative stand-in (the attack kit's warped photo with live timing, the tier the
// browser tests use for a visitor) sent through the real HTTP API with LIVENESS_END_ON_FAILURE=false, so
// every step is analysed and reviewed: the longest review an attempt can cause. A review's time is the
// service's own record, from the job's creation (the attempt's verdict) to its finalization (the last reveal).
// The baseline, measured in the same run after the attempts: one verifier, in this process, judging the same
// frames alone (the work each member does); the ratio shows what the committee's protocol and the three
// members sharing the machine's cores add. BENCH_ATTEMPTS (default 5) sets the number of attempts.
// Target (issue 15): a review finishes within 5 s with 3 local peers.
/* global Buffer, performance */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Database from 'better-sqlite3';

const require = createRequire(import.meta.url);
const dist = (file) => require(path.resolve('dist/src', file));
const { generateEd25519KeyPair } = dist('adapters/ed25519.js');
const { peerIdFor } = dist('protocol/peer-protocol.js');
const { JpegAdapter } = dist('adapters/jpeg.adapter.js');
const { OnnxAdapter } = dist('adapters/onnx.adapter.js');
const { CryptoAdapter } = dist('adapters/crypto.adapter.js');
const { FileStoreAdapter } = dist('adapters/file-store.adapter.js');
const { loadConfig } = dist('config/app-config.js');
const { ModelRegistryService } = dist('models/model-registry.service.js');
const { ServerFaceAnalyzer } = dist('liveness/analysis/server-face-analyzer.js');
const { StepAnalyser } = dist('liveness/analysis/step-analyser.js');
const { OnnxLivenessRunner } = dist('liveness/onnx-liveness-runner.js');
const { EMPTY_STATE, mergeChecks } = dist('liveness/attempts/attempt-state.js');
const { attemptVerdict } = dist('liveness/attempts/attempt-verdict.js');
const { LivenessClient } = dist('liveness/client/liveness-client.js');
const { cooperativeStandIn } = dist('liveness/eval/attacks/catalog.js');

const ATTEMPTS = Number(process.env.BENCH_ATTEMPTS ?? 5);
const ADMIN = 'bench-admin-token-0123456789';
const ORIGIN = 'http://localhost';
const STAKE = 100;

async function main() {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'peerproof-review-bench-'));
  const children = [];
  try {
    const [port, torrentPort] = [await freePort(), await freePort()];
    const base = `http://127.0.0.1:${port}`;
    children.push(serve(root, port, torrentPort));
    await until('the service', async () => (await fetch(`${base}/readyz`).catch(() => null))?.ok);
    const serviceKey = (await (await fetch(`${base}/api/v1/keys`)).json()).publicKey;
    const manifest = (await (await fetch(`${base}/api/v1/models/manifest`)).json()).models;
    for (const name of ['a', 'b', 'c']) children.push(await peer(root, name, base, serviceKey, torrentPort));
    await until(
      'three peers holding every model',
      async () => {
        const { peers } = await (await fetch(`${base}/api/v1/peers`)).json();
        return peers.filter((p) => p.models.length === manifest.length).length === 3;
      },
      300_000,
    );
    const site = await admin(base, 'POST', '/api/v1/admin/sites', {
      hostnames: ['localhost'],
      level: 'liveness',
      difficulty: 'easy',
      reviewLevels: ['liveness'],
    });
    console.log(`service and 3 staked peers up; ${os.cpus().length} CPUs; ${ATTEMPTS} attempts`);
    const db = new Database(path.join(root, 'service', 'peerproof.sqlite'), { readonly: true, fileMustExist: true });
    const source = cooperativeStandIn(new JpegAdapter());
    const rows = [];
    for (let i = 0; i < ATTEMPTS; i++) rows.push(await reviewOne(base, site.sitekey, source, db));
    db.close();
    for (const child of children.splice(0)) child.kill('SIGTERM');
    const single = await singleVerifier(rows);
    report(rows, single);
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 500));
    fs.rmSync(root, { recursive: true, force: true });
  }
}

async function reviewOne(base, sitekey, source, db) {
  const issued = await post(`${base}/api/v1/challenges`, { sitekey });
  const client = new LivenessClient({ baseUrl: base, source, headers: { Origin: ORIGIN } });
  const result = await client.runAttempt(issued.id);
  const job = await until(
    'the review to finalize',
    () => {
      const row = db.prepare('SELECT * FROM jobs WHERE subject = ?').get(result.attempt);
      return row?.status === 'final' ? row : null;
    },
    60_000,
  );
  const outcome = JSON.parse(job.result);
  return {
    passed: result.verdict.passed,
    score: outcome.score,
    revealed: outcome.revealed,
    consensus: outcome.consensus,
    reasons: JSON.parse(db.prepare('SELECT reasons FROM liveness_attempts WHERE id = ?').get(result.attempt).reasons),
    ms: Number(job.finalized_at) - Number(job.created_at),
    steps: result.steps,
  };
}

/** One verifier alone, in this process, on the frames each attempt sent: each member's work. */
async function singleVerifier(rows) {
  const registry = new ModelRegistryService(loadConfig({}), new FileStoreAdapter(), new CryptoAdapter());
  await registry.onModuleInit();
  const onnx = new OnnxAdapter({ device: 'cpu', intraOpNumThreads: 1, workers: 1 });
  const analyzer = await ServerFaceAnalyzer.fromRegistry(registry, onnx);
  const runner = new OnnxLivenessRunner(onnx, (id) => registry.find(id));
  const config = loadConfig({}).liveness;
  const analyser = new StepAnalyser(new JpegAdapter(), analyzer, runner, {
    enabled: config.passiveChecks,
    config: config.passive,
  });
  const times = [];
  for (const row of rows) {
    const plan = row.steps.map(({ step }) => step);
    const started = performance.now();
    let state = EMPTY_STATE;
    for (const { step, frames } of row.steps) {
      const checked = frames.map((f) => ({
        i: f.i,
        t: f.t,
        width: 192,
        height: 192,
        jpeg: Buffer.from(f.jpeg, 'base64'),
      }));
      const analysis = await analyser.analyse(step, checked, state, plan);
      state = JSON.parse(JSON.stringify(mergeChecks(analysis.state, analysis.checks)));
    }
    attemptVerdict(state, config.threshold);
    times.push(performance.now() - started);
  }
  await onnx.release();
  return times;
}

function report(rows, single) {
  console.log(
    '\nattempt  service verdict  committee score  revealed  consensus            review ms  one verifier ms  ratio',
  );
  rows.forEach((row, i) => {
    console.log(
      [
        String(i + 1).padStart(7),
        (row.passed ? 'pass' : 'fail').padStart(15),
        String(row.score).padStart(15),
        String(row.revealed).padStart(8),
        `${row.consensus?.source ?? '-'} ${row.consensus?.agreeingStake ?? ''}`.padEnd(19),
        String(Math.round(row.ms)).padStart(9),
        String(Math.round(single[i])).padStart(15),
        (row.ms / single[i]).toFixed(2).padStart(6),
      ].join('  '),
    );
  });
  const reasons = [...new Set(rows.flatMap((row) => row.reasons))];
  if (reasons.length > 0) console.log(`service's reasons over the attempts: ${reasons.join(', ')}`);
  const agreed = rows.filter((row) => row.score === (row.passed ? 1 : 0)).length;
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  console.log(
    `\nmedian review ${Math.round(median(rows.map((r) => r.ms)))} ms (max ${Math.round(Math.max(...rows.map((r) => r.ms)))}; ` +
      `target <= 5000), ${(median(rows.map((r) => r.ms)) / median(single)).toFixed(2)}x one verifier alone; ` +
      `committee agreed with the service on ${agreed} of ${rows.length}`,
  );
}

function serve(root, port, torrentPort) {
  return spawn(process.execPath, ['bin/peerproof.js', 'serve'], {
    env: {
      ...process.env,
      NODE_ENV: 'production',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: path.join(root, 'service'),
      ADMIN_TOKEN: ADMIN,
      LOG_LEVEL: 'warn',
      TORRENT_PORT: String(torrentPort),
      TORRENT_DHT: 'false',
      TORRENT_LSD: 'false',
      LIVENESS_END_ON_FAILURE: 'false',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}

async function peer(root, name, base, serviceKey, torrentPort) {
  const dataDir = path.join(root, name);
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const keys = generateEd25519KeyPair();
  fs.writeFileSync(path.join(dataDir, 'peer-key.pem'), keys.privateKeyPem, { mode: 0o600 });
  await admin(base, 'POST', '/api/v1/admin/ledger/grants', { peer: peerIdFor(keys.publicKey), amount: STAKE });
  const args = ['bin/peerproof.js', 'peer', '--service', base, '--service-key', serviceKey, '--data', dataDir];
  args.push(
    '--stake',
    String(STAKE),
    '--port',
    '0',
    '--torrent-peer',
    `127.0.0.1:${torrentPort}`,
    '--no-dht',
    '--no-lsd',
  );
  args.push('--json');
  return spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'] });
}

async function admin(base, method, route, body) {
  const response = await fetch(base + route, {
    method,
    headers: { Authorization: `Bearer ${ADMIN}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${route}: ${response.status} ${await response.text()}`);
  return response.json();
}

async function post(url, body) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { Origin: ORIGIN, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`POST ${url}: ${response.status} ${await response.text()}`);
  return response.json();
}

async function until(what, probe, ms = 60_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

await main();
