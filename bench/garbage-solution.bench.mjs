// Garbage-solution benchmark (npm run bench:garbage). What a solution that cost its sender nothing costs the
// service, against an honest one, measured in the same run:
//   1. server CPU (process.cpuUsage: the event loop and the inference worker threads) per garbage solution and
//      per honest solution, and their ratio (target <= 0.2);
//   2. honest p90 latency alone, and while 12 garbage senders post as fast as they are answered.
// The service runs in this process; the senders run in a child process, so their CPU is not counted.
import { fork } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const ORIGIN = 'https://bench.example.com';

if (process.argv[2] === 'sender') {
  // The child: posts the solutions it is sent, `lanes` at a time, and reports each latency.
  process.on('message', async ({ url, jobs, lanes }) => {
    const latencies = [];
    let next = 0;
    const lane = async () => {
      while (next < jobs.length) {
        const job = jobs[next++];
        const started = performance.now();
        const response = await fetch(`${url}/api/v1/challenges/${job.id}/solution`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', origin: ORIGIN },
          body: job.body,
        });
        const answer = await response.json();
        if (response.status !== 200 || answer.status !== job.expect) {
          throw new Error(`solution answered ${response.status} ${JSON.stringify(answer)}`);
        }
        latencies.push(performance.now() - started);
      }
    };
    await Promise.all(Array.from({ length: lanes }, lane));
    process.send({ latencies });
  });
} else {
  await main();
}

async function main() {
  const require = createRequire(import.meta.url);
  const dist = (file) => require(path.resolve('dist/src', file));
  const { loadConfig } = dist('config/app-config.js');
  const { createApp } = dist('bootstrap.js');
  const { ChallengesService } = dist('challenges/challenges.service.js');
  const { InferenceService } = dist('inference/inference.service.js');
  const { ModelRunnerService } = dist('models/model-runner.service.js');
  const { SitesService } = dist('sites/sites.service.js');
  const { solveTask } = dist('protocol/reference-solver.js');
  const { DataSource } = require('typeorm');

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'peerproof-bench-'));
  const config = loadConfig(
    {
      DATABASE_URL: `sqlite:${path.join(dir, 'bench.sqlite')}`,
      RATE_LIMIT_PER_MINUTE: '0',
      LOG_LEVEL: 'error',
      DEMO_SITE: 'false',
      DATA_DIR: dir,
      TORRENT_ENABLED: 'false',
    },
    process.cwd(),
  );
  const app = await createApp(config, { logger: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${app.getHttpServer().address().port}`;
  try {
    const site = await app.get(SitesService).create({
      name: 'bench',
      hostnames: ['bench.example.com'],
      level: 'compute',
      scoreThreshold: 0,
      difficulty: 'normal',
    });
    let ip = 0;
    // Issued in-process, each from an IP of its own: every challenge at the base difficulty.
    const issue = async (count) => {
      const challenges = app.get(ChallengesService);
      const issued = [];
      for (let i = 0; i < count; i++) {
        const origin = { hostname: 'bench.example.com', ip: `10.${(ip >> 16) & 255}.${(ip >> 8) & 255}.${ip & 255}` };
        ip++;
        issued.push(await challenges.issue({ sitekey: site.sitekey }, origin));
      }
      return issued;
    };

    // One honest solution is computed; every honest challenge gets its seed, so the service checks the same
    // work a real visitor's solution would bring without the benchmark solving each one.
    const [model] = await issue(1);
    const runner = await app.get(ModelRunnerService).runnerFor(model.inference.modelId);
    const honestBody = JSON.stringify({ outputs: (await solveTask(model.inference, runner)).outputs });
    // Well-formed and worthless: the right number of pairs, every one made up.
    const garbageBody = (count) =>
      JSON.stringify({ outputs: Array.from({ length: count }, (_, i) => [(i * 37) % 896, 0.5]) });
    const dataSource = app.get(DataSource);
    const honestJobs = async (count) => {
      const challenges = await issue(count);
      const ids = challenges.map((challenge) => challenge.id);
      await dataSource.query(`UPDATE challenges SET seed = ? WHERE id IN (${ids.map(() => '?').join(', ')})`, [
        model.inference.seed,
        ...ids,
      ]);
      return ids.map((id) => ({ id, body: honestBody, expect: 'solved' }));
    };
    const garbageJobs = async (count) =>
      (await issue(count)).map((challenge) => ({
        id: challenge.id,
        body: garbageBody(challenge.inference.count),
        expect: 'failed',
      }));

    /** Posts `jobs` from a child process, `lanes` at a time; `stop` ends it early. */
    const send = (jobs, lanes) => {
      const child = fork(fileURLToPath(import.meta.url), ['sender'], { stdio: 'inherit' });
      const done = new Promise((resolve, reject) => {
        child.once('message', resolve);
        child.once('error', reject);
        child.once('exit', (code) => reject(new Error(`a sender exited (${code})`)));
        child.send({ url, jobs, lanes });
      }).finally(() => child.kill());
      return { done, stop: () => child.kill() };
    };
    const cpuOf = async (jobs) => {
      const sending = send(jobs, 1);
      const before = process.cpuUsage();
      await sending.done;
      const used = process.cpuUsage(before);
      return (used.user + used.system) / 1000 / jobs.length;
    };

    console.log(
      `PeerProof garbage-solution benchmark on ${os.cpus().length} cores, Node ${process.version}, ` +
        `n = ${model.inference.count}, k = ${config.challenges.spotChecks}, ${app.get(ModelRunnerService).lanes} inference lanes`,
    );
    await cpuOf(await honestJobs(10)); // warm-up
    const honest = await cpuOf(await honestJobs(60));
    const garbage = await cpuOf(await garbageJobs(300));
    const ratio = garbage / honest;
    console.log('\n1. server CPU per solution (event loop and inference workers), one sender');
    console.log(`   honest ${honest.toFixed(2)} ms, garbage ${garbage.toFixed(2)} ms`);
    console.log(`   ratio garbage/honest ${ratio.toFixed(3)} (target <= 0.2) ${ratio <= 0.2 ? 'OK' : 'MISSED'}`);

    // The same, for the verification alone (no HTTP, no database): what the spot checks cost.
    const inference = app.get(InferenceService);
    const task = { ...model.inference, inputCount: model.inference.count };
    const verifyCpu = async (body, rounds) => {
      const { outputs } = JSON.parse(body);
      const before = process.cpuUsage();
      for (let i = 0; i < rounds; i++) await inference.verify(task, outputs);
      const used = process.cpuUsage(before);
      return (used.user + used.system) / 1000 / rounds;
    };
    const honestVerify = await verifyCpu(honestBody, 40);
    const garbageVerify = await verifyCpu(garbageBody(model.inference.count), 200);
    console.log(
      `   verification alone: honest ${honestVerify.toFixed(2)} ms, garbage ${garbageVerify.toFixed(2)} ms, ` +
        `ratio ${(garbageVerify / honestVerify).toFixed(3)}`,
    );

    if (process.env.BENCH_SKIP_LATENCY === '1') return;
    const p90 = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length * 0.9)];
    const quiet = await send(await honestJobs(80), 2).done;
    const honestLoad = await honestJobs(80);
    const flood = send(await garbageJobs(4000), 12);
    flood.done.catch(() => null);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const loaded = await send(honestLoad, 2).done;
    flood.stop();
    console.log('\n2. honest latency, 2 honest senders');
    console.log(
      `   p90 alone ${p90(quiet.latencies).toFixed(1)} ms, with 12 garbage senders ${p90(loaded.latencies).toFixed(1)} ms` +
        ` (${(p90(loaded.latencies) / p90(quiet.latencies)).toFixed(2)}x)`,
    );
  } finally {
    await app.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  process.exit(0);
}
