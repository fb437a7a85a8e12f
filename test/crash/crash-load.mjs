// Crash-and-load test (run by .ci/run after `npm test`; needs `npm run build`). Runs the real service,
// `node bin/peerproof.js serve`, on SQLite and then on PostgreSQL, drives mixed load (challenge issuance,
// honest and garbage solutions, siteverify redemptions of every token from several clients at once, admin
// ledger grants), SIGKILLs the service several times under that load and starts it again. Afterwards:
//   - `peerproof ledger verify` accepts the ledger, and the ledger still appends;
//   - no token was redeemed twice (successes counted per token), and no acknowledged token was lost;
//   - every acknowledged grant is in the ledger, at the sequence number it was acknowledged with;
//   - no request got a 5xx.
// Prints the counts. Exit status 0 when every check holds, 1 otherwise.
//
// Environment: PEERPROOF_TEST_POSTGRES_URL (as for the e2e suites; PEERPROOF_TEST_SKIP_POSTGRES=1 runs SQLite
// only), CRASH_KILLS (default 4 per database), CRASH_LOAD_MS (load between kills, default 2500).
import { Buffer } from 'node:buffer';
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import { createRequire } from 'node:module';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const BIN = path.join(ROOT, 'bin', 'peerproof.js');
const require = createRequire(import.meta.url);
const dist = (file) => require(path.join(ROOT, 'dist', 'src', file));
const { OnnxAdapter } = dist('adapters/onnx.adapter.js');
const { solveTask } = dist('protocol/reference-solver.js');
const pg = require('pg');

const KILLS = Number(process.env.CRASH_KILLS ?? 4);
const LOAD_MS = Number(process.env.CRASH_LOAD_MS ?? 2500);
const ADMIN_TOKEN = `crash-admin-${randomBytes(8).toString('hex')}`;
const HOSTNAME = 'crash.example.com';
const ORIGIN = `https://${HOSTNAME}`;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Loopback source addresses: each is a client IP of its own to the service, so risk stays per client. */
let nextIp = 0;
const freshIp = () => `127.0.${1 + (Math.floor(nextIp / 250) % 200)}.${2 + (nextIp++ % 250)}`;

/**
 * One HTTP request; resolves with {status, body}, or {status: 0, error} when the service is unreachable (after
 * a pause, so that loops do not spin while the service is down).
 */
function call(baseUrl, method, urlPath, { body, headers = {}, ip } = {}) {
  return new Promise((resolve) => {
    const unreachable = (error) => setTimeout(() => resolve({ status: 0, error }), 100);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const request = http.request(
      `${baseUrl}${urlPath}`,
      {
        method,
        agent: false,
        localAddress: ip,
        headers: { ...(payload ? { 'content-type': 'application/json' } : {}), ...headers },
        timeout: 15_000,
      },
      (response) => {
        const chunks = [];
        response.on('data', (chunk) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed;
          try {
            parsed = text ? JSON.parse(text) : null;
          } catch {
            parsed = text;
          }
          resolve({ status: response.statusCode, body: parsed });
        });
        response.on('error', unreachable);
      },
    );
    request.on('timeout', () => request.destroy(new Error('timeout')));
    request.on('error', unreachable);
    request.end(payload);
  });
}

async function freePort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function runCli(args, env) {
  return new Promise((resolve) =>
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: ROOT, env: { PATH: process.env.PATH, ...env } },
      (error, stdout, stderr) => resolve({ code: error ? (error.code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

/** `peerproof serve` as a child process, started again on the same port and database after each kill. */
class Service {
  constructor(env, port) {
    this.env = env;
    this.port = port;
    this.baseUrl = `http://127.0.0.1:${port}`;
    this.child = null;
    this.log = '';
  }

  async start() {
    const child = spawn(process.execPath, [BIN, 'serve'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOST: '127.0.0.1', PORT: String(this.port), ...this.env },
    });
    this.child = child;
    child.stdout.on('data', (chunk) => (this.log += chunk));
    child.stderr.on('data', (chunk) => (this.log += chunk));
    const until = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`serve exited early (${child.exitCode}):\n${this.log.slice(-4000)}`);
      if ((await call(this.baseUrl, 'GET', '/readyz')).status === 200) return;
      if (Date.now() > until) throw new Error(`the service did not become ready in 60 s:\n${this.log.slice(-4000)}`);
      await sleep(100);
    }
  }

  async kill(signal = 'SIGKILL') {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await exited;
  }
}

/** The visitor's device: the reference solver on onnxruntime-node, with the model the manifest names. */
async function makeSolver() {
  const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'models', 'manifest.json'), 'utf8'));
  const onnx = new OnnxAdapter({ device: 'cpu', intraOpNumThreads: 1, workers: 1 });
  return {
    async solve(task) {
      const model = manifest.models.find((candidate) => candidate.id === task.modelId);
      await onnx.load(task.modelId, path.join(ROOT, 'models', model.file));
      const runner = { run: (data) => onnx.run(task.modelId, { [task.inputName]: { data, dims: task.inputShape } }) };
      return (await solveTask(task, runner)).outputs;
    },
    close: () => onnx.release(),
  };
}

/** Everything the load saw, for the checks and the printed counts. */
function newTally() {
  return {
    issued: 0,
    solved: 0,
    garbageRejected: 0,
    redemptions: 0,
    grants: 0,
    unreachable: 0,
    serverErrors: [],
    unexpected: [],
    /** token → successful redemptions seen */
    successes: new Map(),
    /** acknowledged grants: {seq, peer, amount} */
    ackedGrants: [],
  };
}

/** Runs the mixed load until `stop.now` is set. Each loop tolerates a dead service and carries on. */
function startLoad(service, site, solver, tally, stop) {
  const note = (what, answer) => {
    if (answer.status === 0) tally.unreachable += 1;
    else if (answer.status >= 500) tally.serverErrors.push(`${what}: ${answer.status} ${JSON.stringify(answer.body)}`);
    else return false;
    return true;
  };
  const issue = async (ip) => {
    const answer = await call(service.baseUrl, 'POST', '/api/v1/challenges', {
      body: { sitekey: site.sitekey },
      headers: { origin: ORIGIN },
      ip,
    });
    if (note('issue', answer)) return null;
    if (answer.status !== 201) {
      tally.unexpected.push(`issue: ${answer.status} ${JSON.stringify(answer.body)}`);
      return null;
    }
    tally.issued += 1;
    return answer.body;
  };
  const submit = (challenge, outputs, ip) =>
    call(service.baseUrl, 'POST', `/api/v1/challenges/${challenge.id}/solution`, {
      body: { outputs },
      headers: { origin: ORIGIN },
      ip,
    });

  // Below the site-wide surge rate, so the solvers' challenges stay at the base cost.
  const issuer = async () => {
    const ip = freshIp();
    while (!stop.now) {
      await issue(ip);
      await sleep(150);
    }
  };
  const solverLoop = async () => {
    while (!stop.now) {
      const ip = freshIp();
      const challenge = await issue(ip);
      if (!challenge) {
        await sleep(50);
        continue;
      }
      const outputs = await solver.solve(challenge.inference);
      const answer = await submit(challenge, outputs, ip);
      if (note('solution', answer)) continue;
      if (answer.status === 200 && answer.body.status === 'solved') {
        tally.solved += 1;
        tally.successes.set(answer.body.token, tally.successes.get(answer.body.token) ?? 0);
      } else if (answer.status !== 404 && answer.status !== 410) {
        // 404/410: the challenge's row or time went with a crash between issuance and solution.
        tally.unexpected.push(`solution: ${answer.status} ${JSON.stringify(answer.body)}`);
      }
    }
  };
  const garbage = async () => {
    const ip = freshIp();
    while (!stop.now) {
      const challenge = await issue(ip);
      if (!challenge) continue;
      const outputs = Array.from({ length: challenge.inference.count }, (_, i) => [i % 896, 0.5]);
      const answer = await submit(challenge, outputs, ip);
      if (note('garbage', answer)) continue;
      if (answer.status === 200 && answer.body.status === 'failed') tally.garbageRejected += 1;
      else tally.unexpected.push(`garbage solution: ${answer.status} ${JSON.stringify(answer.body)}`);
    }
  };
  const redeemer = async () => {
    while (!stop.now) {
      const tokens = [...tally.successes.keys()];
      if (tokens.length === 0) {
        await sleep(50);
        continue;
      }
      const token = tokens[Math.floor(Math.random() * tokens.length)];
      // Three backends redeem the same token at once.
      const answers = await Promise.all(
        [0, 1, 2].map(() =>
          call(service.baseUrl, 'POST', '/siteverify', { body: { secret: site.secret, response: token } }),
        ),
      );
      for (const answer of answers) {
        if (note('siteverify', answer)) continue;
        tally.redemptions += 1;
        if (answer.body?.success === true) tally.successes.set(token, tally.successes.get(token) + 1);
        else if (answer.body?.['error-codes']?.[0] !== 'timeout-or-duplicate') {
          tally.unexpected.push(`siteverify: ${JSON.stringify(answer.body)}`);
        }
      }
    }
  };
  const granter = async () => {
    let i = 0;
    while (!stop.now) {
      const grant = { peer: `crash-peer-${i % 7}`, amount: 1 + (i % 13) };
      i += 1;
      const answer = await call(service.baseUrl, 'POST', '/api/v1/admin/ledger/grants', {
        body: grant,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      });
      if (note('grant', answer)) continue;
      if (answer.status === 201) {
        tally.grants += 1;
        tally.ackedGrants.push({ seq: answer.body.entry.seq, ...grant });
      } else tally.unexpected.push(`grant: ${answer.status} ${JSON.stringify(answer.body)}`);
    }
  };
  return Promise.all([issuer(), issuer(), solverLoop(), solverLoop(), garbage(), redeemer(), redeemer(), granter()]);
}

async function createSite(service) {
  const answer = await call(service.baseUrl, 'POST', '/api/v1/admin/sites', {
    body: { hostnames: [HOSTNAME], difficulty: 'easy', scoreThreshold: 0 },
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  if (answer.status !== 201) throw new Error(`creating the site answered ${answer.status}`);
  return answer.body;
}

/** After the crashes: every invariant, each a line in `failures` when it does not hold. */
async function check(service, site, tally, dataDir) {
  const failures = [];
  const twice = [...tally.successes].filter(([, count]) => count > 1);
  if (twice.length > 0) failures.push(`${twice.length} token(s) redeemed more than once`);

  // A token acknowledged to its visitor must survive: never redeemed now means redeemable once, exactly.
  let lostTokens = 0;
  let redeemedLate = 0;
  for (const [token, count] of tally.successes) {
    if (count > 0) continue;
    const answer = await call(service.baseUrl, 'POST', '/siteverify', {
      body: { secret: site.secret, response: token },
    });
    tally.redemptions += 1;
    if (answer.body?.success === true) redeemedLate += 1;
    // already-seen: its one redemption's answer was lost to a kill; invalid: the token itself was lost.
    else if (answer.body?.['error-codes']?.[0] !== 'timeout-or-duplicate') lostTokens += 1;
  }
  if (lostTokens > 0) failures.push(`${lostTokens} acknowledged token(s) lost`);

  const before = (await call(service.baseUrl, 'GET', '/api/v1/ledger/head')).body;
  let missingGrants = 0;
  for (let start = 0; start < before.size; start += 1000) {
    const page = (await call(service.baseUrl, 'GET', `/api/v1/ledger/entries?start=${start}&end=${start + 1000}`)).body;
    const bySeq = new Map(page.entries.map((entry) => [entry.seq, entry]));
    for (const grant of tally.ackedGrants.filter((g) => g.seq >= start && g.seq < start + 1000)) {
      const entry = bySeq.get(grant.seq);
      if (!entry || entry.kind !== 'grant' || entry.peer !== grant.peer || entry.amount !== grant.amount)
        missingGrants++;
    }
  }
  if (missingGrants > 0) failures.push(`${missingGrants} acknowledged grant(s) missing from the ledger`);

  const append = await call(service.baseUrl, 'POST', '/api/v1/admin/ledger/grants', {
    body: { peer: 'after-the-crashes', amount: 1 },
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  if (append.status !== 201 || append.body.head.size !== before.size + 1) {
    failures.push(`the ledger no longer appends: ${append.status} ${JSON.stringify(append.body)}`);
  }

  const { publicKey } = (await call(service.baseUrl, 'GET', '/api/v1/keys')).body;
  const state = path.join(dataDir, 'audit-head.json');
  const audit = await runCli(
    ['ledger', 'verify', '--service', service.baseUrl, '--service-key', publicKey, '--state', state],
    {},
  );
  if (audit.code !== 0) failures.push(`ledger verify failed (${audit.code}): ${audit.stdout}${audit.stderr}`);

  if (tally.serverErrors.length > 0)
    failures.push(`${tally.serverErrors.length} 5xx: ${tally.serverErrors.slice(0, 3).join('; ')}`);
  if (tally.unexpected.length > 0)
    failures.push(`${tally.unexpected.length} unexpected answers: ${tally.unexpected.slice(0, 3).join('; ')}`);
  if (tally.solved === 0 || tally.grants === 0 || tally.redemptions === 0)
    failures.push('the load did too little to judge');
  return { failures, audit: audit.stdout.trim(), ledgerSize: before.size + 1, redeemedLate, lostTokens };
}

async function createDatabase(kind, dir) {
  if (kind === 'sqlite') return { url: `sqlite:${path.join(dir, 'crash.sqlite')}`, drop: async () => {} };
  const adminUrl = process.env.PEERPROOF_TEST_POSTGRES_URL;
  if (!adminUrl) throw new Error('PEERPROOF_TEST_POSTGRES_URL is unset and no embedded PostgreSQL started');
  const name = `peerproof_crash_${randomBytes(6).toString('hex')}`;
  const admin = async (sql) => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

async function crashRun(kind, solver) {
  const started = Date.now();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `peerproof-crash-${kind}-`));
  const database = await createDatabase(kind, dataDir);
  const service = new Service(
    {
      DATABASE_URL: database.url,
      DATA_DIR: dataDir,
      ADMIN_TOKEN,
      DEMO_SITE: 'false',
      TORRENT_ENABLED: 'false',
      LOG_LEVEL: 'error',
      RATE_LIMIT_PER_MINUTE: '0',
      TOKEN_TTL_SECONDS: '3600',
    },
    await freePort(),
  );
  try {
    await service.start();
    const site = await createSite(service);
    const tally = newTally();
    const stop = { now: false };
    const load = startLoad(service, site, solver, tally, stop);
    for (let kill = 0; kill < KILLS; kill++) {
      await sleep(LOAD_MS * (0.5 + Math.random()));
      await service.kill('SIGKILL');
      await service.start();
    }
    await sleep(LOAD_MS);
    stop.now = true;
    await load;
    const result = await check(service, site, tally, dataDir);
    const successes = [...tally.successes.values()];
    const counts = {
      kills: KILLS,
      issued: tally.issued,
      solved: tally.solved,
      garbageRejected: tally.garbageRejected,
      redemptions: tally.redemptions,
      tokensRedeemedOnce: successes.filter((count) => count === 1).length,
      tokensRedeemedTwice: successes.filter((count) => count > 1).length,
      tokensRedeemedAfterwards: result.redeemedLate,
      tokensLost: result.lostTokens,
      grantsAcknowledged: tally.grants,
      ledgerEntries: result.ledgerSize,
      unreachable: tally.unreachable,
      serverErrors: tally.serverErrors.length,
      seconds: Math.round((Date.now() - started) / 100) / 10,
    };
    console.log(`crash-load [${kind}]: ${JSON.stringify(counts)}`);
    console.log(`crash-load [${kind}]: ${result.audit}`);
    for (const failure of result.failures) console.error(`crash-load [${kind}] FAILED: ${failure}`);
    return result.failures.length === 0;
  } finally {
    await service.kill('SIGKILL');
    await database.drop().catch(() => undefined);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

if (!fs.existsSync(path.join(ROOT, 'dist', 'src', 'cli', 'main.js'))) {
  console.error('crash-load: dist/ is missing; run `npm run build` first');
  process.exit(2);
}
const kinds = process.env.PEERPROOF_TEST_SKIP_POSTGRES === '1' ? ['sqlite'] : ['sqlite', 'postgres'];
// Like `npm test`: without a PostgreSQL URL, a throw-away embedded server from npm.
const embedded =
  kinds.includes('postgres') && !process.env.PEERPROOF_TEST_POSTGRES_URL
    ? await (await import('../support/embedded-postgres.mjs')).startEmbeddedPostgres()
    : null;
if (embedded) process.env.PEERPROOF_TEST_POSTGRES_URL = embedded.url;
const solver = await makeSolver();
let ok = true;
try {
  for (const kind of kinds) ok = (await crashRun(kind, solver)) && ok;
} finally {
  await solver.close();
  await embedded?.stop();
}
process.exit(ok ? 0 : 1);
