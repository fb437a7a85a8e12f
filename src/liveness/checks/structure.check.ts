/** Check (a): the evidence is well formed, bound to this challenge, timed as its script says, and every crop
 * really is a JPEG of the size it claims. */
import type { JpegAdapter } from '../../adapters/jpeg.adapter';
import type { LivenessEvidence, LivenessScript } from '../../protocol/liveness';
import { EVIDENCE_LIMITS } from '../../protocol/liveness';
import type { CheckResult } from '../check-result';
import type { RgbImage } from '../rgb-image';

/** Shared with the widget, which replays a take it knows would fail these (src/protocol/liveness-script.ts). */
export const CAPTURE_TOLERANCE_MS = EVIDENCE_LIMITS.captureToleranceMs;
export const MAX_FRAME_GAP_MS = EVIDENCE_LIMITS.maxFrameGapMs;
/** Faster than 60 frames a second is not a webcam. */
export const MIN_FRAME_INTERVAL_MS = 1000 / 60;

export interface StructureOutcome {
  result: CheckResult;
  /** The decoded crops, index for index; only when the check passed. */
  images: RgbImage[];
}

export function checkStructure(
  evidence: LivenessEvidence,
  script: LivenessScript,
  expectedNonce: string,
  jpeg: JpegAdapter,
): StructureOutcome {
  const reasons = new Set<string>();
  if (evidence.nonce !== expectedNonce) reasons.add('nonce-mismatch');

  const frames = evidence.frames;
  for (let i = 1; i < frames.length; i++) {
    if (frames[i].t <= frames[i - 1].t) reasons.add('timestamps-not-increasing');
    else if (frames[i].t - frames[i - 1].t > MAX_FRAME_GAP_MS) reasons.add('frame-gap-too-long');
  }
  const first = frames[0].t;
  const last = frames[frames.length - 1].t;
  if (first > script.prompts[0].start) reasons.add('frames-start-late');
  if (last < script.captures[script.captures.length - 1].t) reasons.add('frames-end-early');
  if (last > script.durationMs + 1000) reasons.add('duration-implausible');
  if (frames.length > 1 && (last - first) / (frames.length - 1) < MIN_FRAME_INTERVAL_MS) {
    reasons.add('frame-rate-implausible');
  }

  if (evidence.crops.length !== script.captures.length) reasons.add('crop-count-mismatch');
  evidence.crops.forEach((crop, index) => {
    const planned = script.captures[index];
    if (!planned) return;
    if (Math.abs(crop.t - planned.t) > CAPTURE_TOLERANCE_MS) reasons.add('crop-time-mismatch');
    if (crop.flashIndex !== planned.flashIndex) reasons.add('crop-flash-mismatch');
  });

  const images: RgbImage[] = [];
  for (const crop of evidence.crops) {
    const bytes = Buffer.from(crop.jpeg, 'base64');
    if (bytes.length > EVIDENCE_LIMITS.maxCropBytes || !jpeg.isJpeg(bytes)) {
      reasons.add('crop-not-jpeg');
      continue;
    }
    try {
      // A crop is at most 320×320: refuse anything bigger before allocating for it.
      const image = jpeg.decode(bytes, { maxMegapixels: 0.11, maxMemoryMb: 16 });
      if (image.width !== crop.width || image.height !== crop.height) reasons.add('crop-size-mismatch');
      images.push(image);
    } catch {
      reasons.add('crop-not-jpeg');
    }
  }

  const passed = reasons.size === 0;
  return {
    result: { score: passed ? 1 : 0, status: passed ? 'pass' : 'fail', reasons: [...reasons] },
    images: passed ? images : [],
  };
}
