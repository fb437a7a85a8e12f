// Passive models benchmark (npm run bench:passive). Liveness v2's passive checks on 3 real live frames of an
// attempt (192-px widget frames with the server's UltraFace boxes, cut beforehand), two onnxruntime workers
// as on a 2-core server. Baseline in the same run: v1's passive path (checkPresentation + checkDeepfake) on
// the same frames and boxes, whose crops skip the v2 geometry and Meso4's nearest-neighbour input.
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
const { ModelRegistryService } = dist('models/model-registry.service.js');
const { OnnxLivenessRunner } = dist('liveness/onnx-liveness-runner.js');
const { checkPassiveFrames } = dist('liveness/checks/passive.check.js');
const { antiSpoofScores, deepfakeScore } = dist('liveness/liveness-models.js');
const { cutWidgetFrame } = dist('liveness/eval/passive-samples.js');

const ROUNDS = 15;
const FRAMES = [
  'grid/bbaf2n/frame_000.jpg',
  'intel/head-pose-face-detection-male/frame_010.jpg',
  'grid/lwbsza/frame_065.jpg',
].map((file) => path.join('test/fixtures/live-faces', file));
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Wall time and CPU time (every thread of the process: the onnxruntime workers too), in ms. */
async function timeIt(work) {
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  await work();
  const used = process.cpuUsage(cpu);
  return { wall: Number(process.hrtime.bigint() - start) / 1e6, cpu: (used.user + used.system) / 1000 };
}

Logger.overrideLogger(['error', 'warn']);
const config = loadConfig({});
const registry = new ModelRegistryService(config, new FileStoreAdapter(), new CryptoAdapter());
await registry.onModuleInit();
const onnx = new OnnxAdapter({ device: 'cpu', intraOpNumThreads: 1, workers: 2 });
const runner = new OnnxLivenessRunner(onnx, (id) => registry.find(id));
await runner.loadAll();
const jpeg = new JpegAdapter();
const frames = [];
for (const file of FRAMES) {
  const cut = await cutWidgetFrame(runner, jpeg, jpeg.decode(fs.readFileSync(file)));
  if (!cut) throw new Error(`no face in ${file}`);
  frames.push(cut.frame);
}
const images = frames.map((f) => f.image);
const boxes = frames.map((f) => f.face);
const v2 = () => checkPassiveFrames(runner, frames, config.liveness.passive);
// Baseline: the same three models on v1's geometry (one 3× box crop for all), without the v2 checks around them.
const v1 = async () => {
  for (let i = 0; i < images.length; i++) {
    await antiSpoofScores(runner, images[i], boxes[i]);
    await deepfakeScore(runner, images[i], boxes[i]);
  }
};
const verdict = await v2();
if (verdict.presentation.status !== 'pass') throw new Error('the live frames should pass the presentation check');
for (let i = 0; i < 3; i++) await Promise.all([v2(), v1()]);

const v2Ms = [];
const v1Ms = [];
for (let round = 0; round < ROUNDS; round++) {
  v2Ms.push(await timeIt(v2));
  v1Ms.push(await timeIt(v1));
}
const report = (what, key) => {
  const [a, b] = [median(v2Ms.map((t) => t[key])), median(v1Ms.map((t) => t[key]))];
  console.log(`  ${what}: ${a.toFixed(1)} / ${b.toFixed(1)} ms = ${(a / b).toFixed(2)}`);
};
console.log(`passive checks on ${frames.length} frames of 192 px (3 models each), 2 onnxruntime workers;`);
console.log(`v2 checkPassiveFrames / v1 passive path on the same frames (median of ${ROUNDS}):`);
report('wall time', 'wall');
report('CPU time, all threads', 'cpu');
await onnx.release();
