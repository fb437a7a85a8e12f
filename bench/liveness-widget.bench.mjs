// Liveness chunk benchmark (npm run bench:liveness-widget), in Debian's chromium (PEERPROOF_CHROMIUM overrides
// the path), with a fake camera: a canvas stream of test/fixtures/faces/astronaut.jpg. Against baselines
// measured in the same run:
//   - the guidance's frame rate (the face drawn off-centre, so the guidance never ends and keeps detecting;
//     animation frames of its loop, one FaceLandmarker detection each) against a bare detectForVideo loop on
//     the same stream, the same files and options, paced by animation frames as well;
//   - frames and JPEG bytes per liveness v2 attempt (the face centred, one whole attempt against a small
//     responder of the step route that passes every attempt: a conformance stand-in, not the service)
//     against the plan's budget (FRAME_LIMITS: 600 KB, ~4 KB a frame at 10 frames/s).
// The callbacks of page.evaluate run in the browser, hence its globals:
/* global window, document, performance, navigator, requestAnimationFrame, Image, AbortController */
import { Buffer } from 'node:buffer';
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import playwright from 'playwright-core';
import { startService } from './browser-service.mjs';

const MEASURE_MS = 4000;
/** Alternated, medians reported: a shared machine's load drifts during a run. */
const ROUNDS = 3;
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const CHROMIUM_ARGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];
const require = createRequire(import.meta.url);
const { FRAME_LIMITS, deriveAttemptPlan, stepKeyMessage } = require(path.resolve('dist/src/protocol/liveness-plan.js'));
const ATTEMPTS = 3;

/**
 * The step route as a conformance stand-in: reveals a fresh plan step by step and records each step's
 * frames; forwards GET /widget/* to the service so the chunk loads MediaPipe from its serviceBase.
 */
async function startResponder(serviceUrl) {
  const attempts = new Map();
  const server = http.createServer(async (req, res) => {
    const cors = {
      'Access-Control-Allow-Origin': req.headers.origin ?? '*',
      'Access-Control-Allow-Headers': 'content-type',
      'Access-Control-Allow-Methods': 'POST',
    };
    if (req.method === 'OPTIONS') return void res.writeHead(204, cors).end();
    if (req.method === 'GET') {
      const upstream = await fetch(serviceUrl + req.url);
      const type = upstream.headers.get('content-type') ?? 'application/octet-stream';
      return void res
        .writeHead(upstream.status, { ...cors, 'Content-Type': type })
        .end(Buffer.from(await upstream.arrayBuffer()));
    }
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    const reveal = (attempt, index) => ({
      ...attempt.plan[index],
      key: createHmac('sha256', Buffer.from(attempt.seed, 'hex')).update(stepKeyMessage(index)).digest('base64url'),
    });
    let answer;
    if (body.attempt === undefined) {
      const attempt = { id: randomUUID(), seed: randomBytes(16).toString('hex'), steps: [], frames: 0, bytes: 0 };
      attempt.plan = deriveAttemptPlan(attempt.seed);
      attempts.set(attempt.id, attempt);
      answer = { attempt: attempt.id, step: reveal(attempt, 0) };
    } else {
      const attempt = attempts.get(body.attempt);
      attempt.frames += body.frames.length;
      attempt.bytes += body.frames.reduce((sum, frame) => sum + Buffer.from(frame.jpeg, 'base64').length, 0);
      attempt.ms = (attempt.ms ?? 0) + attempt.plan[body.step].durationMs;
      const next = body.step + 1;
      answer =
        next < attempt.plan.length
          ? { attempt: attempt.id, step: reveal(attempt, next) }
          : {
              attempt: attempt.id,
              step: { index: next, kind: 'done' },
              verdict: { passed: true, score: 1, hints: [] },
            };
    }
    res.writeHead(200, { ...cors, 'Content-Type': 'application/json' }).end(JSON.stringify(answer));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}`, attempts, close: () => server.close() };
}

/** Options of runLiveness for the benchmark's pages. */
const runOptions = (base) => ({
  challengeId: 'bench',
  liveness: { maxAttempts: 3 },
  verdictTexts: { failed: 'failed', retry: 'Retry', hints: {} },
  language: 'en',
  serviceBase: base,
});

/** The embedding site on its own origin (localhost: a secure context, so getUserMedia exists). */
async function startPages() {
  const vision = fs.readFileSync('node_modules/@mediapipe/tasks-vision/vision_bundle.mjs');
  const server = http.createServer((req, res) => {
    if (req.url === '/vision.mjs') res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(vision);
    else res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><title>bench</title><body></body>');
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://localhost:${server.address().port}`, close: () => server.close() };
}

/** Runs in the page first: a fake camera, and a count of animation-frame callbacks per overlay phase. */
function instrument({ image, centred }) {
  const raf = window.requestAnimationFrame.bind(window);
  const frames = { guidance: 0 };
  Object.defineProperty(window, '__frames', { value: frames });
  window.requestAnimationFrame = (callback) =>
    raf((now) => {
      const phase = document.querySelector('[data-peerproof-liveness]')?.getAttribute('data-phase');
      if (phase === 'guidance') frames.guidance++;
      callback(now);
    });
  navigator.mediaDevices.getUserMedia = async () => {
    const picture = new Image();
    picture.src = image;
    await picture.decode();
    const canvas = document.createElement('canvas');
    [canvas.width, canvas.height] = [640, 480];
    const context = canvas.getContext('2d');
    const stream = canvas.captureStream(30);
    let n = 0;
    const draw = () => {
      context.fillStyle = '#808080';
      context.fillRect(0, 0, 640, 480);
      // The face at a good size; for the guidance left of the oval (`off-centre`, so it runs until stopped).
      context.drawImage(picture, centred ? -38 : -188, centred ? 51 : 51, 819, 819);
      context.fillStyle = `rgb(${n++ % 256},0,0)`;
      context.fillRect(0, 0, 1, 1);
      if (stream.getVideoTracks()[0].readyState === 'live') raf(draw);
    };
    draw();
    return stream;
  };
  Object.defineProperty(window, '__openFakeCamera', { value: () => navigator.mediaDevices.getUserMedia() });
}

/** Detections per second of the chunk's guidance loop. */
async function guidanceRate(page, service) {
  await page.evaluate(
    async ({ url, options }) => {
      const { runLiveness } = await import(url);
      const controller = new AbortController();
      window.__stop = () => controller.abort();
      window.__run = runLiveness({ ...options, signal: controller.signal }).catch((error) => error.code);
    },
    { url: `${service.url}/widget/liveness.js`, options: runOptions(`${service.url}/`) },
  );
  await page.click('[data-peerproof-liveness] button[data-action="start"]');
  await page.waitForSelector('[data-peerproof-liveness][data-phase="guidance"]', { timeout: 60_000 });
  const first = await page.evaluate(() => [window.__frames.guidance, performance.now()]);
  await page.waitForTimeout(MEASURE_MS);
  const last = await page.evaluate(() => [window.__frames.guidance, performance.now()]);
  const ended = await page.evaluate(() => (window.__stop(), window.__run));
  if (ended !== 'capture-cancelled') throw new Error(`the guidance ended by itself (${ended}): the face was accepted`);
  return ((last[0] - first[0]) * 1000) / (last[1] - first[1]);
}

/** Detections per second of a bare detectForVideo loop, one per animation frame, on the same stream. */
async function bareRate(page, service, pages) {
  const files = JSON.parse(fs.readFileSync('widget/dist/mediapipe.json', 'utf8'));
  return page.evaluate(
    async ({ url, base, files, measureMs }) => {
      const { FaceLandmarker } = await import(url);
      const landmarker = await FaceLandmarker.createFromOptions(
        { wasmLoaderPath: base + files.wasmLoader, wasmBinaryPath: base + files.wasmBinary },
        {
          baseOptions: { modelAssetPath: base + files.model, delegate: 'CPU' },
          runningMode: 'VIDEO',
          numFaces: 2,
          outputFaceBlendshapes: false,
          outputFacialTransformationMatrixes: false,
        },
      );
      const video = document.createElement('video');
      video.muted = true;
      video.srcObject = await window.__openFakeCamera();
      await video.play();
      let count = 0;
      let faces = 0;
      const start = performance.now();
      await new Promise((resolve) => {
        const tick = (now) => {
          faces += landmarker.detectForVideo(video, now).faceLandmarks.length;
          count++;
          if (now - start < measureMs) requestAnimationFrame(tick);
          else resolve();
        };
        requestAnimationFrame(tick);
      });
      const elapsed = performance.now() - start;
      for (const track of video.srcObject.getTracks()) track.stop();
      landmarker.close();
      if (faces === 0) throw new Error('the bare loop found no face');
      return (count * 1000) / elapsed;
    },
    { url: `${pages.url}/vision.mjs`, base: `${service.url}/widget/`, files, measureMs: MEASURE_MS },
  );
}

/** One whole attempt against the responder; its frames and bytes as the responder counted them. */
async function attemptBytes(browser, service, responder, pages, image) {
  const context = await browser.newContext();
  await context.addInitScript(instrument, { image, centred: true });
  const page = await context.newPage();
  await page.goto(pages.url);
  const before = new Set(responder.attempts.keys());
  const result = await page.evaluate(
    async ({ url, options }) => {
      const { runLiveness } = await import(url);
      const run = runLiveness({ ...options, signal: new AbortController().signal });
      const host = document.querySelector('[data-peerproof-liveness]');
      host.shadowRoot.querySelector('button[data-action="start"]').click();
      return run.then(
        (proof) => proof.attempt,
        (error) => `error ${error.code}`,
      );
    },
    { url: `${service.url}/widget/liveness.js`, options: runOptions(`${responder.url}/`) },
  );
  await context.close();
  const attempt = [...responder.attempts.values()].find((candidate) => !before.has(candidate.id));
  if (!attempt || attempt.id !== result) throw new Error(`the attempt did not complete: ${result}`);
  return attempt;
}

const service = await startService();
const responder = await startResponder(service.url);
const pages = await startPages();
const browser = await playwright.chromium.launch({
  executablePath: process.env.PEERPROOF_CHROMIUM || '/usr/bin/chromium',
  args: CHROMIUM_ARGS,
});
try {
  const image = `data:image/jpeg;base64,${fs.readFileSync('test/fixtures/faces/astronaut.jpg').toString('base64')}`;
  const context = await browser.newContext();
  await context.addInitScript(instrument, { image, centred: false });
  const page = await context.newPage();
  await page.goto(pages.url);
  const rates = { guidance: [], bare: [] };
  for (let round = 0; round < ROUNDS; round++) {
    rates.guidance.push(await guidanceRate(page, service));
    rates.bare.push(await bareRate(page, service, pages));
  }
  const [guidance, bare] = [median(rates.guidance), median(rates.bare)];
  const sizes = JSON.parse(fs.readFileSync('widget/dist/manifest.json', 'utf8')).files;
  const chunk = sizes['liveness.js'];
  console.log(`\nliveness chunk (headless Chromium, WebAssembly on the CPU, ${os.cpus().length} cores)`);
  console.log(`   liveness.js ${chunk.bytes} B raw, ${chunk.encodings.br} B brotli`);
  const each = (values) => values.map((value) => value.toFixed(1)).join(', ');
  console.log(
    `   guidance loop       ${guidance.toFixed(1)} frames/s (one detection each; rounds ${each(rates.guidance)})`,
  );
  console.log(`   bare detectForVideo ${bare.toFixed(1)} frames/s (rounds ${each(rates.bare)})`);
  console.log(`   ratio ${(guidance / bare).toFixed(2)} of the bare loop's rate`);
  const attempts = [];
  for (let i = 0; i < ATTEMPTS; i++) attempts.push(await attemptBytes(browser, service, responder, pages, image));
  const budget = FRAME_LIMITS.maxAttemptBytes;
  for (const { frames, bytes, ms } of attempts) {
    console.log(
      `   attempt: ${frames} frames in ${(ms / 1000).toFixed(1)} s of steps (${((frames * 1000) / ms).toFixed(1)}/s), ` +
        `${bytes} B of JPEG (${Math.round(bytes / frames)} B a frame), ${((100 * bytes) / budget).toFixed(0)} % of the ${budget} B budget`,
    );
  }
  const perAttempt = median(attempts.map((attempt) => attempt.bytes));
  console.log(`   median bytes per attempt ${perAttempt} B: ${(perAttempt / budget).toFixed(2)} of the budget`);
} finally {
  await browser.close();
  pages.close();
  responder.close();
  await service.close();
}
