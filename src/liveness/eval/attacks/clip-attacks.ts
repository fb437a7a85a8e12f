/**
 * Attacks from real recordings of people: (g) a real person's video that ignores the prompts and the
 * flashes, and (h) face-swap frames, a second person's face region blended over the first person's real
 * clip frame by frame.
 */
import type { JpegAdapter } from '../../../adapters/jpeg.adapter';
import type { PlanStep } from '../../../protocol/liveness-plan';
import type { CapturedFrame, FrameSource, StepContext } from '../../client/frame-source';
import type { PixelRect, RgbImage } from '../../rgb-image';
import { meanColour } from '../../rgb-image';
import type { FaceClip } from './faces';
import { FRAME_SIDE, FrameEncoder } from './frame-encoder';
import { addNoise, frameRect, regionWeight, renderFrame } from './raster';
import { frameTimes, uniform } from './timeline';

/** The clip's frame at `ms` into the playback, played forwards then backwards so it never jumps. */
export function clipFrame(clip: FaceClip, ms: number): RgbImage {
  const n = clip.frames.length;
  const index = Math.floor((ms * clip.fps) / 1000) % (2 * n - 2);
  return clip.frames[index < n ? index : 2 * n - 2 - index];
}

abstract class ClipAttack implements FrameSource {
  /** Where playback stands at the start of each step, per attempt: the video runs on regardless of steps. */
  private readonly offsets = new Map<string, number>();
  private readonly encoder: FrameEncoder;

  constructor(
    jpeg: JpegAdapter,
    private readonly seed: string,
  ) {
    this.encoder = new FrameEncoder(jpeg);
  }

  capture(step: PlanStep, context: StepContext): Promise<CapturedFrame[]> {
    const random = uniform(`${this.seed}/${context.attempt}/${step.index}`);
    const start = this.offsets.get(context.attempt) ?? Math.floor(random() * 3000);
    this.offsets.set(context.attempt, start + step.durationMs);
    const frames = frameTimes(step.durationMs, random).map((t) => {
      const frame = this.render(start + t, context);
      addNoise(frame, random);
      return { t, jpeg: this.encoder.encode(frame) };
    });
    return Promise.resolve(frames);
  }

  protected abstract render(ms: number, context: StepContext): RgbImage;
}

export class RealVideoAttack extends ClipAttack {
  constructor(
    jpeg: JpegAdapter,
    private readonly clips: readonly FaceClip[],
    seed: string,
  ) {
    super(jpeg, seed);
  }

  protected render(ms: number, context: StepContext): RgbImage {
    const clip = this.clips[context.attemptNumber % this.clips.length];
    const image = clipFrame(clip, ms);
    return renderFrame(image, frameRect(image, clip.face), FRAME_SIDE);
  }
}

export class FaceSwapAttack extends ClipAttack {
  constructor(
    jpeg: JpegAdapter,
    private readonly base: FaceClip,
    private readonly donor: FaceClip,
    seed: string,
  ) {
    super(jpeg, seed);
  }

  protected render(ms: number): RgbImage {
    const swapped = swapFace(clipFrame(this.base, ms), this.base.face, clipFrame(this.donor, ms), this.donor.face);
    return renderFrame(swapped, frameRect(swapped, this.base.face), FRAME_SIDE);
  }
}

/**
 * The donor's face, scaled from its box onto the target's box, colour-matched to the target's face (mean per
 * channel) and blended in with a feathered oval: what a face-swap model's output compositing does.
 */
export function swapFace(target: RgbImage, targetFace: PixelRect, donor: RgbImage, donorFace: PixelRect): RgbImage {
  const out: RgbImage = { width: target.width, height: target.height, data: target.data.slice() };
  const inner = (f: PixelRect): PixelRect => ({ x: f.x + f.w * 0.2, y: f.y + f.h * 0.25, w: f.w * 0.6, h: f.h * 0.55 });
  const targetMean = meanColour(target, inner(targetFace));
  const donorMean = meanColour(donor, inner(donorFace));
  const kx = donorFace.w / targetFace.w;
  const ky = donorFace.h / targetFace.h;
  // The oval's feathered edge reaches 10 % past the box on every side.
  const x0 = Math.max(0, Math.floor(targetFace.x - targetFace.w * 0.1));
  const y0 = Math.max(0, Math.floor(targetFace.y - targetFace.h * 0.1));
  const x1 = Math.min(target.width, Math.ceil(targetFace.x + targetFace.w * 1.1));
  const y1 = Math.min(target.height, Math.ceil(targetFace.y + targetFace.h * 1.1));
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      // Feathered: full inside the face oval, fading to the target over its edge.
      const alpha = regionWeight(targetFace, x, y).face;
      if (alpha <= 0) continue;
      const sx = Math.min(donor.width - 1, Math.max(0, Math.round(donorFace.x + (x - targetFace.x) * kx)));
      const sy = Math.min(donor.height - 1, Math.max(0, Math.round(donorFace.y + (y - targetFace.y) * ky)));
      const s = (sy * donor.width + sx) * 3;
      const d = (y * target.width + x) * 3;
      for (let c = 0; c < 3; c++) {
        const matched = donor.data[s + c] - donorMean[c] + targetMean[c];
        const value = out.data[d + c] * (1 - alpha) + matched * alpha;
        out.data[d + c] = Math.max(0, Math.min(255, Math.round(value)));
      }
    }
  }
  return out;
}
