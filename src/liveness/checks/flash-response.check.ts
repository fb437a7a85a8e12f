/**
 * Liveness v2 flash check (docs/liveness-flash.md): does the face reflect the flash colours the service
 * revealed, with the physics of a screen lighting a face from close by?
 *
 * - Timing: the response follows the revealed sequence with one common onset delay, searched over the frames
 *   (no frame is needed at a scheduled instant). The delay must be one a camera could produce.
 * - Colour: each channel of the skin responds to the same channel of the screen more than to the others.
 * - Albedo: light multiplies reflectance, so dark parts of the face (brows, eyes, shadows) gain the same
 *   share of their own level as bright skin; a painted additive tint lifts dark pixels by a larger share.
 * - Falloff: the face is nearer the screen than hair, ears and neck, which are much nearer than the wall.
 *   A tint inside the face outline leaves the ring unlit; a tint over the whole frame lights the wall.
 */
import type { FlashStep } from '../../protocol/liveness-plan';
import { flashWindows } from '../../protocol/liveness-plan';
import type { AnalysedFrame } from '../analysis/face-analyzer';
import type { CheckResult } from '../check-result';
import { clamp01, unavailable } from '../check-result';
import type { FrameColour } from './flash-regions';
import { frameColour } from './flash-regions';

export const FLASH_THRESHOLDS = {
  /** Frames with one face needed to judge (a 10 frames/s step of 2.5–4.6 s has 25–46). */
  minFrames: 12,
  /** Delays searched (ms, step clock): wide, so that a far-off onset is found and named, not missed. */
  searchFromMs: -300,
  searchToMs: 2500,
  searchStepMs: 5,
  /** Exposure assumed by the model: a frame averages the screen over this much time before its instant. */
  exposureMs: 20,
  /**
   * Frames whose exposure lies within this much of a colour change (at the found onset) are left out of the
   * fit and the colour direction: a busy page paints every ~100 ms, so the screen changes colour up to a paint
   * late, and which colour such a frame saw is decided by the paint, not the face.
   */
  boundaryMs: 80,
  /** Plausible onset delay of camera + display + capture timestamps (ms). */
  onsetMinMs: 25,
  onsetMaxMs: 450,
  /** Share of the skin's frame-to-frame variance that the revealed sequence must explain. */
  minFit: 0.75,
  /** Least relative change of linear skin light (mean of the lit channels' gains). */
  minResponse: 0.02,
  /** Skin variation (relative) above which a poor fit means "something flashed, not this sequence". */
  orderVariation: 0.03,
  /** Own-channel gain over cross-channel gain, each lit channel of the skin. */
  minDirection: 1.5,
  /** Ring gain over skin gain: below it, the light stopped at the face outline. */
  minRing: 0.12,
  /** Far background gain over skin gain: above it, the whole frame was tinted. */
  maxFar: 0.3,
  /** Relative gain of the face's dark quantile over its bright one: above it, the tint was added. */
  maxAlbedoRatio: 1.5,
  /**
   * A bright quantile at or above this linear level (sRGB 250) is clipped by the sensor and cannot gain: such
   * a channel says nothing about albedo (skin under a red flash often clips in red).
   */
  clipLevel: 0.955,
} as const;

export interface RegionFit {
  /** Unlit level per channel (linear). */
  base: [number, number, number];
  /** Per channel: response to the screen's own channel, and to the mean of the two others (linear). */
  own: [number, number, number];
  cross: [number, number, number];
  sse: number;
  sst: number;
}

export interface FlashMeasurement {
  frames: number;
  onsetMs: number;
  fit: number;
  /** Relative variation of the skin (std over frames / median), mean over channels. */
  variation: number;
  /** Channels the sequence both lit and left unlit over the frames (the ones gains are read on). */
  channels: number[];
  /** Relative gain of the skin (weighted over those channels). */
  skin: number;
  /** The ring's gain beyond the far background's, over the skin's beyond it (the background cancels exposure). */
  ring: number;
  /** The far background's gain over the skin's; null when the face fills the crop. */
  far: number | null;
  /** Least own/cross ratio over the lit channels of the skin. */
  direction: number;
  /** Relative gain of the face's dark quantile over its bright quantile, on the lit channels that never clip. */
  albedoRatio: number;
}

interface Series {
  t: number[];
  colour: FrameColour[];
}

interface Window {
  start: number;
  end: number;
  rgb: number[];
}

/** The revealed schedule: when each colour is on (step clock), with its colour as 0..1 per channel. */
function schedule(step: FlashStep): Window[] {
  return flashWindows(step).map((w, i) => ({
    start: w.start,
    end: w.end,
    rgb: step.flashes[i].rgb.map((v) => v / 255),
  }));
}

/** The screen colour (0..1 per channel) averaged over each frame's exposure, for one onset delay. */
function expected(windows: readonly Window[], times: readonly number[], delay: number, exposure: number): number[][] {
  return times.map((t) => {
    const end = t - delay;
    const start = end - exposure;
    const out = [0, 0, 0];
    for (const w of windows) {
      const overlap = Math.min(end, w.end) - Math.max(start, w.start);
      if (overlap <= 0) continue;
      for (let c = 0; c < 3; c++) out[c] += (overlap / exposure) * w.rgb[c];
    }
    return out;
  });
}

/** Least squares y ≈ base + own·a + cross·b (3 × 3 normal equations, a whisper of ridge on the gains). */
function fitChannel(y: readonly number[], a: readonly number[], b: readonly number[]) {
  const n = y.length;
  const m = [
    [n, 0, 0],
    [0, 0, 0],
    [0, 0, 0],
  ];
  const v = [0, 0, 0];
  for (let i = 0; i < n; i++) {
    const x = [1, a[i], b[i]];
    for (let r = 0; r < 3; r++) {
      v[r] += x[r] * y[i];
      for (let c = r; c < 3; c++) if (r > 0 || c > 0) m[r][c] += x[r] * x[c];
    }
  }
  for (let r = 1; r < 3; r++) for (let c = 0; c < r; c++) m[r][c] = m[c][r];
  m[1][1] += 1e-4 * n;
  m[2][2] += 1e-4 * n;
  const [base, own, cross] = solve3(m, v);
  const mean = v[0] / n;
  let sse = 0;
  let sst = 0;
  for (let i = 0; i < n; i++) {
    sse += (y[i] - base - own * a[i] - cross * b[i]) ** 2;
    sst += (y[i] - mean) ** 2;
  }
  return { base, own, cross, sse, sst };
}

function solve3(m: number[][], v: number[]): [number, number, number] {
  const a = m.map((row, i) => [...row, v[i]]);
  for (let col = 0; col < 3; col++) {
    let pivot = col;
    for (let r = col + 1; r < 3; r++) if (Math.abs(a[r][col]) > Math.abs(a[pivot][col])) pivot = r;
    [a[col], a[pivot]] = [a[pivot], a[col]];
    const p = a[col][col] || 1e-12;
    for (let r = 0; r < 3; r++) {
      if (r === col) continue;
      const f = a[r][col] / p;
      for (let c = col; c < 4; c++) a[r][c] -= f * a[col][c];
    }
  }
  return [a[0][3] / (a[0][0] || 1e-12), a[1][3] / (a[1][1] || 1e-12), a[2][3] / (a[2][2] || 1e-12)];
}

function fitRegion(values: readonly (readonly number[])[], e: readonly number[][]): RegionFit {
  const fit: RegionFit = { base: [0, 0, 0], own: [0, 0, 0], cross: [0, 0, 0], sse: 0, sst: 0 };
  for (let c = 0; c < 3; c++) {
    const own = e.map((x) => x[c]);
    const cross = e.map((x) => (x[0] + x[1] + x[2] - x[c]) / 2);
    const r = fitChannel(
      values.map((x) => x[c]),
      own,
      cross,
    );
    fit.base[c] = r.base;
    fit.own[c] = r.own;
    fit.cross[c] = r.cross;
    fit.sse += r.sse;
    fit.sst += r.sst;
  }
  return fit;
}

const explained = (fit: RegionFit) => (fit.sst <= 0 ? 0 : 1 - fit.sse / fit.sst);

/**
 * Relative gain (own response over unlit level) over `channels`, each weighted by how much the sequence varied
 * it: a channel lit in one short flash says less than one lit in four.
 */
function gain(fit: RegionFit, channels: readonly number[], weights: readonly number[]): number {
  let sum = 0;
  let total = 0;
  for (const c of channels) {
    sum += (weights[c] * fit.own[c]) / Math.max(fit.base[c], 1e-4);
    total += weights[c];
  }
  return total > 0 ? sum / total : 0;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Indices of the frames whose exposure (at `delay`) lies at least `boundaryMs` from every colour change. */
function settledFrames(windows: readonly Window[], times: readonly number[], delay: number): number[] {
  const changes = windows.flatMap((w) => [w.start, w.end]);
  const { exposureMs, boundaryMs } = FLASH_THRESHOLDS;
  const out: number[] = [];
  times.forEach((t, i) => {
    const end = t - delay;
    const near = changes.some((c) => c > end - exposureMs - boundaryMs && c < end + boundaryMs);
    if (!near) out.push(i);
  });
  return out;
}

/** Every measure the verdict reads; null when too few frames show one face. */
export function measureFlashResponse(frames: readonly AnalysedFrame[], step: FlashStep): FlashMeasurement | null {
  const series: Series = { t: [], colour: [] };
  for (const frame of [...frames].sort((a, b) => a.t - b.t)) {
    if (!frame.face) continue;
    series.t.push(frame.t);
    series.colour.push(frameColour(frame.image, frame.face));
  }
  if (series.t.length < FLASH_THRESHOLDS.minFrames) return null;
  const th = FLASH_THRESHOLDS;
  const skin = series.colour.map((f) => f.skin);

  const windows = schedule(step);
  const scan: Array<{ delay: number; fit: number }> = [];
  for (let delay = th.searchFromMs; delay <= th.searchToMs; delay += th.searchStepMs) {
    scan.push({ delay, fit: explained(fitRegion(skin, expected(windows, series.t, delay, th.exposureMs))) });
  }
  const best = scan.reduce((a, b) => (b.fit > a.fit ? b : a));
  // The onset is only known to lie between frames: take the middle of the near-best plateau around the peak.
  const plateau = scan
    .filter((s) => s.fit >= best.fit - 0.002 && Math.abs(s.delay - best.delay) <= 150)
    .map((s) => s.delay);
  const onsetMs = (Math.min(...plateau) + Math.max(...plateau)) / 2;
  const e = expected(windows, series.t, onsetMs, th.exposureMs);
  const channels = [0, 1, 2].filter((c) => e.some((x) => x[c] > 0.5) && e.some((x) => x[c] < 0.5));
  const weights = [0, 1, 2].map((c) => {
    const mean = e.reduce((s, x) => s + x[c], 0) / e.length;
    return e.reduce((s, x) => s + (x[c] - mean) ** 2, 0) / e.length;
  });
  // Whether the face follows this sequence (fit, colour direction) is judged between the colour changes,
  // where the paint's timing cannot decide a frame's colour. Unless those frames never see a lit channel lit,
  // or never unlit: its gain would be undetermined and read as none. A camera that delivers frames unevenly
  // can leave a short colour with frames near its edges only (browser suite: a 300 ms yellow, the one colour
  // that lit green, had none between; three cooperative attempts failed `flash-colour-mismatch` so).
  const settled = settledFrames(windows, series.t, onsetMs);
  const decides =
    settled.length >= th.minFrames &&
    channels.every((c) => settled.some((i) => e[i][c] > 0.5) && settled.some((i) => e[i][c] < 0.5));
  const between = <T>(values: readonly T[]): T[] => (decides ? settled.map((i) => values[i]) : [...values]);
  const timedFit = fitRegion(between(skin), between(e));
  // Ratios of gains use every frame: a frame of the wrong colour dilutes every region's gain alike, and more
  // frames steady the ratio.
  const skinFit = fitRegion(skin, e);
  const ringFit = fitRegion(
    series.colour.map((f) => f.ring),
    e,
  );
  const withFar = series.colour.filter((f) => f.counts.far > 0);
  const farFit =
    withFar.length === series.colour.length
      ? fitRegion(
          series.colour.map((f) => f.far),
          e,
        )
      : null;
  const lowFit = fitRegion(
    series.colour.map((f) => f.low),
    e,
  );
  const highFit = fitRegion(
    series.colour.map((f) => f.high),
    e,
  );
  const skinGain = gain(skinFit, channels, weights);
  const variation =
    [0, 1, 2].reduce((s, c) => {
      const values = skin.map((x) => x[c]);
      const mid = Math.max(median(values), 1e-4);
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      return s + Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length) / mid;
    }, 0) / 3;
  const direction = channels.length
    ? Math.min(...channels.map((c) => timedFit.own[c] / Math.max(Math.abs(timedFit.cross[c]), 1e-4)))
    : 0;
  const safe = Math.abs(skinGain) < 1e-6 ? 1e-6 : skinGain;
  const ringGain = gain(ringFit, channels, weights);
  const farGain = farFit ? gain(farFit, channels, weights) : null;
  // Auto-exposure scales every region alike: the far background's (small, often negative) gain measures it,
  // so the ring is judged on what it gains beyond the background, against what the skin gains beyond it.
  const beyond = (value: number) =>
    farGain === null
      ? value / safe
      : (value - farGain) / (Math.abs(skinGain - farGain) < 1e-6 ? 1e-6 : skinGain - farGain);
  const unclipped = channels.filter((c) => series.colour.every((f) => f.high[c] < th.clipLevel));
  const albedoChannels = unclipped.length > 0 ? unclipped : channels;
  const highGain = gain(highFit, albedoChannels, weights);
  return {
    frames: series.t.length,
    onsetMs,
    fit: explained(timedFit),
    variation,
    channels,
    skin: skinGain,
    ring: beyond(ringGain),
    far: farGain === null ? null : farGain / safe,
    direction,
    albedoRatio: gain(lowFit, albedoChannels, weights) / (Math.abs(highGain) < 1e-6 ? 1e-6 : highGain),
  };
}

/** The flash step's verdict: pass only when timing, colour, albedo and falloff all look like a lit face. */
export function checkFlashResponse(frames: AnalysedFrame[], step: FlashStep): CheckResult {
  const m = measureFlashResponse(frames, step);
  if (!m) return unavailable('flash-too-few-frames');
  return judgeFlash(m);
}

export function judgeFlash(m: FlashMeasurement): CheckResult {
  const th = FLASH_THRESHOLDS;
  const reasons: string[] = [];
  if (m.fit < th.minFit || m.skin < th.minResponse) {
    reasons.push(m.variation >= th.orderVariation ? 'flash-order-mismatch' : 'flash-not-reflected');
  } else {
    if (m.onsetMs < th.onsetMinMs || m.onsetMs > th.onsetMaxMs) reasons.push('flash-onset-implausible');
    if (m.direction < th.minDirection) reasons.push('flash-colour-mismatch');
    if (m.far !== null && m.far > th.maxFar) reasons.push('flash-uniform-tint');
    else if (m.ring < th.minRing) reasons.push('flash-face-only-tint');
    if (m.albedoRatio > th.maxAlbedoRatio) reasons.push('flash-additive-tint');
  }
  const pass = reasons.length === 0;
  // Above 0.5 only when it passes; the fit's margin above the threshold spreads passing scores.
  const score = pass ? 0.5 + 0.5 * clamp01((m.fit - th.minFit) / (1 - th.minFit)) : 0.49 * clamp01(m.fit);
  return { score, status: pass ? 'pass' : 'fail', reasons };
}
