// Liveness benchmark (npm run bench:liveness). One ratio, measured in the same run: the server's whole
// verification of one attempt (schema, JPEG decoding, face detection, colour and prompt checks, anti-spoofing
// and deepfake models) against the pure model inference on the same crops (the same onnxruntime runs, with
// their input tensors prepared beforehand). The difference is what the checks cost around the models.
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
const { LivenessVerifier } = dist('liveness/liveness-verifier.js');
const { detectFaces } = dist('liveness/liveness-models.js');
const { synthEvidence } = dist('liveness/eval/synthesise.js');

const ROUNDS = 15;
const NONCE = '0123456789abcdef0123456789abcdef';
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function timeIt(work) {
  const start = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** Records every model call of one verification, so the pure-inference baseline replays exactly those. */
class RecordingRunner {
  constructor(inner) {
    this.inner = inner;
    this.calls = [];
  }
  has(id) {
    return this.inner.has(id);
  }
  run(id, data, dims) {
    this.calls.push({ id, data: data.slice(), dims });
    return this.inner.run(id, data, dims);
  }
}

Logger.overrideLogger(['error', 'warn']);
const config = loadConfig({});
const registry = new ModelRegistryService(config, new FileStoreAdapter(), new CryptoAdapter());
await registry.onModuleInit();
// One worker: the verification awaits its model calls one after the other, and so does the baseline.
const onnx = new OnnxAdapter({ device: 'cpu', intraOpNumThreads: 1, workers: 1 });
const runner = new OnnxLivenessRunner(onnx, (id) => registry.find(id));
await runner.loadAll();
const jpeg = new JpegAdapter();
const image = jpeg.decode(fs.readFileSync('test/fixtures/faces/image_T1.jpg'));
const [face] = await detectFaces(runner, image);
const evidence = synthEvidence(jpeg, image, face, NONCE);
const recorder = new RecordingRunner(runner);
const verdict = await new LivenessVerifier(recorder, jpeg, config.liveness).verify(evidence, NONCE);
if (!verdict.passed) throw new Error(`the benchmark attempt should pass: ${verdict.reasons.join(', ')}`);
const calls = recorder.calls;
const verifier = new LivenessVerifier(runner, jpeg, config.liveness);

const full = [];
const models = [];
for (let round = 0; round < ROUNDS; round++) {
  full.push(await timeIt(() => verifier.verify(evidence, NONCE)));
  models.push(
    await timeIt(async () => {
      for (const call of calls) await runner.run(call.id, call.data, call.dims);
    }),
  );
}
const verifyMs = median(full);
const inferenceMs = median(models);
const bytes = evidence.crops.reduce((sum, crop) => sum + crop.jpeg.length, 0);
console.log(
  `attempt: ${evidence.crops.length} crops of 224x224 (${(bytes / 1024).toFixed(0)} KiB base64), ${evidence.frames.length} frames, ${calls.length} model runs`,
);
console.log(`server verification per attempt / pure model inference on the same crops (median of ${ROUNDS}):`);
console.log(`  ${verifyMs.toFixed(1)} / ${inferenceMs.toFixed(1)} ms = ${(verifyMs / inferenceMs).toFixed(2)}`);
await onnx.release();

// Throughput: the service's own adapter settings (one worker per core but one), four attempts in flight at
// a time, as concurrent visitors would submit them. Compared with one attempt at a time on the same adapter.
const served = new OnnxAdapter({ device: 'cpu', intraOpNumThreads: 1 });
const servedRunner = new OnnxLivenessRunner(served, (id) => registry.find(id));
await servedRunner.loadAll();
const servedVerifier = new LivenessVerifier(servedRunner, jpeg, config.liveness);
await servedVerifier.verify(evidence, NONCE);
const ATTEMPTS = 16;
const IN_FLIGHT = 4;
const serialMs = await timeIt(async () => {
  for (let i = 0; i < ATTEMPTS / 2; i++) await servedVerifier.verify(evidence, NONCE);
});
const concurrentMs = await timeIt(async () => {
  let next = 0;
  const lane = async () => {
    while (next++ < ATTEMPTS) await servedVerifier.verify(evidence, NONCE);
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
});
const perSecond = ATTEMPTS / (concurrentMs / 1000);
const serialPerSecond = ATTEMPTS / 2 / (serialMs / 1000);
console.log(`attempts per second, ${IN_FLIGHT} in flight / one at a time (service adapter settings):`);
console.log(`  ${perSecond.toFixed(2)} / ${serialPerSecond.toFixed(2)} = ${(perSecond / serialPerSecond).toFixed(2)}`);
await served.release();
