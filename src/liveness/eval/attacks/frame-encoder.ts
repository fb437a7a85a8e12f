/** JPEG frames as the widget sends them: baseline, FRAME_LIMITS.side px, about 4 KB each (600 KB an attempt). */
import type { JpegAdapter } from '../../../adapters/jpeg.adapter';
import { FRAME_LIMITS } from '../../../protocol/liveness-plan';
import type { RgbImage } from '../../rgb-image';

export const FRAME_SIDE = FRAME_LIMITS.side;

/** Bytes a frame should stay under so ~14 s of script at 10 frames/s fits the attempt's budget. */
export const FRAME_BYTES_TARGET = 3600;

const QUALITIES = [60, 50, 40, 32, 25, 20];

/**
 * Encodes at the highest of a few qualities that meets the byte target, as the widget does. It starts from
 * the quality the previous frame needed (frames of one source look alike), since every encode costs ~20 ms.
 */
export class FrameEncoder {
  private level = 0;

  constructor(private readonly jpeg: JpegAdapter) {}

  encode(frame: RgbImage): Uint8Array {
    let bytes = this.jpeg.encode(frame, QUALITIES[this.level]);
    while (bytes.length > FRAME_BYTES_TARGET && this.level < QUALITIES.length - 1) {
      this.level++;
      bytes = this.jpeg.encode(frame, QUALITIES[this.level]);
    }
    return bytes;
  }
}
