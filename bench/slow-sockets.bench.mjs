// /healthz and /siteverify latency while thousands of slow sockets are held open, against the same probes
// with no attack, in one run. Run with `npm run bench:slow-sockets`.
//
// The service runs in this process with its default edge settings (header, request, idle and keep-alive
// timeouts, connection caps). An attacker, in a forked child, holds BENCH_SOCKETS sockets open from many
// loopback addresses (100 per address, under the default per-address cap), each sending one header or body
// byte every BENCH_DRIP_MS; when the service cuts one, it opens another. A prober, in another child, does
// what a load balancer does: one request at a time on a fresh connection, /healthz then /siteverify with a
// real secret. It probes for BENCH_DURATION seconds without the attack (the baseline), then as long again
// once the attack holds its sockets. Both children have their own open-file limit; this process needs one
// file per slow socket (check `ulimit -n`).
//
// Environment: BENCH_SOCKETS (10000), BENCH_DURATION seconds per phase (15), BENCH_DRIP_MS (3000).
import { Buffer } from 'node:buffer';
import { fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import { createRequire } from 'node:module';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { clearInterval, setImmediate, setInterval } from 'node:timers';
import { fileURLToPath } from 'node:url';

const SELF = fileURLToPath(import.meta.url);
const ROOT = path.resolve(path.dirname(SELF), '..');
const SOCKETS = Number(process.env.BENCH_SOCKETS ?? 10_000);
const DURATION_S = Number(process.env.BENCH_DURATION ?? 15);
const DRIP_MS = Number(process.env.BENCH_DRIP_MS ?? 3_000);
const PER_ADDRESS = 100;
const TARGET_P99_MS = 1_000;
const require = createRequire(import.meta.url);

// ---------------------------------------------------------------- attacker (child process)

const OPENINGS = {
  headers: 'POST /siteverify HTTP/1.1\r\nHost: peerproof.test\r\nX-Slow: ',
  body: 'POST /siteverify HTTP/1.1\r\nHost: peerproof.test\r\nContent-Type: application/json\r\nContent-Length: 10000\r\n\r\n',
  silent: '',
};
const DRIPS = { headers: 'a', body: ' ', silent: null };
/** Mostly slow bodies (the longest-lived: they last until the request timeout), as in the reported attack. */
const KINDS = ['body', 'body', 'body', 'body', 'body', 'body', 'headers', 'headers', 'silent', 'silent'];

function attack(port, target) {
  const sockets = new Set();
  // Each slot keeps its address: a socket the service cuts is replaced from the same address.
  const freeSlots = Array.from({ length: target }, (_, slot) => target - 1 - slot);
  let next = 0;
  let opening = 0;
  let stopped = false;
  const stats = { opened: 0, cutByServer: 0, refused: 0, firstFullMs: null };
  const started = Date.now();
  const openOne = (slot) => {
    const kind = KINDS[next++ % KINDS.length];
    const localAddress = `127.${20 + Math.floor(slot / PER_ADDRESS / 250)}.${Math.floor(slot / PER_ADDRESS) % 250}.1`;
    const socket = net.connect({ port, host: '127.0.0.1', localAddress });
    const entry = { socket, kind, answered: false, turn: next % Math.max(1, Math.round(DRIP_MS / 100)) };
    let connected = false;
    opening++;
    if (OPENINGS[kind]) socket.write(OPENINGS[kind]);
    socket.on('data', () => (entry.answered = true));
    socket.on('error', () => undefined);
    socket.once('connect', () => {
      connected = true;
      opening--;
      sockets.add(entry);
      stats.opened++;
      if (stats.firstFullMs === null && sockets.size >= target) stats.firstFullMs = Date.now() - started;
      fill();
    });
    socket.once('close', () => {
      if (connected) {
        sockets.delete(entry);
        if (entry.answered) stats.cutByServer++;
        else stats.refused++;
      } else {
        opening--;
      }
      freeSlots.push(slot);
      if (!stopped) setImmediate(fill);
    });
  };
  const fill = () => {
    while (!stopped && freeSlots.length > 0 && opening < 256) openOne(freeSlots.pop());
  };
  // Each socket drips once every DRIP_MS, spread over the period rather than all at the same instant.
  const TICK_MS = 100;
  const ticksPerDrip = Math.max(1, Math.round(DRIP_MS / TICK_MS));
  let tick = 0;
  const drip = setInterval(() => {
    const turn = tick++ % ticksPerDrip;
    for (const entry of sockets) {
      const byte = DRIPS[entry.kind];
      if (entry.turn === turn && byte !== null && entry.socket.writable) entry.socket.write(byte);
    }
  }, TICK_MS);
  const report = setInterval(() => process.send({ type: 'attack', open: sockets.size, ...stats }), 500);
  process.on('message', (message) => {
    if (message.type !== 'stop') return;
    stopped = true;
    clearInterval(drip);
    clearInterval(report);
    for (const entry of sockets) entry.socket.destroy();
    process.send({ type: 'stopped', ...stats }, () => process.exit(0));
  });
  fill();
}

// ---------------------------------------------------------------- prober (child process)

function request(port, method, urlPath, body) {
  return new Promise((resolve) => {
    const started = process.hrtime.bigint();
    const headers = body ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } : {};
    const req = http.request({
      host: '127.0.0.1',
      port,
      method,
      path: urlPath,
      agent: false,
      headers,
      timeout: 10_000,
    });
    const done = (status) => resolve({ status, ms: Number(process.hrtime.bigint() - started) / 1e6 });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => done(res.statusCode));
      res.on('error', () => done(-1));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => done(-1));
    req.end(body);
  });
}

function probe(port, secret) {
  const verifyBody = JSON.stringify({ secret, response: 'ppt_unknown' });
  process.on('message', async ({ type, seconds }) => {
    if (type !== 'probe') return;
    const results = { healthz: [], siteverify: [] };
    const until = Date.now() + seconds * 1000;
    while (Date.now() < until) {
      results.healthz.push(await request(port, 'GET', '/healthz'));
      results.siteverify.push(await request(port, 'POST', '/siteverify', verifyBody));
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    process.send({ type: 'probed', results });
  });
}

// ---------------------------------------------------------------- orchestration (this process)

function child(role, args) {
  const proc = fork(SELF, [role, ...args.map(String)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const listeners = new Set();
  proc.on('message', (message) => listeners.forEach((listener) => listener(message)));
  return {
    proc,
    send: (message) => proc.send(message),
    on: (listener) => listeners.add(listener),
    next: (type) =>
      new Promise((resolve) => {
        const listener = (message) => {
          if (message.type !== type) return;
          listeners.delete(listener);
          resolve(message);
        };
        listeners.add(listener);
      }),
  };
}

function summarise(samples) {
  const ms = samples
    .filter((s) => s.status > 0)
    .map((s) => s.ms)
    .sort((a, b) => a - b);
  const at = (q) => (ms.length ? ms[Math.min(ms.length - 1, Math.floor(q * ms.length))] : NaN);
  return {
    count: samples.length,
    p50: at(0.5),
    p99: at(0.99),
    max: ms.at(-1) ?? NaN,
    errors: samples.filter((s) => s.status <= 0).length,
    status5xx: samples.filter((s) => s.status >= 500).length,
    non200: samples.filter((s) => s.status !== 200).length,
  };
}

function fileLimit() {
  try {
    return Number(/^Max open files\s+(\d+)/m.exec(fs.readFileSync('/proc/self/limits', 'utf8'))[1]);
  } catch {
    return null;
  }
}

async function main() {
  if (!fs.existsSync(path.join(ROOT, 'dist', 'src', 'bootstrap.js'))) {
    console.error('dist/ is missing: run `npm run build` first (`npm run bench:slow-sockets` does)');
    process.exit(1);
  }
  const limit = fileLimit();
  if (limit !== null && limit < SOCKETS + 2_500) {
    console.error(`the open-file limit (${limit}) is too low for ${SOCKETS} slow sockets: raise \`ulimit -n\``);
    process.exit(1);
  }
  require('reflect-metadata');
  const dist = (file) => require(path.join(ROOT, 'dist', 'src', file));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'peerproof-bench-slow-'));
  const config = dist('config/app-config.js').loadConfig(
    {
      DATABASE_URL: `sqlite:${path.join(dir, 'bench.sqlite')}`,
      LOG_LEVEL: 'error',
      DEMO_SITE: 'false',
      DATA_DIR: dir,
      TORRENT_ENABLED: 'false',
    },
    ROOT,
  );
  const app = await dist('bootstrap.js').createApp(config, { logger: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const server = app.getHttpServer();
  const port = server.address().port;
  const site = await app.get(dist('sites/sites.service.js').SitesService).create({
    hostnames: ['shop.example.com'],
    level: 'compute',
    scoreThreshold: 0.5,
    difficulty: 'normal',
    livenessThreshold: null,
    livenessFallback: false,
  });
  const open = () => new Promise((resolve) => server.getConnections((_error, count) => resolve(count)));

  const prober = child('--prober', [port, site.secret]);
  prober.send({ type: 'probe', seconds: DURATION_S });
  const baseline = (await prober.next('probed')).results;
  const rssBefore = process.memoryUsage().rss;

  const attacker = child('--attacker', [port, SOCKETS]);
  let latest = { open: 0 };
  attacker.on((message) => message.type === 'attack' && (latest = message));
  const rampStarted = Date.now();
  while ((await open()) < SOCKETS * 0.98 && Date.now() - rampStarted < 120_000) {
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const rampSeconds = (Date.now() - rampStarted) / 1000;
  const serverOpen = [];
  const sampler = setInterval(async () => serverOpen.push(await open()), 500);
  prober.send({ type: 'probe', seconds: DURATION_S });
  const underAttack = (await prober.next('probed')).results;
  clearInterval(sampler);
  const rssDuring = process.memoryUsage().rss;
  attacker.send({ type: 'stop' });
  const attackStats = await attacker.next('stopped');
  prober.proc.kill();
  const metrics = await app.get(dist('ops/metrics.service.js').MetricsService).render();
  const refusedBy = (reason) =>
    Number(new RegExp(`refused_connections_total\\{reason="${reason}"\\} (\\d+)`).exec(metrics)?.[1] ?? 0);
  await app.close();
  fs.rmSync(dir, { recursive: true, force: true });

  const sorted = [...serverOpen].sort((a, b) => a - b);
  const row = (label, s) =>
    `  ${label.padEnd(30)} ${String(s.count).padStart(5)} requests  p50 ${s.p50.toFixed(1).padStart(7)} ms  ` +
    `p99 ${s.p99.toFixed(1).padStart(7)} ms  max ${s.max.toFixed(1).padStart(7)} ms  5xx ${s.status5xx}  ` +
    `failed ${s.errors}  non-200 ${s.non200}`;
  const figures = {
    healthz: [summarise(baseline.healthz), summarise(underAttack.healthz)],
    siteverify: [summarise(baseline.siteverify), summarise(underAttack.siteverify)],
  };
  console.log(`slow sockets: ${SOCKETS} held by the attacker (a byte every ${DRIP_MS} ms), ${DURATION_S} s per phase`);
  console.log(
    `  load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} on ${os.cpus().length} CPUs`,
  );
  console.log(
    `  ramp to ${SOCKETS} open: ${rampSeconds.toFixed(1)} s; open on the server while probing: ` +
      `min ${sorted[0]}, median ${sorted[Math.floor(sorted.length / 2)]}, max ${sorted.at(-1)}`,
  );
  console.log(
    `  attacker: ${attackStats.opened} connections opened, ${attackStats.cutByServer} cut by the service ` +
      `(408), ${attackStats.refused} refused on arrival (service: ${refusedBy('per-ip')} over the per-address ` +
      `cap, ${refusedBy('global')} over the global cap)`,
  );
  console.log(
    `  server memory: ${((rssDuring - rssBefore) / 1024 / 1024).toFixed(0)} MB more RSS under attack ` +
      `(${((rssDuring - rssBefore) / Math.max(1, latest.open) / 1024).toFixed(1)} kB a slow socket)`,
  );
  for (const [name, [before, during]] of Object.entries(figures)) {
    console.log(row(`/${name}, no attack`, before));
    console.log(row(`/${name}, under attack`, during));
    console.log(
      `  /${name} under attack / no attack: p50 ${(during.p50 / before.p50).toFixed(2)}, ` +
        `p99 ${(during.p99 / before.p99).toFixed(2)}`,
    );
  }
  const health = figures.healthz[1];
  const verify = figures.siteverify[1];
  const met =
    health.p99 < TARGET_P99_MS && health.status5xx + verify.status5xx === 0 && health.errors + verify.errors === 0;
  console.log(
    `  target: /healthz p99 < ${TARGET_P99_MS} ms and no 5xx or failed probe under attack: ${met ? 'met' : 'MISSED'}`,
  );
  process.exit(0);
}

const role = process.argv[2];
if (role === '--attacker') attack(Number(process.argv[3]), Number(process.argv[4]));
else if (role === '--prober') probe(Number(process.argv[3]), process.argv[4]);
else await main();
