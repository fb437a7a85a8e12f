// Widget benchmark (npm run bench:widget), in Debian's chromium (PEERPROOF_CHROMIUM overrides the path). Ratios
// against baselines measured in the same run, because absolute times on a shared machine mean little:
//   1. the loader's gzipped size against its 15 KB budget;
//   2. time from the loader's request to an interactive widget, against fetching a tiny script from the same server;
//   3. proof-of-inference solve time in Chromium (WebAssembly, the widget's own worker) against the same task on
//      onnxruntime-node in this process, cold (runtime and model loading included) and warm;
//   4. the page's main thread while a visitor solves: long tasks (target: none over 50 ms).
// The callbacks of page.evaluate run in the browser, hence its globals (performance is Node's as well):
/* global window, document, performance, PerformanceObserver, getComputedStyle, Worker */
import { createRequire } from 'node:module';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import playwright from 'playwright-core';
import { startService } from './browser-service.mjs';

const require = createRequire(import.meta.url);
const dist = (file) => require(path.resolve('dist/src', file));
const { InferenceService } = dist('inference/inference.service.js');
const { ModelRunnerService } = dist('models/model-runner.service.js');
const { solveTask } = dist('protocol/reference-solver.js');
const { BASE_INPUTS } = dist('challenges/difficulty.js');

const ROUNDS = 5;
const CHROMIUM_ARGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const ms = (value) => `${value.toFixed(1)} ms`;

/** A free loopback port, known before start-up: challenges name the model by PUBLIC_URL, which must match. */
function loaderSize() {
  const bytes = fs.readFileSync('widget/dist/peerproof.js');
  const gzip = gzipSync(bytes, { level: 9 }).length;
  const budget = 15 * 1024;
  console.log('\n1. loader size');
  console.log(`   peerproof.js ${bytes.length} B raw, ${gzip} B gzipped; budget ${budget} B`);
  console.log(`   ratio ${(gzip / budget).toFixed(2)} of the budget ${gzip <= budget ? 'OK' : 'MISSED'}`);
}

/** Loader request start → widget visible and styled, against a same-server fetch of a tiny file. */
async function timeToInteractive(browser, service) {
  const loader = [];
  const baseline = [];
  for (let round = 0; round < ROUNDS; round++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${service.url}/demo`);
    await page.waitForFunction(() => {
      const root = document.querySelector('.peerproof-widget');
      return root && getComputedStyle(root).visibility === 'visible' && getComputedStyle(root).display === 'flex';
    });
    const readyAt = await page.evaluate(() => performance.now());
    const start = await page.evaluate(
      () => performance.getEntriesByType('resource').find((e) => e.name.endsWith('/widget/peerproof.js')).startTime,
    );
    loader.push(readyAt - start);
    baseline.push(
      await page.evaluate(async () => {
        const t0 = performance.now();
        await fetch(`/widget/favicon.svg?${Math.random()}`, { cache: 'no-store' }).then((r) => r.text());
        return performance.now() - t0;
      }),
    );
    await context.close();
  }
  console.log('\n2. loader request to interactive widget (stylesheet applied), cold cache');
  console.log(`   ${ms(median(loader))}; baseline tiny fetch from the same server ${ms(median(baseline))}`);
  console.log(`   ratio ${(median(loader) / median(baseline)).toFixed(1)}`);
}

/** The widget's own worker solving a service-issued task, cold then warm, against onnxruntime-node. */
async function solveTimes(browser, service) {
  const inference = service.app.get(InferenceService);
  const n = BASE_INPUTS.normal;
  const tasks = Array.from({ length: ROUNDS + 1 }, () => inference.newTask(n));
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${service.url}/demo`);
  const browserMs = await page.evaluate(async (list) => {
    const worker = new Worker('/widget/worker.js', { type: 'module' });
    const times = [];
    for (const [job, task] of list.entries()) {
      const t0 = performance.now();
      await new Promise((resolve, reject) => {
        worker.onmessage = ({ data }) => {
          if (data.type === 'solved') resolve(data);
          if (data.type === 'failed') reject(new Error(`${data.code}: ${data.message}`));
        };
        worker.postMessage({ type: 'solve', job, task });
      });
      times.push(performance.now() - t0);
    }
    worker.terminate();
    return times;
  }, tasks);
  const runner = await service.app.get(ModelRunnerService).runnerFor(tasks[0].modelId);
  const nodeMs = [];
  for (const task of tasks.slice(1)) {
    const t0 = performance.now();
    await solveTask(task, runner);
    nodeMs.push(performance.now() - t0);
  }
  const warm = median(browserMs.slice(1));
  console.log(`\n3. solve time, default difficulty (n = ${n})`);
  console.log(`   chromium WASM: cold ${ms(browserMs[0])} (runtime + model load), warm ${ms(warm)}`);
  console.log(`   onnxruntime-node: ${ms(median(nodeMs))}`);
  console.log(`   ratio chromium warm / node ${(warm / median(nodeMs)).toFixed(1)}, per input ${ms(warm / n)}`);
}

/** A visitor's whole check on the demo page, with long tasks (> 50 ms) on the main thread recorded. */
async function mainThread(browser, service) {
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${service.url}/demo`);
  await page.evaluate(() => {
    window.longTasks = [];
    new PerformanceObserver((list) => window.longTasks.push(...list.getEntries().map((e) => e.duration))).observe({
      type: 'longtask',
    });
  });
  await page.waitForSelector('.peerproof-widget[data-state="idle"]');
  const t0 = Date.now();
  await page.click('.peerproof-check');
  await page.waitForSelector('.peerproof-widget[data-state="solved"]', { timeout: 120_000 });
  const total = Date.now() - t0;
  const longTasks = await page.evaluate(() => window.longTasks);
  const longest = Math.max(0, ...longTasks);
  console.log('\n4. main thread during a check on /demo (click to token, cold)');
  console.log(`   ${ms(total)} click to token; ${longTasks.length} long tasks, longest ${ms(longest)}`);
  console.log(`   target: no task over 50 ms ${longTasks.length === 0 ? 'OK' : 'MISSED'}`);
}

const service = await startService({ RATE_LIMIT_PER_MINUTE: '0', DEMO_SITE: 'true' });
const browser = await playwright.chromium.launch({
  executablePath: process.env.PEERPROOF_CHROMIUM || '/usr/bin/chromium',
  args: CHROMIUM_ARGS,
});
try {
  loaderSize();
  await timeToInteractive(browser, service);
  await solveTimes(browser, service);
  await mainThread(browser, service);
} finally {
  await browser.close();
  await service.close();
}
