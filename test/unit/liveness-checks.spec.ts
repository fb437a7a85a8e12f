/** The checks that need no model, on synthetic evidence with known answers. */
import { describe, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { JpegAdapter, exifOrientation } from '../../src/adapters/jpeg.adapter';
import { checkFlashes, pearson } from '../../src/liveness/checks/flash.check';
import { checkPrompts } from '../../src/liveness/checks/prompts.check';
import { checkStructure } from '../../src/liveness/checks/structure.check';
import type { SynthesisOptions } from '../../src/liveness/eval/synthesise';
import { synthEvidence, synthFrames } from '../../src/liveness/eval/synthesise';
import type { RgbImage } from '../../src/liveness/rgb-image';
import { applyOrientation } from '../../src/liveness/rgb-image';
import type { LivenessEvidence } from '../../src/protocol/liveness';
import { deriveLivenessScript } from '../../src/protocol/liveness';
import { Xoshiro128StarStar } from '../../src/protocol/prng';

const jpeg = new JpegAdapter();
const NONCE = '00112233445566778899aabbccddeeff';
const OTHER = 'ffeeddccbbaa99887766554433221100';
const script = deriveLivenessScript(NONCE);

/** A flat skin-coloured "face" on a grey wall: enough for the colour checks, which need no detector. */
function syntheticFace(): { image: RgbImage; face: { x: number; y: number; w: number; h: number } } {
  const width = 480;
  const height = 480;
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const inFace = ((x - 240) / 60) ** 2 + ((y - 240) / 80) ** 2 <= 1;
      const p = (y * width + x) * 3;
      data.set(inFace ? [200, 150, 120] : [110, 110, 115], p);
    }
  }
  return { image: { width, height, data }, face: { x: 180, y: 160, w: 120, h: 160 } };
}

const sample = syntheticFace();
const make = (options: SynthesisOptions = {}, nonce = NONCE) =>
  synthEvidence(jpeg, sample.image, sample.face, nonce, options);
// Encoding crops is the slow part: the structure cases spoil copies of one attempt.
const followed = make();

function flashCheck(evidence: LivenessEvidence, against = script) {
  const structure = checkStructure(evidence, deriveLivenessScript(evidence.nonce), evidence.nonce, jpeg);
  expect(structure.result.status).toBe('pass');
  const boxes = evidence.crops.map((crop) => ({
    x: crop.box.x * 224,
    y: crop.box.y * 224,
    w: crop.box.w * 224,
    h: crop.box.h * 224,
  }));
  return checkFlashes(evidence.crops, structure.images, boxes, against, 0.5);
}

describe('structure check', () => {
  it('passes evidence that follows its script and decodes every crop', () => {
    const sut = checkStructure(followed, script, NONCE, jpeg);
    expect(sut.result).toEqual({ score: 1, status: 'pass', reasons: [] });
    expect(sut.images).toHaveLength(script.captures.length);
  });

  it.each<[string, (e: LivenessEvidence) => void, string]>([
    ['timestamps going backwards', (e) => (e.frames[5].t = e.frames[3].t), 'timestamps-not-increasing'],
    ['a gap in the frames', (e) => (e.frames = e.frames.filter((_, i) => i < 20 || i > 30)), 'frame-gap-too-long'],
    ['frames that stop early', (e) => (e.frames = e.frames.slice(0, 40)), 'frames-end-early'],
    ['a crop missing', (e) => e.crops.pop(), 'crop-count-mismatch'],
    ['a crop taken off its moment', (e) => (e.crops[2].t += 400), 'crop-time-mismatch'],
    ['a crop claiming another flash', (e) => (e.crops[1].flashIndex = 3), 'crop-flash-mismatch'],
    [
      'a crop that is not a JPEG',
      (e) => (e.crops[0].jpeg = Buffer.from('not a jpeg at all').toString('base64')),
      'crop-not-jpeg',
    ],
    ['a crop of another size than stated', (e) => (e.crops[0].width = 200), 'crop-size-mismatch'],
  ])('fails %s', (_name, spoil, reason) => {
    const evidence = structuredClone(followed);
    spoil(evidence);
    const sut = checkStructure(evidence, script, NONCE, jpeg);
    expect(sut.result.status).toBe('fail');
    expect(sut.result.reasons).toContain(reason);
  });

  it('fails evidence recorded for another challenge (replay)', () => {
    const sut = checkStructure(make({}, OTHER), script, NONCE, jpeg);
    expect(sut.result.reasons).toContain('nonce-mismatch');
  });
});

describe('prompts check', () => {
  const random = () => {
    const rng = Xoshiro128StarStar.forInput(NONCE, 99);
    return () => rng.nextUint32() / 2 ** 32;
  };

  it('passes frames that perform every prompt in its window', () => {
    expect(checkPrompts(synthFrames(script, true, random()), script)).toEqual({
      score: 1,
      status: 'pass',
      reasons: [],
    });
  });

  it('fails frames that perform nothing', () => {
    const sut = checkPrompts(synthFrames(script, false, random()), script);
    expect(sut.status).toBe('fail');
    expect(sut.score).toBe(0);
    expect(sut.reasons).toEqual(script.prompts.map((p) => `${p.action}-missing`));
  });

  it('fails frames that follow another challenge’s prompts', () => {
    const other = deriveLivenessScript(OTHER);
    const sut = checkPrompts(synthFrames(other, true, random()), script);
    expect(sut.status).toBe('fail');
  });

  it('fails an action held from the start (a smile kept throughout proves nothing)', () => {
    const frames = synthFrames(script, true, random()).map((f) => ({
      ...f,
      smile: 0.9,
      blink: 0.9,
      jawOpen: 0.9,
      yaw: 30,
    }));
    const sut = checkPrompts(frames, script);
    expect(sut.status).toBe('fail');
    expect(sut.reasons.some((r) => r.endsWith('-not-at-rest-before'))).toBe(true);
  });
});

describe('flash reflectance check', () => {
  it('computes Pearson correlation', () => {
    expect(pearson([1, 2, 3], [2, 4, 6])).toBeCloseTo(1);
    expect(pearson([1, 2, 3], [3, 2, 1])).toBeCloseTo(-1);
    expect(pearson([1, 1, 1], [1, 2, 3])).toBe(0);
  });

  it('passes crops whose face colour follows the flashes', () => {
    const sut = flashCheck(followed);
    expect(sut.status).toBe('pass');
    expect(sut.score).toBeGreaterThan(0.8);
  });

  it('fails crops with no reflectance (a static photo)', () => {
    const sut = flashCheck(make({ flashesFrom: null, warp: true }));
    expect(sut.status).toBe('fail');
    expect(sut.reasons).toContain('flash-response-too-weak');
  });

  it('fails crops lit by another challenge’s flashes (a replayed recording)', () => {
    const sut = flashCheck(make({ flashesFrom: deriveLivenessScript(OTHER) }));
    expect(sut.status).toBe('fail');
    expect(sut.reasons).toContain('flash-correlation-low');
  });

  it('fails crops whose colours were painted over evenly (background moves as much as the face)', () => {
    const sut = flashCheck(make({ tint: 'paint' }));
    expect(sut.status).toBe('fail');
    expect(sut.reasons).toContain('flash-response-not-on-face');
  });
});

describe('JPEG adapter', () => {
  it('reads the EXIF orientation of the phone samples (6: rotate 90° clockwise)', () => {
    expect(exifOrientation(fs.readFileSync(path.resolve('test/fixtures/faces/image_T1.jpg')))).toBe(6);
    expect(exifOrientation(jpeg.encode({ width: 8, height: 8, data: new Uint8Array(192) }))).toBe(1);
  });

  it('turns a picture upright as its orientation says', () => {
    // Two pixels side by side, red then blue.
    const image = { width: 2, height: 1, data: new Uint8Array([255, 0, 0, 0, 0, 255]) };
    const sut = applyOrientation(image, 6);
    expect([sut.width, sut.height]).toEqual([1, 2]);
    expect([...sut.data]).toEqual([255, 0, 0, 0, 0, 255]);
    expect([...applyOrientation(image, 3).data]).toEqual([0, 0, 255, 255, 0, 0]);
  });

  it('refuses bytes that are not a JPEG', () => {
    expect(() => jpeg.decode(Buffer.from('GIF89a'))).toThrow(/not a JPEG/);
  });
});
