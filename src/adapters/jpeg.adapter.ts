/**
 * The one door to the JPEG codecs: pure JavaScript `jpeg-js` for pictures of any size (synchronous), and
 * libjpeg-turbo through `sharp` (a prebuilt binary from its npm package) for liveness frames, which the
 * server decodes by the hundred per attempt.
 */
import { Injectable } from '@nestjs/common';
import * as jpeg from 'jpeg-js';
import sharp from 'sharp';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import * as vm from 'node:vm';
import type { RgbImage } from '../liveness/rgb-image';
import { applyOrientation } from '../liveness/rgb-image';

export interface JpegLimits {
  /** Largest image decoded, in megapixels: bounds the memory a hostile file can make us allocate. */
  maxMegapixels: number;
  maxMemoryMb: number;
}

const DEFAULT_LIMITS: JpegLimits = { maxMegapixels: 16, maxMemoryMb: 256 };

// Decoded frames are faces: libvips must not keep them in its operation cache. One libvips thread per image:
// a frame is small, and the service decodes a step's frames one after another.
sharp.cache(false);
sharp.concurrency(1);

@Injectable()
export class JpegAdapter {
  /** True when the bytes start with a JPEG start-of-image marker. */
  isJpeg(bytes: Uint8Array): boolean {
    return bytes.length > 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
  }

  /** Decodes to packed RGB with the EXIF orientation applied (phones write orientation 6 for portrait). */
  decode(bytes: Uint8Array, limits: JpegLimits = DEFAULT_LIMITS): RgbImage {
    if (!this.isJpeg(bytes)) throw new Error('not a JPEG file');
    const raw = jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: false,
      maxResolutionInMP: limits.maxMegapixels,
      maxMemoryUsageInMB: limits.maxMemoryMb,
    });
    const image: RgbImage = { width: raw.width, height: raw.height, data: raw.data };
    return applyOrientation(image, exifOrientation(bytes));
  }

  /**
   * Decodes one liveness frame with libjpeg-turbo. Stricter than `decode`: a truncated or corrupt file, or one
   * over `maxPixels`, is refused, not half-read.
   *
   * The embedded colour profile is ignored: browsers write an sRGB profile into every canvas JPEG, and
   * converting through it changed no pixel of the widget's frames yet cost three quarters of the decode
   * (~7 ms of ~9 ms a 192-px frame, bench/face-analysis). The checks read the coded values as sRGB, so a
   * profile chosen by the client cannot move what they see either.
   */
  async decodeFrame(bytes: Uint8Array, maxPixels: number): Promise<RgbImage> {
    if (!this.isJpeg(bytes)) throw new Error('not a JPEG file');
    const { data, info } = await sharp(bytes, { limitInputPixels: maxPixels, failOn: 'warning', ignoreIcc: true })
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded ${info.channels} channels, expected 3`);
    const image: RgbImage = {
      width: info.width,
      height: info.height,
      data: new Uint8Array(data.buffer, data.byteOffset, data.length),
    };
    return applyOrientation(image, exifOrientation(bytes));
  }

  /**
   * Encodes a frame as a baseline JPEG with full-resolution chroma, as `encode` does, with libjpeg-turbo
   * (~10× faster than `encode`): for code that renders frames by the thousand.
   */
  async encodeFrame(image: RgbImage, quality = 85): Promise<Uint8Array> {
    const raw = { width: image.width, height: image.height, channels: 3 as const };
    const bytes = await sharp(image.data, { raw })
      .jpeg({ quality, chromaSubsampling: '4:4:4', progressive: false, mozjpeg: false })
      .toBuffer();
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
  }

  private encoder?: { encode(image: { width: number; height: number; data: Uint8Array }, quality: number): Buffer };

  encode(image: RgbImage, quality = 85): Uint8Array {
    const rgba = new Uint8Array(image.width * image.height * 4);
    for (let p = 0, q = 0; p < image.data.length; p += 3, q += 4) {
      rgba[q] = image.data[p];
      rgba[q + 1] = image.data[p + 1];
      rgba[q + 2] = image.data[p + 2];
      rgba[q + 3] = 255;
    }
    this.encoder ??= reusableEncoder();
    return new Uint8Array(this.encoder.encode({ width: image.width, height: image.height, data: rgba }, quality));
  }
}

/**
 * jpeg-js's encoder, kept for reuse. Its exported `encode` builds a new encoder per call, and building the
 * Huffman tables (65,535 entries) costs about 100 ms against 20 ms for a 192 px frame; the attack kit encodes
 * thousands of frames. The encoder class is not exported, so its file is evaluated once in a sandbox that
 * exposes it; the output is byte for byte that of `jpeg.encode`.
 */
function reusableEncoder(): { encode(image: { width: number; height: number; data: Uint8Array }, q: number): Buffer } {
  const anchor = typeof require === 'function' ? require : createRequire(path.join(process.cwd(), 'package.json'));
  const file = anchor.resolve('jpeg-js/lib/encoder.js');
  const sandbox = { module: { exports: {} as unknown }, Buffer };
  vm.runInNewContext(`${fs.readFileSync(file, 'utf8')}\nmodule.exports = JPEGEncoder;`, sandbox, { filename: file });
  const Encoder = sandbox.module.exports as new (quality: number) => {
    encode(image: { width: number; height: number; data: Uint8Array }, quality: number): Buffer;
  };
  return new Encoder(85);
}

/** The EXIF orientation tag (1–8) of a JPEG, or 1 when absent or unreadable. */
export function exifOrientation(bytes: Uint8Array): number {
  let offset = 2;
  while (offset + 4 <= bytes.length && bytes[offset] === 0xff) {
    const marker = bytes[offset + 1];
    const length = (bytes[offset + 2] << 8) | bytes[offset + 3];
    if (marker === 0xda || length < 2) break;
    const body = offset + 4;
    const isExif =
      marker === 0xe1 && String.fromCharCode(...bytes.subarray(body, body + 4)) === 'Exif' && bytes[body + 4] === 0;
    if (isExif) return readOrientation(bytes.subarray(body + 6, offset + 2 + length));
    offset += 2 + length;
  }
  return 1;
}

function readOrientation(tiff: Uint8Array): number {
  if (tiff.length < 8) return 1;
  const little = tiff[0] === 0x49;
  const u16 = (at: number) => (little ? tiff[at] | (tiff[at + 1] << 8) : (tiff[at] << 8) | tiff[at + 1]);
  const u32 = (at: number) => (little ? u16(at) + u16(at + 2) * 65536 : u16(at) * 65536 + u16(at + 2));
  const ifd = u32(4);
  if (ifd + 2 > tiff.length) return 1;
  const entries = u16(ifd);
  for (let i = 0; i < entries; i++) {
    const entry = ifd + 2 + i * 12;
    if (entry + 12 > tiff.length) break;
    if (u16(entry) === 0x0112) {
      const value = u16(entry + 8);
      return value >= 1 && value <= 8 ? value : 1;
    }
  }
  return 1;
}
