/**
 * Synthetic liveness attempts built from real face photos, for tests and the development set
 * (docs/liveness.md, "Evaluation"). A cooperative live attempt is modelled as the face photo under small
 * head movements, lit by each flash as a reflectance tint (added light proportional to the skin's own
 * colour, strongest on the face and fading towards the background), with frame summaries that follow the
 * prompts. Attacks change exactly one thing each: no reflectance, another challenge's script, a tint
 * painted over the whole crop, or a spoof photo as the source.
 */
import type { JpegAdapter } from '../../adapters/jpeg.adapter';
import type { FrameSummary, LivenessCrop, LivenessEvidence, LivenessScript } from '../../protocol/liveness';
import { CROP_CONTEXT, LIVENESS_VERSION, deriveLivenessScript } from '../../protocol/liveness';
import { Xoshiro128StarStar } from '../../protocol/prng';
import type { PixelRect, RgbImage } from '../rgb-image';
import { cropResize } from '../rgb-image';

export const CROP_SIDE = 224;

export interface SynthesisOptions {
  /** The script the frame summaries follow (default: the evidence's own). */
  promptsFrom?: LivenessScript;
  /** The script whose flashes light the crops, or null for no reflectance (default: the evidence's own). */
  flashesFrom?: LivenessScript | null;
  /** 'reflect' = light on the face fading outwards; 'paint' = the flash colour laid evenly over the crop. */
  tint?: 'reflect' | 'paint';
  /** Strength of the added light (0.2 ≈ a bright screen 40 cm from the face in a dim room). */
  strength?: number;
  /** Small affine warps (rotation, shear) of the whole picture per crop, as a photo held by hand. */
  warp?: boolean;
  /** Seed of the jitter (pose, noise): 32 hex characters. */
  jitterSeed?: string;
}

/** A PRNG in [0, 1) from a seed, for jitter only (never for anything a verifier recomputes). */
function uniform(seed: string, stream: number): () => number {
  const rng = Xoshiro128StarStar.forInput(seed, stream);
  return () => rng.nextUint32() / 2 ** 32;
}

/** Frame summaries at ~15 fps that follow `script`'s prompts (or perform nothing when `follow` is false). */
export function synthFrames(
  script: LivenessScript,
  follow: boolean,
  random: () => number,
  durationMs = script.durationMs,
): FrameSummary[] {
  const frames: FrameSummary[] = [];
  const noise = (scale: number) => (random() - 0.5) * 2 * scale;
  for (let t = 0; t <= durationMs; t += 66) {
    const frame: FrameSummary = {
      t,
      yaw: noise(3),
      pitch: noise(3),
      roll: noise(2),
      blink: 0.05 + random() * 0.1,
      smile: 0.05 + random() * 0.1,
      jawOpen: 0.02 + random() * 0.08,
      box: { x: 0.35 + noise(0.01), y: 0.3 + noise(0.01), w: 0.3, h: 0.4 },
    };
    const prompt = follow ? script.prompts.find((p) => t >= p.start + 600 && t <= p.start + 1600) : undefined;
    if (prompt) {
      const strong = 0.7 + random() * 0.2;
      if (prompt.action === 'turn-left') frame.yaw = 28 + noise(4);
      if (prompt.action === 'turn-right') frame.yaw = -28 + noise(4);
      if (prompt.action === 'look-up') frame.pitch = 22 + noise(3);
      if (prompt.action === 'blink') frame.blink = strong;
      if (prompt.action === 'smile') frame.smile = strong;
      if (prompt.action === 'open-mouth') frame.jawOpen = strong;
    }
    frames.push(frame);
  }
  return frames;
}

/** One crop: the square of CROP_CONTEXT face sides about the face, moved by the pose jitter, lit by `rgb`. */
export function synthCrop(
  image: RgbImage,
  face: PixelRect,
  rgb: readonly [number, number, number] | null,
  options: Required<Pick<SynthesisOptions, 'tint' | 'strength' | 'warp'>>,
  random: () => number,
): { image: RgbImage; box: LivenessCrop['box'] } {
  const side = Math.max(face.w, face.h) * CROP_CONTEXT * (1 + (random() - 0.5) * 0.1);
  const cx = face.x + face.w / 2 + (random() - 0.5) * face.w * 0.08;
  const cy = face.y + face.h / 2 + (random() - 0.5) * face.h * 0.08;
  const rect = { x: cx - side / 2, y: cy - side / 2, w: side, h: side };
  let crop = cropResize(image, rect, CROP_SIDE, CROP_SIDE);
  if (options.warp) crop = affine(crop, (random() - 0.5) * 0.12, (random() - 0.5) * 0.1);
  const scale = CROP_SIDE / side;
  const box = {
    x: clampUnit(((face.x - rect.x) * scale) / CROP_SIDE),
    y: clampUnit(((face.y - rect.y) * scale) / CROP_SIDE),
    w: clampUnit((face.w * scale) / CROP_SIDE),
    h: clampUnit((face.h * scale) / CROP_SIDE),
  };
  if (rgb) tint(crop, box, rgb, options, random);
  return { image: crop, box };
}

const clampUnit = (v: number) => Math.min(1, Math.max(0.001, v));

function tint(
  crop: RgbImage,
  box: LivenessCrop['box'],
  rgb: readonly [number, number, number],
  options: { tint: 'reflect' | 'paint'; strength: number },
  random: () => number,
): void {
  const { width: w, height: h, data } = crop;
  const fx = (box.x + box.w / 2) * w;
  const fy = (box.y + box.h / 2) * h;
  const radius = Math.max(box.w * w, box.h * h) * 0.6;
  const strength = options.strength * (0.8 + random() * 0.4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const d2 = ((x - fx) ** 2 + (y - fy) ** 2) / radius ** 2;
      // Near light falls off with distance; the background (a wall behind) gets a small share.
      const weight = options.tint === 'paint' ? 1 : 0.15 + 0.85 * Math.exp(-d2);
      const p = (y * w + x) * 3;
      for (let c = 0; c < 3; c++) {
        const lit = options.tint === 'paint' ? rgb[c] * 0.5 : data[p + c] * (rgb[c] / 255) * 1.5;
        data[p + c] = Math.min(255, Math.round(data[p + c] + strength * weight * lit));
      }
    }
  }
}

/** A rotation by `angle` radians and a horizontal shear about the centre (edge pixels extended). */
function affine(image: RgbImage, angle: number, shear: number): RgbImage {
  const { width: w, height: h } = image;
  const out = new Uint8Array(image.data.length);
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const dx = x - w / 2;
      const dy = y - h / 2;
      const sx = Math.round(cos * dx + sin * dy + shear * dy + w / 2);
      const sy = Math.round(-sin * dx + cos * dy + h / 2);
      const s = (Math.min(h - 1, Math.max(0, sy)) * w + Math.min(w - 1, Math.max(0, sx))) * 3;
      const d = (y * w + x) * 3;
      out[d] = image.data[s];
      out[d + 1] = image.data[s + 1];
      out[d + 2] = image.data[s + 2];
    }
  }
  return { width: w, height: h, data: out };
}

/** A complete attempt for `nonce` from one face photo and its face box. */
export function synthEvidence(
  jpeg: JpegAdapter,
  image: RgbImage,
  face: PixelRect,
  nonce: string,
  options: SynthesisOptions = {},
): LivenessEvidence {
  const script = deriveLivenessScript(nonce);
  const promptsFrom = options.promptsFrom ?? script;
  const flashesFrom = options.flashesFrom === undefined ? script : options.flashesFrom;
  const random = uniform(options.jitterSeed ?? nonce, 7);
  const settings = { tint: options.tint ?? 'reflect', strength: options.strength ?? 0.2, warp: options.warp ?? false };
  const frames = synthFrames(promptsFrom, true, random, script.durationMs);
  const crops: LivenessCrop[] = script.captures.map((capture) => {
    // What lit the face at that moment: the flash of the lighting script then on screen, if any.
    const lit = flashesFrom?.flashes.find((flash) => capture.t >= flash.start && capture.t < flash.end);
    const made = synthCrop(image, face, lit ? lit.rgb : null, settings, random);
    return {
      t: capture.t,
      flashIndex: capture.flashIndex,
      width: CROP_SIDE,
      height: CROP_SIDE,
      box: made.box,
      jpeg: Buffer.from(jpeg.encode(made.image, 85)).toString('base64'),
    };
  });
  return { version: LIVENESS_VERSION, nonce, frames, crops };
}
