/** Each passive model's crop, against boxes computed by hand from the training pipelines' own rules. */
import { describe, expect, it } from '@jest/globals';
import { MESO_GEOMETRY, mesoCrop, silentFaceCrop } from '../../src/liveness/passive/passive-geometry';
import type { RgbImage } from '../../src/liveness/rgb-image';
import { resizeNearestReflect } from '../../src/liveness/rgb-image';

describe('Silent-Face crop (CropImage._get_new_box)', () => {
  // A 192-px v2 frame with the face in the middle: 48×64 box centred at (96, 92).
  const centred = { x: 72, y: 60, w: 48, h: 64 };

  it('scales the box about its centre and truncates the corners (V2, ×2.7)', () => {
    // 129.6 × 172.8 about (96, 92): corners (31.2, 5.6)–(160.8, 178.4).
    expect(silentFaceCrop(192, 192, centred, 2.7)).toEqual({
      rect: { x: 31, y: 5, w: 129, h: 173 },
      scale: 2.7,
      clamped: false,
      shifted: false,
    });
  });

  it('reduces the scale to what the frame holds, then shifts the patch inside (V1SE, ×4)', () => {
    // scale = min(4, 191/64, 191/48) = 2.984375: 143.25 × 191 about (96, 92); the top at −3.5 moves to 0.
    expect(silentFaceCrop(192, 192, centred, 4)).toEqual({
      rect: { x: 24, y: 0, w: 143, h: 191 },
      scale: 191 / 64,
      clamped: true,
      shifted: true,
    });
  });

  it('shifts a patch that would leave the right edge, without padding or shrinking it', () => {
    // 108 × 135 about (170, 95): x 116–224 moves 32 left to 84–192; y 27.5–162.5.
    expect(silentFaceCrop(192, 192, { x: 150, y: 70, w: 40, h: 50 }, 2.7)).toEqual({
      rect: { x: 84, y: 27, w: 108, h: 135 },
      scale: 2.7,
      clamped: false,
      shifted: true,
    });
  });

  it('shifts a patch that would leave the top-left corner', () => {
    // 108 × 135 about (20, 27): x −34–74 → 0–108, y −40.5–94.5 → 0–135.
    expect(silentFaceCrop(192, 192, { x: 0, y: 2, w: 40, h: 50 }, 2.7).rect).toEqual({ x: 0, y: 0, w: 108, h: 135 });
  });

  it('keeps width and height apart in a landscape picture (the patch is stretched to 80×80 later)', () => {
    // scale = min(4, 479/200, 639/160) = 2.395: 383.2 × 479 about (280, 200); the top at −39.5 moves to 0.
    const sut = silentFaceCrop(640, 480, { x: 200, y: 100, w: 160, h: 200 }, 4);
    expect(sut.rect).toEqual({ x: 88, y: 0, w: 383, h: 479 });
    expect(sut.scale).toBeCloseTo(2.395, 10);
  });
});

describe('Meso4 crop (MesoNet aligned face)', () => {
  it('is a square of 1.06 box heights about a point 0.054 box heights below the box centre', () => {
    // side round(67.84) = 68; centre (96, 92 + 3.456): corner floor(62, 61.456).
    expect(MESO_GEOMETRY).toEqual({ sideInBoxHeights: 1.06, centreBelowBoxCentre: 0.054 });
    expect(mesoCrop(192, 192, { x: 72, y: 60, w: 48, h: 64 })).toEqual({
      rect: { x: 62, y: 61, w: 68, h: 68 },
      scale: 1.06,
      clamped: false,
      shifted: false,
    });
  });

  it('is neither moved nor shrunk at the edge: the outside is mirrored when read', () => {
    // side 53 about (20, 27.7): corner floor(−6.5, 1.2).
    expect(mesoCrop(192, 192, { x: 0, y: 0, w: 40, h: 50 })).toEqual({
      rect: { x: -7, y: 1, w: 53, h: 53 },
      scale: 1.06,
      clamped: false,
      shifted: true,
    });
  });
});

describe('nearest-neighbour resample with mirrored edges', () => {
  /** One row of pixels whose red channel is `values`. */
  const row = (values: number[]): RgbImage => ({
    width: values.length,
    height: 1,
    data: Uint8Array.from(values.flatMap((v) => [v, 0, 255 - v])),
  });
  const reds = (image: RgbImage) => [...image.data].filter((_, i) => i % 3 === 0);

  it('repeats pixels when enlarging (PIL NEAREST: source floor((x + 0.5) × scale))', () => {
    expect(reds(resizeNearestReflect(row([10, 20, 30, 40]), { x: 0, y: 0, w: 2, h: 1 }, 4, 1))).toEqual([
      10, 10, 20, 20,
    ]);
  });

  it("mirrors outside the picture without repeating the edge pixel (numpy 'reflect')", () => {
    const sut = resizeNearestReflect(row([10, 20, 30, 40]), { x: -2, y: 0, w: 8, h: 1 }, 8, 1);
    expect(reds(sut)).toEqual([30, 20, 10, 20, 30, 40, 30, 20]);
    expect(sut.data[2]).toBe(255 - 30);
  });
});
