// Flash and continuity checks benchmark (npm run bench:flash-check). One flash step of 10 frames/s: real GRID
// frames (CC BY 4.0) cut to 192-px widget frames and JPEG-encoded as the widget sends them, each with a face
// box about its centre (the checks' cost does not depend on where the box is, so no detector runs here).
// Baseline in the same run: decoding the same JPEG frames, which the server does for every frame anyway.
import { createRequire } from 'node:module';
import * as fs from 'node:fs';
import * as path from 'node:path';

const require = createRequire(import.meta.url);
const dist = (file) => require(path.resolve('dist/src', file));
const { JpegAdapter } = dist('adapters/jpeg.adapter.js');
const { cropResize } = dist('liveness/rgb-image.js');
const { deriveAttemptPlan } = dist('protocol/liveness-plan.js');
const { checkFlashResponse } = dist('liveness/checks/flash-response.check.js');
const { checkContinuity } = dist('liveness/checks/continuity.check.js');

const ROUNDS = 9;
const SIDE = 192;
const jpeg = new JpegAdapter();
const step = deriveAttemptPlan('0123456789abcdef0123456789abcdef').at(-1);
const clipDir = path.resolve('test/fixtures/live-faces/grid/bbaf2n');
const sources = fs
  .readdirSync(clipDir)
  .filter((f) => f.endsWith('.jpg'))
  .sort()
  .map((f) => jpeg.decode(fs.readFileSync(path.join(clipDir, f))));
const count = Math.floor(step.durationMs / 100) + 1;
const encoded = Array.from({ length: count }, (_, k) => {
  const picture = sources[k % sources.length];
  const side = Math.min(picture.width, picture.height);
  const square = { x: (picture.width - side) / 2, y: 0, w: side, h: side };
  return jpeg.encode(cropResize(picture, square, SIDE, SIDE), 70);
});
const box = { x: SIDE * 0.375, y: SIDE * 0.33, w: SIDE / 4, h: SIDE * 0.3 };
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

function time(work) {
  const start = process.hrtime.bigint();
  const out = work();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, out };
}

const decodeMs = [];
const flashMs = [];
const continuityMs = [];
for (let round = 0; round < ROUNDS; round++) {
  const decoded = time(() =>
    encoded.map((bytes, i) => ({
      i,
      t: i * 100,
      image: jpeg.decode(bytes),
      face: { box, score: 0.9, points: [] },
      faces: 1,
    })),
  );
  decodeMs.push(decoded.ms);
  flashMs.push(time(() => checkFlashResponse(decoded.out, step)).ms);
  continuityMs.push(time(() => checkContinuity(decoded.out)).ms);
}
const d = median(decodeMs);
const f = median(flashMs);
const c = median(continuityMs);
console.log(`flash step: ${count} frames of ${SIDE} px, ${step.flashes.length} flashes, ${step.durationMs} ms`);
console.log(`median of ${ROUNDS} rounds (ms per step):`);
console.log(`  decode the step's JPEG frames (baseline)  ${d.toFixed(1)}`);
console.log(`  checkFlashResponse                        ${f.toFixed(1)}  (${(f / d).toFixed(2)} × decode)`);
console.log(`  checkContinuity                           ${c.toFixed(1)}  (${(c / d).toFixed(2)} × decode)`);
