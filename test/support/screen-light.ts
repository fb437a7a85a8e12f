/**
 * A physically based stand-in for a person lit by the widget's screen flashes, for tests of the flash check.
 *
 * TIER (i) STAND-IN, GENUINE CLASS ONLY. No real recording of a person lit by a screen flash exists in this
 * repository, so the genuine class of the flash tests starts from real frames of real people (GRID, CC BY 4.0,
 * test/fixtures/live-faces) and adds light to them. It is itself an attack of the documented tier (i) kind (a
 * recording relit offline), and it passes only because it models the physics the check looks for:
 * - light multiplies albedo, in linear light (sRGB decoded, lit, encoded again);
 * - it falls off with an approximate depth map built from the face box: face strongest (its sides turn away),
 *   the ring of hair, ears and neck weaker, shoulders and chest moderate, the wall behind almost nothing;
 * - the camera sees the screen late (onset latency), averages it over an exposure window (frames at a change
 *   show a blend), dims the frame a little as the face brightens (auto-exposure, lagging), adds sensor noise
 *   and compresses to JPEG as the widget does; the display primaries leak into the other camera channels.
 * Limits: no geometry beyond an ellipse (no nose shadow, no specular highlights on skin, no subsurface
 * scattering), one ambient colour, no white balance drift, GRID's studio lighting and mostly light skin. Real
 * recordings under a screen flash must replace it before the thresholds can be called validated.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { JpegAdapter } from '../../src/adapters/jpeg.adapter';
import type { AnalysedFrame, FaceDetection } from '../../src/liveness/analysis/face-analyzer';
import type { LivenessModelRunner } from '../../src/liveness/liveness-models';
import { cutWidgetFrame } from '../../src/liveness/eval/passive-samples';
import { SRGB_TO_LINEAR } from '../../src/liveness/checks/flash-regions';
import type { FlashStep } from '../../src/protocol/liveness-plan';
import { flashWindows } from '../../src/protocol/liveness-plan';
import type { RgbImage } from '../../src/liveness/rgb-image';

export const LIVE_FACES_DIR = path.resolve('test/fixtures/live-faces');
/** The copied GRID frames are every third of a 25 frames/s clip. */
export const CLIP_FRAME_MS = 120;

/** One real, unlit widget frame and what the server's detector found in it. */
export interface SourceFrame {
  image: RgbImage;
  face: FaceDetection;
}

/** The widget frames of a copied clip (in order), cut about the face the real UltraFace detector finds. */
export async function loadLiveClip(runner: LivenessModelRunner, clip: string): Promise<SourceFrame[]> {
  const jpeg = new JpegAdapter();
  const dir = path.join(LIVE_FACES_DIR, clip);
  const out: SourceFrame[] = [];
  for (const file of fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.jpg'))
    .sort()) {
    const cut = await cutWidgetFrame(runner, jpeg, jpeg.decode(fs.readFileSync(path.join(dir, file))));
    if (!cut) throw new Error(`no face in ${clip}/${file}`);
    const { x, y, w, h, score } = cut.frame.face;
    // UltraFace has no landmarks: the check places eyes and mouth from the box when points are absent.
    out.push({ image: cut.frame.image, face: { box: { x, y, w, h }, score, points: [] } });
  }
  return out;
}

export interface LightOptions {
  /** Screen-to-camera onset latency (ms). */
  latencyMs: number;
  exposureMs: number;
  fps: number;
  /** Frame-time jitter, ± ms. */
  jitterMs: number;
  /** Sensor noise, standard deviation in sRGB levels. */
  noise: number;
  /** Screen irradiance on the face over the ambient's, for a full channel (0.1 a bright room, 0.5 a dim one). */
  screenGain: number;
  /** Leak of each display primary into the other two camera channels. */
  crossTalk: number;
  /** Share of the face's brightening that auto-exposure takes back (lagging, time constant 400 ms). */
  autoExposure: number;
  jpegQuality: number;
  seed: number;
  /** What lights the frames: the screen (genuine), or a painted tint (attacks). */
  light: 'screen' | 'face-only-add' | 'face-only-mult' | 'whole-add' | 'whole-mult' | 'none';
  /** Frames from a single source frame (a photo) instead of the clip. */
  still?: boolean;
  /** The screen shows each colour change up to this much late (a busy page paints every ~100 ms). */
  paintLateMs?: number;
  /**
   * Exposure over the clip's (linear), before any light or tint: above ~1.5, bright skin clips in red, as on an
   * overexposed webcam.
   */
  overexposure?: number;
}

export const DEFAULT_LIGHT: LightOptions = {
  latencyMs: 150,
  exposureMs: 25,
  fps: 10,
  jitterMs: 15,
  noise: 2,
  screenGain: 0.25,
  crossTalk: 0.12,
  autoExposure: 0.3,
  jpegQuality: 70,
  seed: 1,
  light: 'screen',
};

/** Deterministic PRNG (mulberry32) and a Gaussian from it. */
export function prng(seed: number): { next: () => number; gauss: () => number; noise: () => number } {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const gauss = () => Math.sqrt(-2 * Math.log(next() + 1e-12)) * Math.cos(2 * Math.PI * next());
  // Sensor noise draws from a table of Gaussians at a random offset per frame: a draw per pixel is too slow.
  const table = Float32Array.from({ length: 1 << 16 }, gauss);
  let offset = 0;
  const noise = () => table[(offset = (offset + 7919) & 0xffff)];
  return { next, gauss, noise };
}

/** Capture times of a step: the first within 50 ms, then 1000/fps ± jitter, through the step's end. */
export function frameTimes(durationMs: number, fps: number, jitterMs: number, next: () => number): number[] {
  const times: number[] = [];
  for (let t = Math.round(next() * 50); t <= durationMs;) {
    times.push(t);
    t += Math.max(30, Math.round(1000 / fps + (next() * 2 - 1) * jitterMs));
  }
  return times;
}

/** The screen colour (0..1) averaged over [from, to] of the step clock. */
function screenOver(step: FlashStep, from: number, to: number): number[] {
  const out = [0, 0, 0];
  flashWindows(step).forEach((w, i) => {
    const overlap = Math.min(to, w.end) - Math.max(from, w.start);
    if (overlap > 0) for (let c = 0; c < 3; c++) out[c] += (overlap / (to - from)) * (step.flashes[i].rgb[c] / 255);
  });
  return out;
}

/**
 * Approximate relative screen irradiance per pixel from the face box: an ellipsoid face (1 at the centre,
 * less where it turns away), hair/ears/neck falling off over about half a face width, shoulders and chest below
 * the chin (about 10 cm behind the face), the wall at a metre or more (inverse square: almost nothing).
 */
export function depthWeights(image: RgbImage, box: { x: number; y: number; w: number; h: number }): Float32Array {
  const w = new Float32Array(image.width * image.height);
  const cx = box.x + box.w / 2;
  const cy = box.y + box.h / 2;
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      const dx = (x + 0.5 - cx) / (box.w / 2);
      const dy = (y + 0.5 - cy) / (box.h / 2);
      const rho = Math.sqrt(dx * dx + dy * dy);
      let v = rho <= 1 ? 1 - 0.3 * rho * rho : 0.7 * Math.exp(-(rho - 1) / 0.45);
      if (dy > 1.3 && Math.abs(dx) < 5) v = Math.max(v, 0.3);
      w[y * image.width + x] = Math.max(v, 0.02);
    }
  }
  return w;
}

/** Where a painted tint goes: the face ellipse with a hard edge (1 inside, 0 outside). */
function faceMask(image: RgbImage, box: { x: number; y: number; w: number; h: number }): Float32Array {
  const m = new Float32Array(image.width * image.height);
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      const dx = (x + 0.5 - box.x - box.w / 2) / (box.w / 2);
      const dy = (y + 0.5 - box.y - box.h / 2) / (box.h / 2);
      m[y * image.width + x] = dx * dx + dy * dy <= 1 ? 1 : 0;
    }
  }
  return m;
}

/** Linear light → sRGB level (fractional), through a fine table: a power per channel per pixel is too slow. */
const LINEAR_STEPS = 1 << 14;
const TO_SRGB = Float32Array.from({ length: LINEAR_STEPS + 1 }, (_, i) => {
  const v = i / LINEAR_STEPS;
  return 255 * (v <= 0.0031308 ? 12.92 * v : 1.055 * v ** (1 / 2.4) - 0.055);
});
const linearToSrgb = (v: number) => (v >= 1 ? 255 + (v - 1) * 255 : TO_SRGB[Math.round(Math.max(0, v) * LINEAR_STEPS)]);
const weightCache = new WeakMap<RgbImage, Float32Array>();
const maskCache = new WeakMap<RgbImage, Float32Array>();
const cached = (cache: WeakMap<RgbImage, Float32Array>, image: RgbImage, make: () => Float32Array) => {
  let value = cache.get(image);
  if (!value) cache.set(image, (value = make()));
  return value;
};

/**
 * One frame's light as per-channel factors, so the per-pixel loop holds no branch on the mode: multiplicative
 * modes scale linear light by (1 + weight·gain[c])·exposure, additive ones add weight·gain[c] to the level.
 */
interface LightModel {
  multiplicative: boolean;
  /** Whether the pixel's weight (face depth or face mask) scales the light; else every pixel gets all of it. */
  weighted: boolean;
  gain: [number, number, number];
  exposure: number;
}

function lightModel(o: LightOptions, raw: readonly number[], screen: readonly number[], exposure: number): LightModel {
  const scaled = (values: readonly number[], k: number) => values.map((v) => v * k) as [number, number, number];
  const over = o.overexposure ?? 1;
  switch (o.light) {
    case 'screen':
      return { multiplicative: true, weighted: true, gain: scaled(screen, o.screenGain), exposure };
    case 'face-only-mult':
      return { multiplicative: true, weighted: true, gain: scaled(raw, o.screenGain), exposure: over };
    case 'whole-mult':
      return { multiplicative: true, weighted: false, gain: scaled(raw, o.screenGain), exposure: over };
    case 'face-only-add':
      return { multiplicative: false, weighted: true, gain: scaled(raw, 240 * o.screenGain), exposure: over };
    case 'whole-add':
      return { multiplicative: false, weighted: false, gain: scaled(raw, 240 * o.screenGain), exposure: over };
    default:
      return { multiplicative: false, weighted: false, gain: [0, 0, 0], exposure: over };
  }
}

function renderLight(
  source: Uint8Array,
  weights: Float32Array,
  model: LightModel,
  noise: number,
  nextNoise: () => number,
): Uint8Array {
  const out = new Uint8Array(source.length);
  const { multiplicative, weighted, gain, exposure } = model;
  for (let p = 0; p < weights.length; p++) {
    const weight = weighted ? weights[p] : 1;
    for (let c = 0; c < 3; c++) {
      const v = source[p * 3 + c];
      const s = multiplicative
        ? linearToSrgb(SRGB_TO_LINEAR[v] * (1 + weight * gain[c]) * exposure)
        : (exposure === 1 ? v : linearToSrgb(SRGB_TO_LINEAR[v] * exposure)) + weight * gain[c];
      const level = Math.round(s + noise * nextNoise());
      out[p * 3 + c] = level < 0 ? 0 : level > 255 ? 255 : level;
    }
  }
  return out;
}

/** `step` as a busy page shows it: every colour change painted late by 0…`lateMs`, drawn per change. */
function paintedLate(step: FlashStep, lateMs: number, next: () => number): FlashStep {
  const windows = flashWindows(step);
  const changes = windows.map((w) => w.start + next() * lateMs);
  const end = windows[windows.length - 1].end + next() * lateMs;
  const flashes = step.flashes.map((flash, i) => ({ ...flash, durationMs: (changes[i + 1] ?? end) - changes[i] }));
  return { ...step, leadMs: changes[0], flashes };
}

/**
 * The frames a client would send for `step`, lit as `options.light` says. `schedule` is the step whose colours
 * light the frames (the revealed one, or another for the wrong-order attack).
 */
export async function simulateFlashStep(
  clip: readonly SourceFrame[],
  schedule: FlashStep,
  options: Partial<LightOptions> = {},
): Promise<AnalysedFrame[]> {
  const o = { ...DEFAULT_LIGHT, ...options };
  const rng = prng(o.seed);
  const jpeg = new JpegAdapter();
  const times = frameTimes(schedule.durationMs, o.fps, o.jitterMs, rng.next);
  const shown = o.paintLateMs ? paintedLate(schedule, o.paintLateMs, rng.next) : schedule;
  let adapted = 0;
  let lastT = 0;
  const rendered = times.map((t, i) => {
    const k = Math.round(t / CLIP_FRAME_MS) % (2 * clip.length - 2);
    const source = o.still ? clip[0] : clip[k < clip.length ? k : 2 * clip.length - 2 - k];
    const { image, face } = source;
    const raw = screenOver(shown, t - o.latencyMs - o.exposureMs, t - o.latencyMs);
    const screen = raw.map((v) => v + o.crossTalk * (raw[0] + raw[1] + raw[2] - v) * 0.5);
    // Auto-exposure follows the face's mean brightening with a lag, taking back part of it.
    const brightening = (o.screenGain * (screen[0] + screen[1] + screen[2])) / 3;
    adapted += (brightening - adapted) * (1 - Math.exp(-(t - lastT) / 400));
    lastT = t;
    const exposure = (o.overexposure ?? 1) / (1 + o.autoExposure * adapted);
    const weights =
      o.light === 'screen'
        ? cached(weightCache, image, () => depthWeights(image, face.box))
        : cached(maskCache, image, () => faceMask(image, face.box));
    const out = renderLight(image.data, weights, lightModel(o, raw, screen, exposure), o.noise, rng.noise);
    return { i, t, image: { width: image.width, height: image.height, data: out }, face };
  });
  // Through a JPEG encoder and decoder, as a frame travels from the widget to the server.
  return Promise.all(
    rendered.map(async ({ image, ...frame }) => {
      const lit = await jpeg.decodeFrame(await jpeg.encodeFrame(image, o.jpegQuality), image.width * image.height);
      return { ...frame, image: lit, faces: 1 };
    }),
  );
}
