/**
 * The passive models' validation table (docs/liveness-passive.md): P(real) on real live frames, BPCER and
 * APCER with their counts at candidate thresholds, per frame, per attempt of 3 frames and per person, and
 * how often the frame was too small for a model's context.
 */
import type { PassiveConfig } from '../passive/passive-config';
import { ANTI_SPOOF_MODELS, DEEPFAKE_MODEL } from '../passive/passive-models';
import type { SampleLabel, ScoredFrame } from './passive-samples';
import { WIDGET_FRAME } from './passive-samples';

export const CANDIDATE_THRESHOLDS = [0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5] as const;
/** Frames of one simulated attempt, and how far apart (in evaluated frames) they are taken. */
export const ATTEMPT_FRAMES = 3;
/** The veto rule's bound on rejected live frames (docs/liveness-passive.md). */
export const VETO_MAX_SHARE = 0.05;

type Judged = ScoredFrame & { readings: NonNullable<ScoredFrame['readings']> };
type Score = (frame: Judged) => number;

const mean = (values: readonly number[]) => values.reduce((sum, v) => sum + v, 0) / values.length;

/** The scores the table reports: each model, and the two that decide (fused presentation, deepfake). */
export const SCORES: Record<string, Score> = {
  'minifasnet-v2': (f) => f.readings['minifasnet-v2'].pReal,
  'minifasnet-v1se': (f) => f.readings['minifasnet-v1se'].pReal,
  'presentation (fused)': (f) => mean(ANTI_SPOOF_MODELS.map((model) => f.readings[model.id].pReal)),
  'meso4-df (deepfake)': (f) => f.readings[DEEPFAKE_MODEL].pReal,
};

/** Lower nearest-rank quantile: the value at index floor(q × (n − 1)) of the sorted values. */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(q * (sorted.length - 1))];
}

const count = (k: number, n: number) => `${k}/${n} (${n === 0 ? 'n/a' : `${((100 * k) / n).toFixed(1)}%`})`;

/** Rejected by the passive path at `config`: a check below its threshold whose veto is on. */
export function passiveRejects(frame: Judged, config: PassiveConfig): boolean {
  const presentation = SCORES['presentation (fused)'](frame) < config.antiSpoofThreshold && config.antiSpoofVeto;
  const deepfake = SCORES['meso4-df (deepfake)'](frame) < config.deepfakeThreshold && config.deepfakeVeto;
  return presentation || deepfake;
}

/** Consecutive triples of a group's evaluated frames: the mean of each score over the three. */
export function simulatedAttempts(frames: readonly Judged[]): Judged[][] {
  const attempts: Judged[][] = [];
  for (const group of new Set(frames.map((f) => f.group))) {
    const members = frames.filter((f) => f.group === group);
    for (let i = 0; i + ATTEMPT_FRAMES <= members.length; i += ATTEMPT_FRAMES) {
      attempts.push(members.slice(i, i + ATTEMPT_FRAMES));
    }
  }
  return attempts;
}

function attemptRejected(attempt: readonly Judged[], config: PassiveConfig): boolean {
  const presentation = mean(attempt.map(SCORES['presentation (fused)']));
  const deepfake = mean(attempt.map(SCORES['meso4-df (deepfake)']));
  return (
    (config.antiSpoofVeto && presentation < config.antiSpoofThreshold) ||
    (config.deepfakeVeto && deepfake < config.deepfakeThreshold)
  );
}

export function formatPassiveReport(all: readonly ScoredFrame[], config: PassiveConfig): string {
  const judged = all.filter((f): f is Judged => f.readings !== null);
  const live = judged.filter((f) => f.label === 'live');
  // Real faces that are not live recordings are shown for reference, never counted as attacks or as live.
  const attackLabels = [...new Set(judged.map((f) => f.label))].filter((l) => l !== 'live' && l !== 'real-reference');
  const byLabel = (label: SampleLabel) => judged.filter((f) => f.label === label);
  const lines: string[] = [];
  const noFace = all.filter((f) => f.readings === null);
  lines.push(
    `samples: ${[...new Set(all.map((f) => f.label))].map((l) => `${l} ${all.filter((f) => f.label === l).length}`).join(', ')}` +
      ` (no face found, left to the face check: ${noFace.length})`,
    `frames as the v2 widget cuts them: ${WIDGET_FRAME.context} face sides, ${WIDGET_FRAME.side} px, JPEG quality ${WIDGET_FRAME.quality}`,
    '',
    ...geometryLines(live),
    '',
    'P(real) on live frames, and each attack sample:',
    `  ${'score'.padEnd(22)} ${'median'.padStart(7)} ${'p5'.padStart(7)} ${'min'.padStart(7)}   attacks`,
  );
  for (const [name, score] of Object.entries(SCORES)) {
    const values = live.map(score);
    const attacks = judged.filter((f) => f.label !== 'live').map((f) => `${f.label} ${score(f).toFixed(3)}`);
    lines.push(
      `  ${name.padEnd(22)} ${fmt(quantile(values, 0.5))} ${fmt(quantile(values, 0.05))} ${fmt(Math.min(...values))}   ${attacks.join(', ')}`,
    );
  }
  lines.push('', 'per frame: BPCER (live rejected) and APCER (attacks accepted) below each threshold:');
  const thresholds = [...new Set([...CANDIDATE_THRESHOLDS, config.antiSpoofThreshold, config.deepfakeThreshold])];
  for (const [name, score] of Object.entries(SCORES)) {
    lines.push(`  ${name}`);
    for (const t of thresholds.sort((a, b) => a - b)) {
      const bpcer = count(live.filter((f) => score(f) < t).length, live.length);
      const apcer = attackLabels.map(
        (l) => `${l} ${count(byLabel(l).filter((f) => score(f) >= t).length, byLabel(l).length)}`,
      );
      lines.push(`    ${t.toFixed(2)}  BPCER ${bpcer.padEnd(16)} APCER ${apcer.join(', ')}`);
    }
  }
  lines.push('', ...ceilingLines(live), '', ...decisionLines(live, judged, attackLabels, config));
  lines.push('', ...groupLines(live, config));
  return lines.join('\n');
}

function fmt(value: number): string {
  return value.toFixed(3).padStart(7);
}

function geometryLines(live: readonly Judged[]): string[] {
  const contexts = live.map((f) => f.context ?? 0);
  const crop = (id: string, flag: 'clamped' | 'shifted') => live.filter((f) => f.readings[id].crop[flag]).length;
  const scales = (id: string) => live.map((f) => f.readings[id].crop.scale);
  const lines = [
    `live frames whose picture held less than ${WIDGET_FRAME.context} face sides of context: ` +
      `${count(contexts.filter((c) => c < WIDGET_FRAME.context - 1e-9).length, live.length)}; context median ` +
      `${quantile(contexts, 0.5).toFixed(2)}, min ${Math.min(...contexts).toFixed(2)}, max ${Math.max(...contexts).toFixed(2)}`,
  ];
  for (const model of ANTI_SPOOF_MODELS) {
    lines.push(
      `${model.id} (×${model.scale}): scale reduced to fit ${count(crop(model.id, 'clamped'), live.length)}, ` +
        `median ${quantile(scales(model.id), 0.5).toFixed(2)}, min ${Math.min(...scales(model.id)).toFixed(2)}; ` +
        `shifted inside the frame ${count(crop(model.id, 'shifted'), live.length)}`,
    );
  }
  lines.push(
    `${DEEPFAKE_MODEL}: face square reaching outside the frame (mirrored) ${count(crop(DEEPFAKE_MODEL, 'shifted'), live.length)}`,
  );
  return lines;
}

/** Share of frames (overall and of the worst group) a score rejects below `t`. */
function rejections(live: readonly Judged[], score: Score, t: number) {
  const overall = live.filter((f) => score(f) < t).length;
  let worst = { group: '', rejected: 0, frames: 1 };
  for (const group of new Set(live.map((f) => f.group))) {
    const frames = live.filter((f) => f.group === group);
    const rejected = frames.filter((f) => score(f) < t).length;
    if (rejected / frames.length > worst.rejected / worst.frames) worst = { group, rejected, frames: frames.length };
  }
  return { overall, worst };
}

/**
 * The veto rule's ceiling: the highest threshold on a 0.01 grid at which the score rejects at most `maxShare`
 * of all live frames and at most `maxShare` of any one clip's (person's) frames.
 */
export function vetoCeiling(live: readonly Judged[], score: Score, maxShare: number) {
  let ceiling = { threshold: 0, ...rejections(live, score, 0) };
  for (let step = 1; step <= 100; step++) {
    const t = step / 100;
    const r = rejections(live, score, t);
    if (r.overall > maxShare * live.length || r.worst.rejected > maxShare * r.worst.frames) break;
    ceiling = { threshold: t, ...r };
  }
  return ceiling;
}

function ceilingLines(live: readonly Judged[]): string[] {
  const lines = [
    `veto ceilings (highest threshold rejecting ≤ ${VETO_MAX_SHARE * 100} % of all live frames and of each clip's):`,
  ];
  for (const name of ['presentation (fused)', 'meso4-df (deepfake)']) {
    const c = vetoCeiling(live, SCORES[name], VETO_MAX_SHARE);
    lines.push(
      `  ${name.padEnd(22)} ${c.threshold.toFixed(2)}: all ${count(c.overall, live.length)}, ` +
        `worst clip ${c.worst.group || '-'} ${count(c.worst.rejected, c.worst.group ? c.worst.frames : 0)}`,
    );
  }
  return lines;
}

function decisionLines(
  live: readonly Judged[],
  judged: readonly Judged[],
  attackLabels: readonly SampleLabel[],
  config: PassiveConfig,
): string[] {
  const attempts = simulatedAttempts(live);
  const onOff = (veto: boolean) => (veto ? 'veto' : 'score only');
  return [
    `configured: presentation < ${config.antiSpoofThreshold} (${onOff(config.antiSpoofVeto)}), ` +
      `deepfake < ${config.deepfakeThreshold} (${onOff(config.deepfakeVeto)})`,
    `  passive path BPCER per frame:   ${count(live.filter((f) => passiveRejects(f, config)).length, live.length)}`,
    `  passive path BPCER per attempt: ${count(attempts.filter((a) => attemptRejected(a, config)).length, attempts.length)}` +
      ` (${ATTEMPT_FRAMES} consecutive evaluated frames of one clip, scores averaged)`,
    ...attackLabels.map((label) => {
      const attacks = judged.filter((f) => f.label === label);
      return `  APCER ${label}: ${count(attacks.filter((f) => !passiveRejects(f, config)).length, attacks.length)}`;
    }),
  ];
}

function groupLines(live: readonly Judged[], config: PassiveConfig): string[] {
  const lines = ['per person or clip (live): frames, presentation median/min, deepfake median/min, rejected'];
  for (const group of [...new Set(live.map((f) => f.group))].sort()) {
    const frames = live.filter((f) => f.group === group);
    const p = frames.map(SCORES['presentation (fused)']);
    const d = frames.map(SCORES['meso4-df (deepfake)']);
    const rejected = count(frames.filter((f) => passiveRejects(f, config)).length, frames.length);
    lines.push(
      `  ${group.padEnd(48)} ${String(frames.length).padStart(3)}  ${fmt(quantile(p, 0.5))} ${fmt(Math.min(...p))}  ` +
        `${fmt(quantile(d, 0.5))} ${fmt(Math.min(...d))}  ${rejected}`,
    );
  }
  return lines;
}
