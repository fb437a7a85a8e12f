// Face-analysis benchmark (npm run bench:face-analysis). Liveness v2's server analysis on 192-px widget
// frames cut from six real people's recordings, each with the sRGB colour profile Chromium embeds in canvas
// JPEGs: ms per frame decode (libjpeg-turbo), detect (YuNet), measure (face mesh + iris model) and describe
// (face-api recognition), wall and CPU, median and p90. Baselines in the same run: the pure-JavaScript JPEG
// decode of the same widget frame, and the face mesh, iris and recognition networks on TensorFlow.js (as their
// authors ship them, and as the service ran them before their ONNX graphs), and YuNet on one frame a call
// against a step's frames in one call. Ends with the per-attempt cost.
import { Buffer } from 'node:buffer';
import { createRequire } from 'node:module';
import * as fs from 'node:fs';
import * as path from 'node:path';

const require = createRequire(import.meta.url);
const dist = (file) => require(path.resolve('dist/src', file));
const { Logger } = require('@nestjs/common');
const { loadConfig } = dist('config/app-config.js');
const { CryptoAdapter } = dist('adapters/crypto.adapter.js');
const { FileStoreAdapter } = dist('adapters/file-store.adapter.js');
const { JpegAdapter } = dist('adapters/jpeg.adapter.js');
const { OnnxAdapter } = dist('adapters/onnx.adapter.js');
const { TfjsAdapter } = dist('adapters/tfjs.adapter.js');
const { ModelRegistryService } = dist('models/model-registry.service.js');
const { FACE_ANALYSIS_MODELS, ServerFaceAnalyzer } = dist('liveness/analysis/server-face-analyzer.js');
const { cropResize } = dist('liveness/rgb-image.js');
const { widgetFrame } = dist('liveness/eval/passive-samples.js');

const ROUNDS = 8;
const FRAMES = [
  'grid/bbaf2n/frame_000.jpg',
  'grid/brbk7n/frame_030.jpg',
  'grid/lbax4n/frame_060.jpg',
  'grid/lwbsza/frame_065.jpg',
  'intel/head-pose-face-detection-male/frame_010.jpg',
  'intel/head-pose-face-detection-female/frame_020.jpg',
].map((file) => path.join('test/fixtures/live-faces', file));

/** `jpeg` with an ICC profile in an APP2 segment after its start-of-image marker, as the browser writes it. */
function withProfile(bytes, profile) {
  const head = Buffer.from('ICC_PROFILE\0\x01\x01', 'latin1');
  const length = 2 + head.length + profile.length;
  const segment = Buffer.concat([Buffer.from([0xff, 0xe2, length >> 8, length & 0xff]), head, profile]);
  return Buffer.concat([bytes.subarray(0, 2), segment, bytes.subarray(2)]);
}
const sharp = require('sharp');
const tagged = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#808080' } })
  .withIccProfile('srgb')
  .jpeg()
  .toBuffer();
const { icc: srgbProfile } = await sharp(tagged).metadata();

const quantile = (values, q) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * q))];

/** Wall time and CPU time of the whole process (onnxruntime's and the WebAssembly backend's threads too), ms. */
async function timeIt(work) {
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  await work();
  const used = process.cpuUsage(cpu);
  return { wall: Number(process.hrtime.bigint() - start) / 1e6, cpu: (used.user + used.system) / 1000 };
}

Logger.overrideLogger(['error', 'warn']);
const registry = new ModelRegistryService(loadConfig({}), new FileStoreAdapter(), new CryptoAdapter());
await registry.onModuleInit();
// One onnxruntime thread and one WebAssembly thread, as the service runs them.
const onnx = new OnnxAdapter({ device: 'cpu', intraOpNumThreads: 1, workers: 1 });
const tfjs = new TfjsAdapter();
const analyzer = await ServerFaceAnalyzer.fromRegistry(registry, onnx);
// The networks as their authors ship them, on TensorFlow.js: what the service ran before their ONNX graphs.
const model = (id) => registry.get(id).file.bytes;
await tfjs.loadGraph(
  FACE_ANALYSIS_MODELS.mesh,
  model(FACE_ANALYSIS_MODELS.mesh),
  model(FACE_ANALYSIS_MODELS.meshWeights),
);
await tfjs.loadGraph(
  FACE_ANALYSIS_MODELS.iris,
  model(FACE_ANALYSIS_MODELS.iris),
  model(FACE_ANALYSIS_MODELS.irisWeights),
);
await tfjs.loadFaceRecognition(model(FACE_ANALYSIS_MODELS.recognition), model(FACE_ANALYSIS_MODELS.recognitionWeights));
const jpeg = new JpegAdapter();

// Each frame as the widget sends it: a 192-px JPEG of about four face sides.
const samples = [];
for (const file of FRAMES) {
  const picture = jpeg.decode(fs.readFileSync(file));
  const [person] = await analyzer.detect(picture);
  if (!person) throw new Error(`no face in ${file}`);
  const bytes = jpeg.encode(widgetFrame(jpeg, picture, person.box).image);
  const image = jpeg.decode(bytes);
  const [face] = await analyzer.detect(image);
  if (!face) throw new Error(`no face in the widget frame of ${file}`);
  // The TensorFlow.js reference runs get inputs of the same shapes (their cost does not depend on the pixels).
  const whole = { x: 0, y: 0, w: image.width, h: image.height };
  const scaled = (side) => Float32Array.from(cropResize(image, whole, side, side).data, (v) => v / 255);
  samples.push({
    bytes: withProfile(Buffer.from(bytes), srgbProfile),
    image,
    face,
    meshInput: scaled(192),
    irisInput: Float32Array.from([...scaled(64), ...scaled(64)]),
    descriptorInput: cropResize(image, whole, 150, 150).data,
  });
}

const calls = {
  'jpeg decode (baseline)': (s) => jpeg.decode(s.bytes),
  'frame decode (turbo)': (s) => jpeg.decodeFrame(s.bytes, 256 * 256),
  detect: (s) => analyzer.detect(s.image),
  measure: (s) => analyzer.measure(s.image, s.face),
  'measure, no eyes': (s) => analyzer.measure(s.image, s.face, { eyes: false }),
  '  of which face mesh': (s) => analyzer.mesh(s.image, s.face),
  describe: (s) => analyzer.describe(s.image, s.face),
  '  face mesh, TensorFlow.js': (s) =>
    tfjs.runGraph(FACE_ANALYSIS_MODELS.mesh, { data: s.meshInput, dims: [1, 192, 192, 3] }, ['Identity_2:0']),
  '  iris, TensorFlow.js': (s) =>
    tfjs.runGraph(FACE_ANALYSIS_MODELS.iris, { data: s.irisInput, dims: [2, 64, 64, 3] }, ['Identity:0']),
  '  describe, TensorFlow.js': (s) => tfjs.faceDescriptor(s.descriptorInput, 150),
};
// One untimed pass: the first inference of each model compiles its WebAssembly kernels.
for (const s of samples) for (const call of Object.values(calls)) await call(s);

const results = {};
for (const [name, call] of Object.entries(calls)) {
  const wall = [];
  const cpu = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (const s of samples) {
      const t = await timeIt(() => call(s));
      wall.push(t.wall);
      cpu.push(t.cpu);
    }
  }
  results[name] = { wall, cpu };
}

// A step's frames as the step analyser detects them: one call for all of them (batches of one size).
const STEP_FRAMES = 24;
const step = Array.from({ length: STEP_FRAMES }, (_, k) => samples[k % samples.length].image);
await analyzer.detectAll(step);
const batched = { wall: [], cpu: [] };
for (let round = 0; round < ROUNDS; round++) {
  const t = await timeIt(() => analyzer.detectAll(step));
  batched.wall.push(t.wall / STEP_FRAMES);
  batched.cpu.push(t.cpu / STEP_FRAMES);
}
results[`detect, ${STEP_FRAMES} at once`] = batched;

const base = quantile(results['jpeg decode (baseline)'].cpu, 0.5);
const f = (v) => v.toFixed(1).padStart(7);
console.log(
  `face analysis on ${samples.length} real 192-px widget frames × ${ROUNDS} rounds (ms; ratio = CPU median / JPEG decode CPU median)`,
);
console.log('call                      wall med  wall p90   cpu med   cpu p90   ratio');
for (const [name, { wall, cpu }] of Object.entries(results)) {
  const med = quantile(cpu, 0.5);
  console.log(
    `${name.padEnd(24)} ${f(quantile(wall, 0.5))}   ${f(quantile(wall, 0.9))}   ${f(med)}   ${f(quantile(cpu, 0.9))}   ${(med / base).toFixed(1).padStart(5)}×`,
  );
}

// Attempts as step-analyser.ts analyses them, ~10 frames/s: decode (libjpeg-turbo) and detect every frame (a
// step's frames in one call); the rest step measures 5 frames (with the iris model only when a blink is planned)
// and each prompt window 10 (the iris model for a blink only); 3 descriptors in the rest step and 2 in each later
// one.
const cpuMedian = (name) => quantile(results[name].cpu, 0.5);
const perFrame = cpuMedian('frame decode (turbo)') + cpuMedian(`detect, ${STEP_FRAMES} at once`);
const withEyes = cpuMedian('measure');
const noEyes = cpuMedian('measure, no eyes');
const describe = cpuMedian('describe');
const irisOnnx = cpuMedian('measure') - cpuMedian('measure, no eyes');
console.log(
  `detect, a step's ${STEP_FRAMES} frames in one call against one call a frame, CPU: ${(cpuMedian(`detect, ${STEP_FRAMES} at once`) / cpuMedian('detect')).toFixed(2)}`,
);
console.log(
  `ONNX graphs against TensorFlow.js, CPU: face mesh ${(cpuMedian('  face mesh, TensorFlow.js') / cpuMedian('  of which face mesh')).toFixed(1)}× less, iris ${(cpuMedian('  iris, TensorFlow.js') / irisOnnx).toFixed(1)}× less, describe ${(cpuMedian('  describe, TensorFlow.js') / describe).toFixed(1)}× less`,
);
for (const plan of [
  { name: 'short attempt (11 s, smile + turn)', frames: 110, eyes: 0, mesh: 25, described: 9 },
  { name: 'long attempt (14 s, blink + smile + turn)', frames: 140, eyes: 15, mesh: 20, described: 11 },
]) {
  const core = plan.frames * perFrame + plan.eyes * withEyes + plan.mesh * noEyes + plan.described * describe;
  console.log(
    `${plan.name}: ${plan.frames} × (decode + detect) + ${plan.eyes} × measure + ${plan.mesh} × measure without eyes + ${plan.described} × describe = ${core.toFixed(0)} core-ms per attempt (target ≤ 1000); ${(2000 / core).toFixed(2)} attempts/s on 2 cores`,
  );
}

tfjs.release();
await onnx.release();
