/**
 * The server's own face analysis (liveness v2) on the real models and real recordings of live people
 * (test/fixtures/live-faces/README.md): YuNet's faces and five points, on the recordings themselves and on
 * the square frames the v2 widget sends.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CryptoAdapter } from '../../src/adapters/crypto.adapter';
import { FileStoreAdapter } from '../../src/adapters/file-store.adapter';
import { JpegAdapter } from '../../src/adapters/jpeg.adapter';
import { OnnxAdapter } from '../../src/adapters/onnx.adapter';
import { loadConfig } from '../../src/config/app-config';
import { EYES_CLOSED_RATIO } from '../../src/liveness/analysis/eye-measures';
import type { FaceDetection } from '../../src/liveness/analysis/face-analyzer';
import { MOUTH_OPEN_ABOVE, SMILE_ABOVE, TURN_MIN_DEGREES } from '../../src/liveness/analysis/mesh-measures';
import {
  SAME_PERSON_BELOW,
  ServerFaceAnalyzer,
  descriptorDistance,
} from '../../src/liveness/analysis/server-face-analyzer';
import { DETECT_BATCH } from '../../src/liveness/analysis/yunet-detector';
import { widgetFrame } from '../../src/liveness/eval/passive-samples';
import type { RgbImage } from '../../src/liveness/rgb-image';
import { cropResize } from '../../src/liveness/rgb-image';
import { ModelRegistryService } from '../../src/models/model-registry.service';

const LIVE_DIR = path.resolve('test/fixtures/live-faces');
/** One frame of each of six people, one face each. */
const ONE_FACE = [
  'grid/bbaf2n/frame_000.jpg',
  'grid/brbk7n/frame_030.jpg',
  'grid/lbax4n/frame_060.jpg',
  'grid/lwbsza/frame_065.jpg',
  'intel/head-pose-face-detection-male/frame_010.jpg',
  'intel/head-pose-face-detection-female/frame_020.jpg',
];

const jpeg = new JpegAdapter();
let onnx: OnnxAdapter;
let analyzer: ServerFaceAnalyzer;

const read = (file: string): RgbImage => jpeg.decode(fs.readFileSync(path.join(LIVE_DIR, file)));

/** The five points lie where a frontal face has them: eyes above the nose, the nose above the mouth, the
 * person's right eye and mouth corner on the image's left (frames are not mirrored), all inside the box. */
function expectFrontalPoints(face: FaceDetection): void {
  const [rightEye, leftEye, nose, rightMouth, leftMouth] = face.points;
  expect(face.points).toHaveLength(5);
  expect(rightEye[0]).toBeLessThan(leftEye[0]);
  expect(rightMouth[0]).toBeLessThan(leftMouth[0]);
  expect(Math.max(rightEye[1], leftEye[1])).toBeLessThan(nose[1]);
  expect(nose[1]).toBeLessThan(Math.min(rightMouth[1], leftMouth[1]));
  for (const [x, y] of face.points) {
    expect(x).toBeGreaterThan(face.box.x);
    expect(x).toBeLessThan(face.box.x + face.box.w);
    expect(y).toBeGreaterThan(face.box.y);
    expect(y).toBeLessThan(face.box.y + face.box.h);
  }
}

beforeAll(async () => {
  const registry = new ModelRegistryService(loadConfig({}), new FileStoreAdapter(), new CryptoAdapter());
  await registry.onModuleInit();
  onnx = new OnnxAdapter({ device: 'cpu', intraOpNumThreads: 1, workers: 1 });
  analyzer = await ServerFaceAnalyzer.fromRegistry(registry, onnx);
});

afterAll(async () => {
  await onnx.release();
});

describe('detect (YuNet)', () => {
  it.each(ONE_FACE)('finds the one face of %s with its five points', async (file) => {
    const faces = await analyzer.detect(read(file));
    expect(faces).toHaveLength(1);
    expect(faces[0].score).toBeGreaterThan(0.8);
    expectFrontalPoints(faces[0]);
  });

  it('finds both people of a two-person frame, small faces included', async () => {
    const faces = await analyzer.detect(read('intel/head-pose-face-detection-female-and-male/frame_010.jpg'));
    expect(faces).toHaveLength(2);
    const centres = faces.map((face) => face.box.x + face.box.w / 2).sort((a, b) => a - b);
    // The woman stands on the image's left, the man on its right.
    expect(centres[0]).toBeLessThan(160);
    expect(centres[1]).toBeGreaterThan(300);
  });

  it.each(ONE_FACE)('finds the face in the widget frames cut from %s at 128, 192 and 256 px', async (file) => {
    const picture = read(file);
    const [inPicture] = await analyzer.detect(picture);
    const frame192 = widgetFrame(jpeg, picture, inPicture.box).image;
    for (const side of [128, 192, 256]) {
      const frame = side === 192 ? frame192 : cropResize(frame192, { x: 0, y: 0, w: 192, h: 192 }, side, side);
      const faces = await analyzer.detect(frame);
      expect(faces).toHaveLength(1);
      expectFrontalPoints(faces[0]);
      // The frame is about four face sides wide, fewer where the recording was too small to hold that.
      expect(faces[0].box.w).toBeGreaterThan(side / 6);
      expect(faces[0].box.w).toBeLessThan(side / 1.5);
    }
  });

  it('detects a whole step at once as it detects each frame: batches split by size and length', async () => {
    const frames: RgbImage[] = [];
    for (const file of ONE_FACE) {
      const picture = read(file);
      const [inPicture] = await analyzer.detect(picture);
      frames.push(widgetFrame(jpeg, picture, inPicture.box).image);
    }
    const backdrop = cropResize(read('grid/bbaf2n/frame_000.jpg'), { x: 0, y: 0, w: 96, h: 96 }, 192, 192);
    // 20 frames of 192 px (more than one batch), a faceless one among them, then 128-px and 256-px ones.
    const step = [...frames, ...frames, backdrop, ...frames, frames[0], frames[1]];
    step.push(cropResize(frames[2], { x: 0, y: 0, w: 192, h: 192 }, 128, 128), step[3]);
    step.push(cropResize(frames[4], { x: 0, y: 0, w: 192, h: 192 }, 256, 256));
    expect(step.length).toBeGreaterThan(DETECT_BATCH);
    const together = await analyzer.detectAll(step);
    const alone: FaceDetection[][] = [];
    for (const frame of step) alone.push(await analyzer.detect(frame));
    expect(together.map((faces) => faces.length)).toEqual(alone.map((faces) => faces.length));
    expect(together[12]).toEqual([]);
    together.forEach((faces, k) =>
      faces.forEach((face, n) => {
        const single = alone[k][n];
        expect(face.score).toBeCloseTo(single.score, 4);
        for (const key of ['x', 'y', 'w', 'h'] as const) expect(face.box[key]).toBeCloseTo(single.box[key], 2);
        face.points.forEach(([x, y], p) => {
          expect(x).toBeCloseTo(single.points[p][0], 2);
          expect(y).toBeCloseTo(single.points[p][1], 2);
        });
      }),
    );
  });

  it('finds no face in a frame without one', async () => {
    const picture = read('grid/bbaf2n/frame_000.jpg');
    // The top-left corner of the studio shot: backdrop only.
    const backdrop = cropResize(picture, { x: 0, y: 0, w: 96, h: 96 }, 192, 192);
    expect(await analyzer.detect(backdrop)).toEqual([]);
  });
});

/** The widget frame of the largest face of a recording, and the face found in it. */
async function widgetFace(file: string): Promise<{ image: RgbImage; face: FaceDetection }> {
  const picture = read(file);
  const [person] = await analyzer.detect(picture);
  const image = widgetFrame(jpeg, picture, person.box).image;
  const [face] = await analyzer.detect(image);
  return { image, face };
}

describe('measure (face mesh)', () => {
  const REST = ['grid/bbaf2n/frame_000.jpg', 'grid/lbax4n/frame_060.jpg', 'grid/lwbsza/frame_065.jpg'];

  it.each(REST)('reads %s as frontal, mouth closed, not smiling', async (file) => {
    const { image, face } = await widgetFace(file);
    const m = await analyzer.measure(image, face);
    expect(m).not.toBeNull();
    expect(Math.abs(m!.yaw)).toBeLessThan(TURN_MIN_DEGREES);
    expect(m!.mouthOpenness).toBeLessThan(MOUTH_OPEN_ABOVE);
    expect(m!.smile).toBeLessThan(SMILE_ABOVE);
    expect(m!.eyeOpenness).toBeGreaterThan(0.2);
  });

  // The same person with open and shut eyes: the iris model's lids, not the mesh's, make this pass.
  it.each([
    ['grid/bbaf2n/frame_000.jpg', 'grid/bbaf2n/frame_052.jpg'],
    ['grid/brbk7n/frame_030.jpg', 'grid/brbk7n/frame_022.jpg'],
  ])('reads %s open and the blink %s closed against it', async (openFile, blinkFile) => {
    const open = await widgetFace(openFile);
    const blink = await widgetFace(blinkFile);
    const rest = (await analyzer.measure(open.image, open.face))!.eyeOpenness;
    const shut = (await analyzer.measure(blink.image, blink.face))!.eyeOpenness;
    expect(shut).toBeLessThan(EYES_CLOSED_RATIO * rest);
  });

  it('without the iris model, gives the same pose, mouth and smile, and only the eyes from the mesh', async () => {
    const { image, face } = await widgetFace('grid/bbaf2n/frame_000.jpg');
    const full = (await analyzer.measure(image, face))!;
    const { eyeOpenness, ...rest } = (await analyzer.measure(image, face, { eyes: false }))!;
    const { eyeOpenness: irisEyes, ...fullRest } = full;
    expect(rest).toEqual(fullRest);
    expect(eyeOpenness).not.toBe(irisEyes);
    expect(eyeOpenness).toBeGreaterThan(0);
  });

  it('reads the broad smile of the Intel clip as a smile', async () => {
    const { image, face } = await widgetFace('intel/head-pose-face-detection-male/frame_010.jpg');
    const m = await analyzer.measure(image, face);
    expect(m!.smile).toBeGreaterThan(SMILE_ABOVE);
  });
});

describe('describe (face-api recognition)', () => {
  it('gives six different people descriptors at least the threshold apart', async () => {
    const descriptors = [];
    for (const file of ONE_FACE) {
      const { image, face } = await widgetFace(file);
      const descriptor = await analyzer.describe(image, face);
      expect(descriptor).toHaveLength(128);
      descriptors.push(descriptor!);
    }
    for (let i = 0; i < descriptors.length; i++) {
      for (let j = i + 1; j < descriptors.length; j++) {
        expect(descriptorDistance(descriptors[i], descriptors[j])).toBeGreaterThanOrEqual(SAME_PERSON_BELOW);
      }
    }
  });

  it('gives one person the same descriptor in a frame and in its smaller copy', async () => {
    const { image, face } = await widgetFace('grid/bbaf2n/frame_000.jpg');
    const small = cropResize(image, { x: 0, y: 0, w: 192, h: 192 }, 144, 144);
    const [smallFace] = await analyzer.detect(small);
    const a = await analyzer.describe(image, face);
    const b = await analyzer.describe(small, smallFace);
    expect(descriptorDistance(a!, b!)).toBeLessThan(SAME_PERSON_BELOW);
  });
});
