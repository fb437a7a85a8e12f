// Liveness chunk benchmark (npm run bench:liveness-widget), in Debian's chromium (PEERPROOF_CHROMIUM overrides
// the path), with a fake camera: a canvas stream of test/fixtures/faces/astronaut.jpg, drawn off-centre so that
// the guidance never lets the script start and keeps detecting. Against a baseline measured in the same run:
//   the guidance's frame rate (animation frames of its loop, one FaceLandmarker detection each) against a bare
//   detectForVideo loop on the same stream, the same files and options, paced by animation frames as well.
// The callbacks of page.evaluate run in the browser, hence its globals:
/* global window, document, performance, navigator, requestAnimationFrame, Image, AbortController */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import playwright from 'playwright-core';
import { startService } from './browser-service.mjs';

const MEASURE_MS = 4000;
/** Alternated, medians reported: a shared machine's load drifts during a run. */
const ROUNDS = 3;
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const CHROMIUM_ARGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];
const NONCE = '00112233445566778899aabbccddeeff';

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
function instrument(image) {
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
      // The face at a good size but left of the oval: `off-centre`, so the guidance runs until stopped.
      context.drawImage(picture, -188, 51, 819, 819);
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
    async ({ url, nonce, base }) => {
      const { runLiveness } = await import(url);
      const controller = new AbortController();
      window.__stop = () => controller.abort();
      window.__run = runLiveness({
        challenge: { nonce, script: null, fallback: false },
        language: 'en',
        serviceBase: base,
        signal: controller.signal,
      }).catch((error) => error.code);
    },
    { url: `${service.url}/widget/liveness.js`, nonce: NONCE, base: `${service.url}/` },
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
          outputFaceBlendshapes: true,
          outputFacialTransformationMatrixes: true,
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

const service = await startService();
const pages = await startPages();
const browser = await playwright.chromium.launch({
  executablePath: process.env.PEERPROOF_CHROMIUM || '/usr/bin/chromium',
  args: CHROMIUM_ARGS,
});
try {
  const image = `data:image/jpeg;base64,${fs.readFileSync('test/fixtures/faces/astronaut.jpg').toString('base64')}`;
  const context = await browser.newContext();
  await context.addInitScript(instrument, image);
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
} finally {
  await browser.close();
  pages.close();
  await service.close();
}
