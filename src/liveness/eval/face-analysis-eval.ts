/**
 * `npm run eval:face-analysis`: the server's face analysis against the labelled real recordings. Every
 * labelled frame is cut as the v2 widget cuts it (a 192-px square of about four face sides), then detected,
 * measured and described as the service would; the report gives per-label accuracy at the exported
 * thresholds, identity distances, and ms per call.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { JpegAdapter } from '../../adapters/jpeg.adapter';
import type { FaceMeasures } from '../analysis/face-analyzer';
import { EYES_CLOSED_RATIO } from '../analysis/eye-measures';
import { MOUTH_OPEN_ABOVE, SMILE_ABOVE, TURN_MIN_DEGREES } from '../analysis/mesh-measures';
import type { ServerFaceAnalyzer } from '../analysis/server-face-analyzer';
import { SAME_PERSON_BELOW, descriptorDistance } from '../analysis/server-face-analyzer';
import type { FaceLabel } from './face-analysis-labels';
import { LABELLED_CLIPS, frameFile, framesOf } from './face-analysis-labels';
import { widgetFrame } from './passive-samples';

export interface FrameResult {
  clip: string;
  person: string;
  frame: number;
  label: FaceLabel;
  faces: number;
  measures: FaceMeasures | null;
  descriptor: Float32Array | null;
}

export interface Timings {
  detect: number[];
  measure: number[];
  describe: number[];
}

/** Runs the analyzer over every labelled frame (every `step`-th), with descriptors on every `describeStep`-th. */
export async function analyseLabelledFrames(
  analyzer: ServerFaceAnalyzer,
  jpeg: JpegAdapter,
  liveDir: string,
  step = 1,
  describeStep = 5,
): Promise<{ frames: FrameResult[]; timings: Timings }> {
  const frames: FrameResult[] = [];
  const timings: Timings = { detect: [], measure: [], describe: [] };
  for (const clip of LABELLED_CLIPS) {
    for (const label of Object.keys(clip.labels) as FaceLabel[]) {
      for (const frame of framesOf(clip, label).filter((f) => f % step === 0)) {
        const file = path.join(liveDir, clip.clip, frameFile(frame));
        if (!fs.existsSync(file)) continue;
        const picture = jpeg.decode(fs.readFileSync(file));
        const [person] = await analyzer.detect(picture);
        if (!person) {
          frames.push({ ...clip, frame, label, faces: 0, measures: null, descriptor: null });
          continue;
        }
        const image = widgetFrame(jpeg, picture, person.box).image;
        let t = performance.now();
        const found = await analyzer.detect(image);
        timings.detect.push(performance.now() - t);
        const face = found[0];
        let measures: FaceMeasures | null = null;
        let descriptor: Float32Array | null = null;
        if (face) {
          t = performance.now();
          measures = await analyzer.measure(image, face);
          timings.measure.push(performance.now() - t);
          if (frame % describeStep === 0) {
            t = performance.now();
            descriptor = await analyzer.describe(image, face);
            timings.describe.push(performance.now() - t);
          }
        }
        frames.push({ clip: clip.clip, person: clip.person, frame, label, faces: found.length, measures, descriptor });
      }
    }
  }
  return { frames, timings };
}

/** Which labels an estimator should call positive, and its decision per frame given the person's rest median. */
const CHECKS: Array<{
  name: string;
  positive: FaceLabel[];
  negative: FaceLabel[];
  decide: (m: FaceMeasures, rest: FaceMeasures | undefined) => boolean;
}> = [
  {
    name: 'eyes closed',
    positive: ['blink'],
    negative: ['rest'],
    decide: (m, rest) => rest !== undefined && m.eyeOpenness < EYES_CLOSED_RATIO * rest.eyeOpenness,
  },
  {
    name: 'mouth open',
    positive: ['mouth-open'],
    negative: ['rest'],
    decide: (m) => m.mouthOpenness > MOUTH_OPEN_ABOVE,
  },
  {
    name: 'turned',
    positive: ['turn'],
    negative: ['frontal', 'rest'],
    decide: (m) => Math.abs(m.yaw) >= TURN_MIN_DEGREES,
  },
  { name: 'smile', positive: ['smile'], negative: ['rest', 'frontal'], decide: (m) => m.smile > SMILE_ABOVE },
];

/** Per person, the median of each measure over the rest frames: the baseline an attempt's rest step gives. */
function restMedians(frames: readonly FrameResult[]): Map<string, FaceMeasures> {
  const out = new Map<string, FaceMeasures>();
  for (const person of new Set(frames.map((f) => f.person))) {
    const rest = frames
      .filter((f) => f.person === person && f.label === 'rest' && f.measures)
      .map((f) => f.measures as FaceMeasures);
    if (rest.length === 0) continue;
    const med = (key: keyof FaceMeasures) =>
      [...rest.map((m) => m[key])].sort((a, b) => a - b)[Math.floor(rest.length / 2)];
    out.set(person, {
      yaw: med('yaw'),
      pitch: med('pitch'),
      roll: med('roll'),
      eyeOpenness: med('eyeOpenness'),
      mouthOpenness: med('mouthOpenness'),
      smile: med('smile'),
    });
  }
  return out;
}

export function formatFaceAnalysisReport(frames: readonly FrameResult[], timings: Timings): string {
  const lines: string[] = [];
  const median = (values: number[]) => {
    if (values.length === 0) return NaN;
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)];
  };
  const fmt = (value: number, digits = 2) => (Number.isFinite(value) ? value.toFixed(digits) : '–');
  const detected = frames.filter((f) => f.faces === 1).length;
  lines.push(`detect: one face in ${detected} of ${frames.length} widget frames`);
  for (const label of ['rest', 'blink', 'mouth-open', 'talk', 'turn', 'frontal', 'smile'] as FaceLabel[]) {
    const m = frames.filter((f) => f.label === label && f.measures).map((f) => f.measures as FaceMeasures);
    if (m.length === 0) continue;
    lines.push(
      `  ${label.padEnd(10)} n=${String(m.length).padStart(3)}  median yaw ${fmt(median(m.map((x) => x.yaw)), 1)} pitch ${fmt(median(m.map((x) => x.pitch)), 1)} roll ${fmt(median(m.map((x) => x.roll)), 1)}  eyes ${fmt(median(m.map((x) => x.eyeOpenness)), 3)}  mouth ${fmt(median(m.map((x) => x.mouthOpenness)), 3)}  smile ${fmt(median(m.map((x) => x.smile)), 3)}`,
    );
  }
  lines.push('per-label accuracy at the exported thresholds:');
  const rests = restMedians(frames);
  for (const check of CHECKS) {
    const pos = frames.filter((f) => check.positive.includes(f.label) && f.measures);
    const neg = frames.filter((f) => check.negative.includes(f.label) && f.measures);
    const tp = pos.filter((f) => check.decide(f.measures as FaceMeasures, rests.get(f.person))).length;
    const tn = neg.filter((f) => !check.decide(f.measures as FaceMeasures, rests.get(f.person))).length;
    lines.push(`  ${check.name.padEnd(12)} positives ${tp}/${pos.length}  negatives ${tn}/${neg.length}`);
  }
  lines.push(...blinkLines(frames, rests, fmt));
  const described = frames.filter((f) => f.descriptor);
  const same: number[] = [];
  const different: number[] = [];
  for (let i = 0; i < described.length; i++) {
    for (let j = i + 1; j < described.length; j++) {
      const d = descriptorDistance(described[i].descriptor as Float32Array, described[j].descriptor as Float32Array);
      (described[i].person === described[j].person ? same : different).push(d);
    }
  }
  const max = (values: number[]) => values.reduce((a, b) => Math.max(a, b), -Infinity);
  const min = (values: number[]) => values.reduce((a, b) => Math.min(a, b), Infinity);
  lines.push(
    `identity (${described.length} descriptors): same person median ${fmt(median(same), 3)} max ${fmt(max(same), 3)}; different median ${fmt(median(different), 3)} min ${fmt(min(different), 3)}; threshold ${SAME_PERSON_BELOW}: same ${same.filter((d) => d < SAME_PERSON_BELOW).length}/${same.length} accepted, different ${different.filter((d) => d >= SAME_PERSON_BELOW).length}/${different.length} rejected`,
  );
  const ms = (values: number[]) => `${fmt(median(values), 1)} ms median (n=${values.length})`;
  lines.push(
    `ms per call: detect ${ms(timings.detect)}; measure ${ms(timings.measure)}; describe ${ms(timings.describe)}`,
  );
  return lines.join('\n');
}

/**
 * Blink per person: eye openness as a share of the person's rest median, on the labelled blink frames and on
 * their open-eye frames (rest, talk, mouth open). Open-eye frames within two frames of a blink or of an
 * unlabelled stretch (the half blinks) are left out: there the lid is still moving.
 */
function blinkLines(
  frames: readonly FrameResult[],
  rests: Map<string, FaceMeasures>,
  fmt: (value: number, digits?: number) => string,
): string[] {
  const lines = [`eyes closed per person (openness / rest median; closed below ${EYES_CLOSED_RATIO}):`];
  for (const clip of LABELLED_CLIPS) {
    const rest = rests.get(clip.person);
    const mine = frames.filter((f) => f.clip === clip.clip && f.measures);
    if (!rest || mine.length === 0) continue;
    const ratio = (f: FrameResult) => (f.measures as FaceMeasures).eyeOpenness / rest.eyeOpenness;
    const labelled = new Set(mine.map((f) => f.frame));
    const blinks = framesOf(clip, 'blink');
    const moving = (n: number) =>
      [-2, -1, 1, 2].some((d) => blinks.includes(n + d) || (n + d >= 0 && n + d < clip.frames && !labelled.has(n + d)));
    const blink = mine.filter((f) => f.label === 'blink').map(ratio);
    const open = mine.filter((f) => ['rest', 'talk', 'mouth-open'].includes(f.label) && !moving(f.frame)).map(ratio);
    if (open.length === 0) continue;
    const closed = (values: number[]) => values.filter((r) => r < EYES_CLOSED_RATIO).length;
    const min = (values: number[]) => values.reduce((a, b) => Math.min(a, b), Infinity);
    const blinkPart =
      blink.length > 0
        ? `blink frames ${blink.map((r) => fmt(r)).join(' ')} (${closed(blink)}/${blink.length} closed)`
        : 'no labelled blink';
    lines.push(
      `  ${clip.person.padEnd(12)} ${blinkPart}; open-eye frames min ${fmt(min(open))} (${closed(open)}/${open.length} closed)`,
    );
  }
  return lines;
}
