/**
 * ISO/IEC 30107-3 figures over a labelled folder (docs/liveness.md, "Evaluation"):
 * APCER per attack type (attacks accepted), BPCER (live attempts rejected), ACER = (max APCER + BPCER) / 2.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { JpegAdapter } from '../../adapters/jpeg.adapter';
import type { LivenessConfig } from '../liveness-config';
import type { LivenessModelRunner } from '../liveness-models';
import { antiSpoofScores, detectFaces } from '../liveness-models';
import { LivenessVerifier } from '../liveness-verifier';

export const LIVE_LABEL = 'live';
export const SUMMARY_FILE = 'summary.json';

export interface ScoredSample {
  label: string;
  name: string;
  /** Score swept against the threshold. */
  score: number;
  /** Rejected whatever the threshold (a required check failed). */
  vetoed: boolean;
  reasons: string[];
}

/** Crops stored beside the summary as files: `crops[i].file` instead of `crops[i].jpeg`. */
interface StoredSummary {
  challengeNonce: string;
  evidence: { crops: { file?: string; jpeg?: string }[] } & Record<string, unknown>;
}

export function readSample(dir: string): { nonce: string; evidence: unknown } {
  const summary = JSON.parse(fs.readFileSync(path.join(dir, SUMMARY_FILE), 'utf8')) as StoredSummary;
  const crops = summary.evidence.crops.map(({ file, ...crop }) => ({
    ...crop,
    jpeg: file ? fs.readFileSync(path.join(dir, path.basename(file))).toString('base64') : crop.jpeg,
  }));
  return { nonce: summary.challengeNonce, evidence: { ...summary.evidence, crops } };
}

/** Scores every sample under `folder/<label>/`: sample folders get the full check, single JPEGs the passive one. */
export async function scoreFolder(
  folder: string,
  runner: LivenessModelRunner,
  jpeg: JpegAdapter,
  config: LivenessConfig,
): Promise<ScoredSample[]> {
  const verifier = new LivenessVerifier(runner, jpeg, config);
  const samples: ScoredSample[] = [];
  for (const label of fs.readdirSync(folder).sort()) {
    const labelDir = path.join(folder, label);
    if (!fs.statSync(labelDir).isDirectory()) continue;
    for (const name of fs.readdirSync(labelDir).sort()) {
      const entry = path.join(labelDir, name);
      if (fs.statSync(entry).isDirectory()) {
        const { nonce, evidence } = readSample(entry);
        const verdict = await verifier.verify(evidence, nonce);
        samples.push({ label, name, score: verdict.rawScore, vetoed: verdict.vetoed, reasons: verdict.reasons });
      } else if (/\.jpe?g$/i.test(name)) {
        samples.push({ label, name, ...(await passiveScore(runner, jpeg, entry)) });
      }
    }
  }
  return samples;
}

/** One photo, passive model only: mean P(real) of the anti-spoofing models on the largest face. */
async function passiveScore(runner: LivenessModelRunner, jpeg: JpegAdapter, file: string) {
  const image = jpeg.decode(fs.readFileSync(file));
  const [face] = await detectFaces(runner, image);
  if (!face) return { score: 0, vetoed: true, reasons: ['no-face'] };
  const scores = Object.values(await antiSpoofScores(runner, image, face));
  if (scores.length === 0) return { score: 0, vetoed: true, reasons: ['anti-spoof-not-installed'] };
  return { score: scores.reduce((s, v) => s + v, 0) / scores.length, vetoed: false, reasons: [] };
}

export interface ErrorRates {
  threshold: number;
  apcer: Record<string, number>;
  bpcer: number;
  acer: number;
  counts: Record<string, number>;
}

const accepted = (sample: ScoredSample, threshold: number) => !sample.vetoed && sample.score >= threshold;

export function errorRates(samples: readonly ScoredSample[], threshold: number): ErrorRates {
  const counts: Record<string, number> = {};
  const acceptedCounts: Record<string, number> = {};
  for (const sample of samples) {
    counts[sample.label] = (counts[sample.label] ?? 0) + 1;
    if (accepted(sample, threshold)) acceptedCounts[sample.label] = (acceptedCounts[sample.label] ?? 0) + 1;
  }
  const apcer: Record<string, number> = {};
  for (const label of Object.keys(counts).sort()) {
    if (label !== LIVE_LABEL) apcer[label] = (acceptedCounts[label] ?? 0) / counts[label];
  }
  const live = counts[LIVE_LABEL] ?? 0;
  const bpcer = live === 0 ? NaN : 1 - (acceptedCounts[LIVE_LABEL] ?? 0) / live;
  const worst = Math.max(0, ...Object.values(apcer));
  return { threshold, apcer, bpcer, acer: (worst + bpcer) / 2, counts };
}

export function formatReport(samples: readonly ScoredSample[], threshold: number): string {
  const at = errorRates(samples, threshold);
  const pct = (v: number) => (Number.isNaN(v) ? '   n/a' : `${(v * 100).toFixed(1).padStart(5)}%`);
  const lines = [
    `samples: ${Object.entries(at.counts)
      .map(([label, n]) => `${label} ${n}`)
      .join(', ')}`,
    '',
  ];
  lines.push(`at threshold ${threshold}:`);
  for (const [label, value] of Object.entries(at.apcer)) lines.push(`  APCER ${label.padEnd(12)} ${pct(value)}`);
  lines.push(`  BPCER ${''.padEnd(12)} ${pct(at.bpcer)}`, `  ACER  ${''.padEnd(12)} ${pct(at.acer)}`, '');
  const labels = Object.keys(at.apcer);
  lines.push(`threshold sweep:`, `  thr    BPCER  ${labels.map((l) => `APCER:${l}`.padStart(19)).join('')}    ACER`);
  for (let step = 1; step <= 19; step++) {
    const r = errorRates(samples, step / 20);
    const cells = labels.map((l) => pct(r.apcer[l]).padStart(19)).join('');
    lines.push(`  ${(step / 20).toFixed(2)}  ${pct(r.bpcer)}${cells}  ${pct(r.acer)}`);
  }
  return lines.join('\n');
}
