/**
 * A FrameSource of real frames of a live person (test/fixtures/live-faces, CC BY 4.0): every third frame of
 * a GRID clip (120 ms apart), cut the way the widget cuts frames (a square about the face, scaled to
 * FRAME_LIMITS.side) and played forwards then backwards, so the motion never jumps. It follows no prompt
 * and shows no flash: the flow is what it tests.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { JpegAdapter } from '../../src/adapters/jpeg.adapter';
import type { CapturedFrame, FrameSource } from '../../src/liveness/client/frame-source';
import { cropResize } from '../../src/liveness/rgb-image';
import type { PlanStep } from '../../src/protocol/liveness-plan';
import { FRAME_LIMITS } from '../../src/protocol/liveness-plan';

const CLIP_DIR = path.resolve('test/fixtures/live-faces/grid/bbaf2n');

export class LiveClipSource implements FrameSource {
  readonly frames: Uint8Array[];

  /** `gapMs` between frames; `quality` of the JPEGs (about 4 KB a frame at 60, inside the attempt budget). */
  constructor(
    private readonly gapMs = 125,
    quality = 60,
  ) {
    const jpeg = new JpegAdapter();
    const files = fs
      .readdirSync(CLIP_DIR)
      .filter((file) => file.endsWith('.jpg'))
      .sort();
    this.frames = files.map((file) => {
      const image = jpeg.decode(fs.readFileSync(path.join(CLIP_DIR, file)));
      // The speaker sits in the middle of the 360×288 frame: the largest centred square holds the
      // face with the context the widget keeps about it.
      const side = Math.min(image.width, image.height);
      const rect = { x: (image.width - side) / 2, y: 0, w: side, h: side };
      return jpeg.encode(cropResize(image, rect, FRAME_LIMITS.side, FRAME_LIMITS.side), quality);
    });
  }

  /** The k-th frame played: 0, 1, …, last, last − 1, …, 1, 0, 1, … */
  frameAt(k: number): Uint8Array {
    const period = 2 * (this.frames.length - 1);
    const phase = k % period;
    return this.frames[phase < this.frames.length ? phase : period - phase];
  }

  capture(step: PlanStep): Promise<CapturedFrame[]> {
    const out: CapturedFrame[] = [];
    for (let t = 0, k = 0; t <= step.durationMs; t += this.gapMs, k++) {
      out.push({ t, jpeg: this.frameAt(k) });
    }
    return Promise.resolve(out);
  }
}
