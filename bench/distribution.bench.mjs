// Model distribution benchmark (npm run bench:distribution): N = 1, 2, 4, 8 peers fetch one generated file
//   (a) through the swarm from one origin seeder, the peers joined to the origin and to each other by address;
//   (b) over plain HTTP from a Fastify server,
// and the run prints what the origin uploaded and how long until every peer had the file, as ratios against
// the file size and against N = 1 of the same transport, measured in this run.
//
// On loopback nothing limits bandwidth but the CPU, which would measure how fast one machine shuffles bytes
// between its own threads rather than distribution. So every uplink gets the same cap (BENCH_RATE_MBPS, MB/s,
// default 4): the origin's, the HTTP server's (shared by all its responses) and each peer's
// (BENCH_PEER_RATE_MBPS, default the same; 0 = none), as if each party had its own line to the internet.
// Peers run in worker threads, one event loop each. BENCH_FILE_MB (default 8), BENCH_PEERS (default
// 1,2,4,8) and BENCH_DEBUG=1 (per-peer progress) tune a run.
// Targets (issue 6): origin upload <= 2x the file size at 8 peers (HTTP: 8x); time for 8 <= 1.5x time for 1.
/* global Buffer, performance */
import { createCipheriv, createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { createRequire } from 'node:module';
import Fastify from 'fastify';

const require = createRequire(import.meta.url);
const { LOOPBACK_TORRENT_OPTIONS, TorrentAdapter } = require(path.resolve('dist/src/adapters/torrent.adapter.js'));

const MB = 1024 * 1024;
const FILE_BYTES = Number(process.env.BENCH_FILE_MB ?? 8) * MB;
const RATE = Number(process.env.BENCH_RATE_MBPS ?? 4) * MB;
const PEER_RATE = Number(process.env.BENCH_PEER_RATE_MBPS ?? process.env.BENCH_RATE_MBPS ?? 4) * MB;
const PEER_COUNTS = (process.env.BENCH_PEERS ?? '1,2,4,8').split(',').map(Number);
const NAME = 'bench-model.bin';

async function main() {
  const bytes = generateFile(FILE_BYTES);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  console.log(
    `file ${mb(FILE_BYTES)} (sha256 ${sha256.slice(0, 16)}…); uplinks: origin ${mb(RATE)}/s, ` +
      `each peer ${PEER_RATE ? `${mb(PEER_RATE)}/s` : 'uncapped'}; ${os.cpus().length} CPUs`,
  );
  const rows = [];
  for (const n of PEER_COUNTS) rows.push({ n, transport: 'swarm', ...(await swarmRun(bytes, sha256, n)) });
  for (const n of PEER_COUNTS) rows.push({ n, transport: 'http', ...(await httpRun(bytes, sha256, n)) });
  report(rows);
}

/** Deterministic pseudo-random bytes: AES-256-CTR over zeros with a fixed key. */
function generateFile(size) {
  const cipher = createCipheriv('aes-256-ctr', Buffer.alloc(32, 7), Buffer.alloc(16, 0));
  return Buffer.concat([cipher.update(Buffer.alloc(size)), cipher.final()]);
}

async function swarmRun(bytes, sha256, n) {
  const origin = new TorrentAdapter({ ...LOOPBACK_TORRENT_OPTIONS, uploadLimitBytesPerSecond: RATE });
  const [seeded] = await origin.seed([{ name: NAME, bytes }]);
  const originPeer = `127.0.0.1:${(await origin.address()).port}`;
  const workers = Array.from(
    { length: n },
    (_, index) => new Worker(new URL(import.meta.url), { workerData: { rate: PEER_RATE, index } }),
  );
  try {
    const ports = await Promise.all(workers.map((worker) => message(worker, 'listening')));
    const peers = ports.map(({ port }) => `127.0.0.1:${port}`);
    const started = performance.now();
    const results = await Promise.all(
      workers.map((worker, index) => {
        // One connection per pair: each peer dials the origin and the peers started before it.
        const others = peers.slice(0, index);
        worker.postMessage({
          magnet: `magnet:?xt=urn:btih:${seeded.infoHash}&dn=${NAME}`,
          peers: [originPeer, ...others],
        });
        return message(worker, 'done');
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    for (const result of results) if (result.sha256 !== sha256) throw new Error(`a peer got sha256 ${result.sha256}`);
    return { seconds, originUploaded: origin.stats(seeded.infoHash).uploadedBytes };
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
    await origin.destroy();
  }
}

async function httpRun(bytes, sha256, n) {
  const uplink = new Uplink(RATE);
  let uploaded = 0;
  const server = Fastify();
  server.get(`/models/${NAME}`, (_request, reply) => {
    const body = Readable.from(
      (async function* () {
        for (let offset = 0; offset < bytes.length; offset += 64 * 1024) {
          const chunk = bytes.subarray(offset, offset + 64 * 1024);
          await uplink.take(chunk.length);
          uploaded += chunk.length;
          yield chunk;
        }
      })(),
    );
    return reply.header('Content-Type', 'application/octet-stream').header('Content-Length', bytes.length).send(body);
  });
  const url = await server.listen({ port: 0, host: '127.0.0.1' });
  try {
    const started = performance.now();
    const bodies = await Promise.all(
      Array.from({ length: n }, async () => Buffer.from(await (await fetch(`${url}/models/${NAME}`)).arrayBuffer())),
    );
    const seconds = (performance.now() - started) / 1000;
    for (const body of bodies)
      if (createHash('sha256').update(body).digest('hex') !== sha256) throw new Error('bad body');
    return { seconds, originUploaded: uploaded };
  } finally {
    await server.close();
  }
}

/** One uplink shared by every response: a byte may leave only when the line is free. */
class Uplink {
  constructor(rate) {
    this.rate = rate;
    this.freeAt = performance.now();
  }

  async take(size) {
    const now = performance.now();
    this.freeAt = Math.max(now, this.freeAt) + (size / this.rate) * 1000;
    await new Promise((resolve) => setTimeout(resolve, this.freeAt - now));
  }
}

function report(rows) {
  console.log('\ntransport  peers  time (s)  time / time(1)  origin uploaded  uploaded / file size');
  for (const row of rows) {
    const base = rows.find((other) => other.transport === row.transport && other.n === PEER_COUNTS[0]);
    console.log(
      [
        row.transport.padEnd(9),
        String(row.n).padStart(5),
        row.seconds.toFixed(2).padStart(9),
        (row.seconds / base.seconds).toFixed(2).padStart(15),
        mb(row.originUploaded).padStart(16),
        (row.originUploaded / FILE_BYTES).toFixed(2).padStart(21),
      ].join('  '),
    );
  }
  const at8 = (transport) => rows.find((row) => row.transport === transport && row.n === 8);
  const swarm = at8('swarm');
  const http = at8('http');
  const swarm1 = rows.find((row) => row.transport === 'swarm' && row.n === PEER_COUNTS[0]);
  if (!swarm || !http) return;
  console.log(`\ntargets at 8 peers:`);
  console.log(
    `  swarm origin upload ${(swarm.originUploaded / FILE_BYTES).toFixed(2)}x file size (target <= 2; HTTP ${(http.originUploaded / FILE_BYTES).toFixed(2)}x)`,
  );
  console.log(`  swarm time ${(swarm.seconds / swarm1.seconds).toFixed(2)}x the time for 1 peer (target <= 1.5)`);
}

function mb(value) {
  return `${(value / MB).toFixed(2)} MB`;
}

function message(worker, type) {
  return new Promise((resolve, reject) => {
    const onMessage = (data) => {
      if (data.type !== type) return;
      worker.off('message', onMessage);
      resolve(data);
    };
    worker.on('message', onMessage);
    worker.once('error', reject);
  });
}

/** A peer: its own client and event loop, its uplink capped like the origin's. */
async function peer() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'peerproof-bench-peer-'));
  const client = new TorrentAdapter({
    ...LOOPBACK_TORRENT_OPTIONS,
    uploadLimitBytesPerSecond: workerData.rate || undefined,
  });
  parentPort.postMessage({ type: 'listening', port: (await client.address()).port });
  const { magnet, peers } = await new Promise((resolve) => parentPort.once('message', resolve));
  const started = performance.now();
  const log = process.env.BENCH_DEBUG
    ? (p) =>
        console.log(
          `  [${workerData.index}] ${((performance.now() - started) / 1000).toFixed(1)}s ${p.percent}% peers ${p.peers} ${(p.speedBytesPerSecond / MB).toFixed(2)} MB/s`,
        )
    : undefined;
  const result = await client.download(magnet, dir, { peers, progressIntervalMs: 500 }, log);
  const sha256 = createHash('sha256').update(fs.readFileSync(result.path)).digest('hex');
  parentPort.postMessage({ type: 'done', sha256 });
  // Keep seeding to the others until the main thread terminates this worker.
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
}

if (isMainThread) await main();
else await peer();
