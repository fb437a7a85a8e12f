// siteverify throughput against a bare Fastify route, on SQLite. Run with `npm run bench:siteverify`.
//
// One process serves all three targets: (a) a bare Fastify route (same Fastify, same host) that only
// parses the JSON body, (b) siteverify with a valid secret and an unknown token, (c) siteverify
// redeeming a fresh token per request, minted beforehand through the app's TokensService. The load
// comes from autocannon in a forked child of this script, so that the client neither shares the
// servers' thread nor posts a message to it per response (autocannon's worker mode does). Rounds
// alternate the order and the medians are reported, so a noisy second does not decide a ratio.
//
// Environment: BENCH_ROUNDS (3), BENCH_DURATION seconds per run (4), BENCH_CONNECTIONS (10).
import { fork } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const SELF = fileURLToPath(import.meta.url);
const ROOT = path.resolve(path.dirname(SELF), '..');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const DURATION_S = Number(process.env.BENCH_DURATION ?? 4);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const TARGETS = { unknownToken: 0.5, redeem: 0.25 };
const require = createRequire(import.meta.url);

// ---------------------------------------------------------------- load generator (child process)

/** Runs the autocannon jobs the parent sends, one at a time, and answers with their figures. */
function serveLoad() {
  const autocannon = require('autocannon');
  process.on('message', ({ id, options, tokenFile, secret }) => {
    const requests = tokenFile
      ? [{ ...options.requests[0], setupRequest: redeemingRequests(tokenFile, secret) }]
      : undefined;
    autocannon({ ...options, ...(requests ? { requests } : {}) }, (error, result) => {
      if (error) return process.send({ id, error: String(error) });
      process.send({
        id,
        rate: result.requests.average,
        p99: result.latency.p99,
        ok: result['2xx'],
        non2xx: result.non2xx,
        errors: result.errors,
        timeouts: result.timeouts,
      });
    });
  });
}

/** Each request redeems the next token of the file; the parent checks afterwards that none was reused. */
function redeemingRequests(tokenFile, secret) {
  const tokens = fs.readFileSync(tokenFile, 'utf8').split('\n').filter(Boolean);
  let next = 0;
  return (request) => {
    request.body = JSON.stringify({ secret, response: tokens[next++ % tokens.length] });
    return request;
  };
}

function startLoadGenerator() {
  const child = fork(SELF, ['--load-generator'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const pending = new Map();
  let nextId = 0;
  child.on('message', (message) => {
    const { resolve, reject } = pending.get(message.id);
    pending.delete(message.id);
    if (message.error) reject(new Error(message.error));
    else resolve(message);
  });
  return {
    run: (job) =>
      new Promise((resolve, reject) => {
        const id = nextId++;
        pending.set(id, { resolve, reject });
        child.send({ id, ...job });
      }),
    stop: () => child.kill(),
  };
}

// ---------------------------------------------------------------- servers (this process)

function loadDist() {
  if (!fs.existsSync(path.join(ROOT, 'dist', 'src', 'bootstrap.js'))) {
    console.error('dist/ is missing: run `npm run build` first (`npm run bench:siteverify` does)');
    process.exit(1);
  }
  require('reflect-metadata');
  const dist = (file) => require(path.join(ROOT, 'dist', 'src', file));
  return {
    Fastify: require('fastify'),
    DataSource: require('typeorm').DataSource,
    createApp: dist('bootstrap.js').createApp,
    loadConfig: dist('config/app-config.js').loadConfig,
    SitesService: dist('sites/sites.service.js').SitesService,
    TokensService: dist('tokens/tokens.service.js').TokensService,
  };
}

async function startBareFastify({ Fastify }) {
  const bare = Fastify({ logger: false });
  bare.post('/siteverify', async () => ({ success: false, 'error-codes': ['invalid-input-response'] }));
  await bare.listen({ port: 0, host: '127.0.0.1' });
  return { url: `http://127.0.0.1:${bare.server.address().port}`, close: () => bare.close() };
}

async function startPeerProof(lib, dir) {
  const config = lib.loadConfig(
    {
      DATABASE_URL: `sqlite:${path.join(dir, 'bench.sqlite')}`,
      RATE_LIMIT_PER_MINUTE: '0',
      LOG_LEVEL: 'error',
      DEMO_SITE: 'false',
      TOKEN_TTL_SECONDS: '3600',
      DATA_DIR: dir,
      TORRENT_ENABLED: 'false',
    },
    ROOT,
  );
  const app = await lib.createApp(config, { logger: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const sites = app.get(lib.SitesService);
  const site = await sites.create({
    hostnames: ['bench.example.com'],
    level: 'compute',
    scoreThreshold: 0.5,
    difficulty: 'normal',
  });
  const siteId = (await sites.findBySitekey(site.sitekey)).id;
  const tokens = app.get(lib.TokensService);
  const dataSource = app.get(lib.DataSource);
  return {
    url: `http://127.0.0.1:${app.getHttpServer().address().port}`,
    secret: site.secret,
    close: () => app.close(),
    /** Mints `count` tokens for the site, as passed challenges do, and writes them to `file`. */
    mint: async (count, file) => {
      const minted = [];
      for (let i = 0; i < count; i++) {
        const input = { siteId, hostname: 'bench.example.com', level: 'compute', score: 0.9 };
        minted.push((await tokens.mint(input)).token);
      }
      fs.writeFileSync(file, minted.join('\n'));
      return minted;
    },
    redeemedCount: async () => {
      const [row] = await dataSource.query('SELECT COUNT(*) AS n FROM tokens WHERE redeemed_at IS NOT NULL');
      return Number(row.n);
    },
  };
}

async function siteverify(url, body) {
  const response = await fetch(`${url}/siteverify`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return response.json();
}

// ---------------------------------------------------------------- the benchmark

function scenarios(bare, peerproof, load, tokenFile) {
  const json = { method: 'POST', headers: { 'content-type': 'application/json' } };
  const unknownBody = JSON.stringify({ secret: peerproof.secret, response: 'ppt_unknown-token-for-the-benchmark' });
  const common = { connections: CONNECTIONS, pipelining: 1 };
  let unknownRate = 5000;
  return {
    bare: {
      label: '(a) bare Fastify route',
      run: (duration) =>
        load.run({ options: { ...common, ...json, url: `${bare.url}/siteverify`, body: unknownBody, duration } }),
    },
    unknownToken: {
      label: '(b) siteverify, unknown token',
      run: async (duration) => {
        const result = await load.run({
          options: { ...common, ...json, url: `${peerproof.url}/siteverify`, body: unknownBody, duration },
        });
        unknownRate = result.rate;
        return result;
      },
    },
    redeem: {
      label: '(c) siteverify, redeeming tokens',
      run: async (duration) => {
        // Redeeming is slower than (b): enough fresh tokens for (b)'s rate, with room to spare.
        await peerproof.mint(Math.ceil(unknownRate * duration * 1.5) + 1000, tokenFile);
        const before = await peerproof.redeemedCount();
        const result = await load.run({
          options: { ...common, url: peerproof.url, requests: [{ ...json, path: '/siteverify' }], duration },
          tokenFile,
          secret: peerproof.secret,
        });
        const redeemed = (await peerproof.redeemedCount()) - before;
        // Requests in flight when autocannon stops are redeemed but not counted: at most one per connection.
        if (redeemed < result.ok || redeemed > result.ok + CONNECTIONS) {
          throw new Error(
            `${result.ok} answers but ${redeemed} redemptions: some requests did not redeem a fresh token`,
          );
        }
        return result;
      },
    },
  };
}

/** The scenarios must answer what they claim to measure. */
async function checkScenarios(peerproof, tokenFile) {
  const unknown = await siteverify(peerproof.url, { secret: peerproof.secret, response: 'ppt_unknown' });
  const [token] = await peerproof.mint(1, tokenFile);
  const redeemed = await siteverify(peerproof.url, { secret: peerproof.secret, response: token });
  if (unknown['error-codes'][0] !== 'invalid-input-response' || redeemed.success !== true) {
    throw new Error(`scenario check failed: ${JSON.stringify({ unknown, redeemed })}`);
  }
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const pad = (value, width) => String(value).padStart(width);

async function main() {
  const lib = loadDist();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'peerproof-bench-'));
  const tokenFile = path.join(dir, 'tokens.txt');
  const bare = await startBareFastify(lib);
  const peerproof = await startPeerProof(lib, dir);
  const load = startLoadGenerator();
  try {
    await checkScenarios(peerproof, tokenFile);
    const all = scenarios(bare, peerproof, load, tokenFile);
    const names = Object.keys(all);

    process.stdout.write(`warming up (${names.length} x 1 s)\n`);
    for (const name of names) await all[name].run(1);

    const samples = Object.fromEntries(names.map((name) => [name, { rate: [], p99: [] }]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const name of names.map((_, i) => names[(i + round) % names.length])) {
        const result = await all[name].run(DURATION_S);
        if (result.errors > 0 || result.timeouts > 0 || result.non2xx > 0) {
          throw new Error(`${name}: ${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx`);
        }
        samples[name].rate.push(result.rate);
        samples[name].p99.push(result.p99);
        process.stdout.write(
          `  round ${round + 1}  ${all[name].label.padEnd(34)} ${pad(result.rate.toFixed(0), 7)} req/s  p99 ${result.p99} ms\n`,
        );
      }
    }

    const rate = Object.fromEntries(names.map((name) => [name, median(samples[name].rate)]));
    process.stdout.write(
      `\nmedians of ${ROUNDS} rounds x ${DURATION_S} s, ${CONNECTIONS} connections ` +
        `(Node ${process.version}, ${os.cpus().length} CPUs, ${os.cpus()[0]?.model.trim()})\n`,
    );
    for (const name of names) {
      process.stdout.write(
        `  ${all[name].label.padEnd(34)} ${pad(rate[name].toFixed(0), 7)} req/s  p99 ${median(samples[name].p99)} ms\n`,
      );
    }
    let missed = false;
    for (const [name, label] of [
      ['unknownToken', '(b)/(a)'],
      ['redeem', '(c)/(a)'],
    ]) {
      const ratio = rate[name] / rate.bare;
      missed ||= ratio < TARGETS[name];
      const verdict = ratio >= TARGETS[name] ? 'met' : 'MISSED';
      process.stdout.write(`  ${label} = ${ratio.toFixed(2)}  (target >= ${TARGETS[name]}: ${verdict})\n`);
    }
    if (missed) process.exitCode = 1;
  } finally {
    load.stop();
    await peerproof.close();
    await bare.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv.includes('--load-generator')) serveLoad();
else await main();
