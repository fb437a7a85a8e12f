import { describe, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import sharp from 'sharp';
import { JpegAdapter } from '../../src/adapters/jpeg.adapter';
import { cropResize } from '../../src/liveness/rgb-image';

const codec = new JpegAdapter();
const MAX_PIXELS = 256 * 256;
// A real face, cut to a widget frame: the decoders disagree most on real texture, not on flat colour.
const picture = codec.decode(fs.readFileSync('test/fixtures/live-faces/grid/bbaf2n/frame_000.jpg'));
const side = Math.min(picture.width, picture.height);
const frame = cropResize(picture, { x: (picture.width - side) / 2, y: 0, w: side, h: side }, 192, 192);
const bytes = codec.encode(frame, 60);

/** `jpeg` with an ICC profile in an APP2 segment right after its start-of-image marker, as browsers write it. */
function withProfile(jpeg: Uint8Array, profile: Uint8Array): Uint8Array {
  const head = Buffer.from('ICC_PROFILE\0\x01\x01', 'latin1');
  const length = 2 + head.length + profile.length;
  const segment = Buffer.concat([Buffer.from([0xff, 0xe2, length >> 8, length & 0xff]), head, profile]);
  return Buffer.concat([jpeg.subarray(0, 2), segment, jpeg.subarray(2)]);
}

/** libvips's built-in profile of that name ('srgb' as Chromium's canvas JPEGs carry, 'p3' a wider gamut). */
async function builtInProfile(name: 'srgb' | 'p3'): Promise<Uint8Array> {
  const tagged = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#808080' } })
    .withIccProfile(name)
    .jpeg()
    .toBuffer();
  const { icc } = await sharp(tagged).metadata();
  if (!icc) throw new Error(`sharp embedded no ${name} profile`);
  return icc;
}

describe('JpegAdapter.decodeFrame (libjpeg-turbo for liveness frames)', () => {
  it('decodes what the pure-JavaScript decoder decodes, to within the IDCTs’ rounding', async () => {
    const fast = await codec.decodeFrame(bytes, MAX_PIXELS);
    const reference = codec.decode(bytes);
    expect([fast.width, fast.height]).toEqual([192, 192]);
    expect(fast.data.length).toBe(reference.data.length);
    let worst = 0;
    let total = 0;
    for (let k = 0; k < fast.data.length; k++) {
      const difference = Math.abs(fast.data[k] - reference.data[k]);
      worst = Math.max(worst, difference);
      total += difference;
    }
    expect(worst).toBeLessThanOrEqual(4);
    expect(total / fast.data.length).toBeLessThan(1);
  });

  it('reads the coded values whatever colour profile the client embeds', async () => {
    const plain = await codec.decodeFrame(bytes, MAX_PIXELS);
    // Converting through the P3 profile would move channels by up to ~7 levels; the sRGB one moves none.
    for (const profile of [await builtInProfile('srgb'), await builtInProfile('p3')]) {
      const profiled = await codec.decodeFrame(withProfile(bytes, profile), MAX_PIXELS);
      expect(Buffer.from(profiled.data).equals(Buffer.from(plain.data))).toBe(true);
    }
  });

  it('refuses a truncated file instead of returning a half-grey frame', async () => {
    await expect(codec.decodeFrame(bytes.subarray(0, Math.floor(bytes.length / 2)), MAX_PIXELS)).rejects.toThrow();
  });

  it('refuses bytes that are not a JPEG, and an empty buffer', async () => {
    await expect(codec.decodeFrame(new TextEncoder().encode('not a jpeg at all'), MAX_PIXELS)).rejects.toThrow(
      'not a JPEG file',
    );
    await expect(codec.decodeFrame(new Uint8Array(0), MAX_PIXELS)).rejects.toThrow('not a JPEG file');
    const garbage = new Uint8Array(600).fill(0x78);
    garbage.set([0xff, 0xd8, 0xff]);
    await expect(codec.decodeFrame(garbage, MAX_PIXELS)).rejects.toThrow();
  });

  it('refuses a picture over the pixel limit before decoding it', async () => {
    await expect(codec.decodeFrame(bytes, 128 * 128)).rejects.toThrow(/pixel limit/i);
  });

  it('keeps decoding correctly after refusing hostile input', async () => {
    const before = await codec.decodeFrame(bytes, MAX_PIXELS);
    for (let k = 0; k < 20; k++) {
      await codec.decodeFrame(bytes.subarray(0, 900), MAX_PIXELS).catch(() => undefined);
    }
    const after = await codec.decodeFrame(bytes, MAX_PIXELS);
    expect(Buffer.from(after.data).equals(Buffer.from(before.data))).toBe(true);
  });
});
