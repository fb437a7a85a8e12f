// Proof-of-inference benchmark (npm run bench:inference). Every figure is a ratio against a baseline measured
// in the same run, because absolute times on a shared machine mean little:
//   1. server cost of one verification vs the client's cost to solve the same challenge (target <= 0.1);
//   2. challenge issuance throughput vs a bare Fastify route in the same process set-up (target >= 0.5);
//   3. verification latency p50/p99 under 50 concurrent solvers, with the event loop's delay meanwhile.
import { createRequire } from 'node:module';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import autocannon from 'autocannon';
import Fastify from 'fastify';

const require = createRequire(import.meta.url);
const dist = (file) => require(path.resolve('dist/src', file));
const { loadConfig } = dist('config/app-config.js');
const { createApp } = dist('bootstrap.js');
const { InferenceService } = dist('inference/inference.service.js');
const { ModelRunnerService } = dist('models/model-runner.service.js');
const { SitesService } = dist('sites/sites.service.js');
const { solveTask } = dist('protocol/reference-solver.js');
const { BASE_INPUTS } = dist('challenges/difficulty.js');

const ROUNDS = 5;
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const ms = (value) => `${value.toFixed(2)} ms`;

async function timeIt(work) {
  const start = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

async function startService() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'peerproof-bench-'));
  const config = loadConfig(
    {
      DATABASE_URL: `sqlite:${path.join(dir, 'bench.sqlite')}`,
      RATE_LIMIT_PER_MINUTE: '0',
      LOG_LEVEL: 'error',
      DEMO_SITE: 'false',
      TRUST_PROXY: '1',
      DATA_DIR: dir,
      TORRENT_ENABLED: 'false',
    },
    process.cwd(),
  );
  const app = await createApp(config, { logger: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${app.getHttpServer().address().port}`;
  return { app, url, config, close: async () => (await app.close(), fs.rmSync(dir, { recursive: true })) };
}

async function costRatio(service) {
  const inference = service.app.get(InferenceService);
  const n = BASE_INPUTS.normal;
  const client = [];
  const server = [];
  for (let round = 0; round < ROUNDS; round++) {
    const task = inference.newTask(n);
    const runner = await service.app.get(ModelRunnerService).runnerFor(task.modelId);
    let outputs;
    client.push(await timeIt(async () => (outputs = (await solveTask(task, runner)).outputs)));
    server.push(await timeIt(() => inference.verify({ ...task, inputCount: n }, outputs)));
  }
  const ratio = median(server) / median(client);
  console.log(
    `\n1. cost per challenge at the default difficulty (n = ${n}, k = ${service.config.challenges.spotChecks})`,
  );
  console.log(`   client solve ${ms(median(client))}, server verify ${ms(median(server))}`);
  console.log(`   ratio server/client ${ratio.toFixed(3)} (target <= 0.1) ${ratio <= 0.1 ? 'OK' : 'MISSED'}`);
}

async function bareRoute() {
  const fastify = Fastify({ logger: false });
  fastify.post('/bare', async () => ({ ok: true }));
  await fastify.listen({ port: 0, host: '127.0.0.1' });
  return { url: `http://127.0.0.1:${fastify.server.address().port}/bare`, close: () => fastify.close() };
}

function cannon(url, body, headers = {}, method = 'POST') {
  return autocannon({
    url,
    method,
    connections: 20,
    duration: 3,
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function issuanceThroughput(service, sitekey) {
  const bare = await bareRoute();
  const baseline = [];
  const framework = [];
  const issue = [];
  for (let round = 0; round < 3; round++) {
    baseline.push((await cannon(bare.url, { sitekey })).requests.average);
    framework.push((await cannon(`${service.url}/healthz`, undefined, {}, 'GET')).requests.average);
    const result = await cannon(
      `${service.url}/api/v1/challenges`,
      { sitekey },
      { origin: 'https://bench.example.com' },
    );
    if (result.non2xx > 0) throw new Error(`issuance answered ${result.non2xx} non-2xx responses`);
    issue.push(result.requests.average);
  }
  await bare.close();
  const ratio = median(issue) / median(baseline);
  console.log('\n2. challenge issuance throughput (20 connections, median of 3 alternating rounds)');
  console.log(
    `   bare Fastify route ${median(baseline).toFixed(0)} req/s, POST /api/v1/challenges ${median(issue).toFixed(0)} req/s`,
  );
  console.log(`   ratio ${ratio.toFixed(3)} (target >= 0.5) ${ratio >= 0.5 ? 'OK' : 'MISSED'}`);
  const floor = median(framework) / median(baseline);
  console.log(
    `   for scale: the service's own GET /healthz (Nest pipeline, no work) runs at ${floor.toFixed(3)} of the bare route`,
  );
}

async function verificationUnderLoad(service, sitekey) {
  const solvers = 50;
  const perSolver = 4;
  const challenges = [];
  for (let i = 0; i < solvers * perSolver; i++) {
    // A distinct client IP per challenge keeps every challenge at the base difficulty.
    const response = await fetch(`${service.url}/api/v1/challenges`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        origin: 'https://bench.example.com',
        'x-forwarded-for': `10.0.${i >> 8}.${i & 255}`,
      },
      body: JSON.stringify({ sitekey }),
    });
    challenges.push(await response.json());
  }
  // Verification runs the same k inferences whatever the outputs say, so any well-formed outputs will do.
  const body = (challenge) =>
    JSON.stringify({ outputs: Array.from({ length: challenge.inference.count }, () => [0, 0.5]) });
  const latencies = [];
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: solvers }, async (_, solver) => {
      for (let j = 0; j < perSolver; j++) {
        const challenge = challenges[solver * perSolver + j];
        const t0 = process.hrtime.bigint();
        const response = await fetch(`${service.url}/api/v1/challenges/${challenge.id}/solution`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', origin: 'https://bench.example.com' },
          body: body(challenge),
        });
        if (response.status !== 200) throw new Error(`solution answered ${response.status}`);
        await response.arrayBuffer();
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  delay.disable();
  latencies.sort((a, b) => a - b);
  const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))];
  console.log(
    `\n3. verification under ${solvers} concurrent solvers (${latencies.length} solutions, k inferences each)`,
  );
  console.log(`   p50 ${ms(pct(50))}, p99 ${ms(pct(99))}, ${(latencies.length / seconds).toFixed(1)} verifications/s`);
  console.log(
    `   event-loop delay meanwhile: p50 ${ms(delay.percentile(50) / 1e6)}, p99 ${ms(delay.percentile(99) / 1e6)}, max ${ms(delay.max / 1e6)}`,
  );
}

const service = await startService();
try {
  const sites = service.app.get(SitesService);
  const site = await sites.create({
    name: 'bench',
    hostnames: ['bench.example.com'],
    level: 'compute',
    scoreThreshold: 0,
    difficulty: 'normal',
  });
  console.log(`PeerProof proof-of-inference benchmark on ${os.cpus().length} cores, Node ${process.version}`);
  await costRatio(service);
  await issuanceThroughput(service, site.sitekey);
  await verificationUnderLoad(service, site.sitekey);
} finally {
  await service.close();
}
