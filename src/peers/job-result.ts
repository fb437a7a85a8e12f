/**
 * How an open committee's reveals become its result (jobs created while no peer has the minimum stake):
 * every revealing peer weighs the same, the result is their median score, and the peers within
 * AGREEMENT_TOLERANCE of it agree. Drawn committees weigh by stake instead (committees.service.ts), with the
 * same tolerance.
 */
import { AUDIT_SAMPLE_SIZE, agreementTolerance } from '../protocol/audit-sample';
import { weightedMedian } from '../protocol/committee';

/** The finest agreement tolerance; a job's own is never finer than one output of its sample. */
export const BASE_TOLERANCE = 0.05;

/** A revealed score within this distance of the median agrees with it (a full sample of 16: 0.0626). */
export const AGREEMENT_TOLERANCE = agreementTolerance(BASE_TOLERANCE, AUDIT_SAMPLE_SIZE);

/** The tolerance of a job whose evidence pins a sample of `sample.size` outputs (other kinds: the default). */
export function jobTolerance(evidence: Record<string, unknown>): number {
  const sample = evidence.sample as { size?: unknown } | undefined;
  return typeof sample?.size === 'number' ? agreementTolerance(BASE_TOLERANCE, sample.size) : AGREEMENT_TOLERANCE;
}

export interface RevealedScore {
  peer: string;
  score: number;
}

export interface MedianResult {
  score: number | null;
  agreeing: string[];
}

export function medianResult(revealed: readonly RevealedScore[], tolerance = AGREEMENT_TOLERANCE): MedianResult {
  const score = weightedMedian(revealed.map((reveal) => ({ ...reveal, stake: 1 })));
  if (score === null) return { score: null, agreeing: [] };
  const agreeing = revealed.filter((reveal) => Math.abs(reveal.score - score) <= tolerance);
  return { score, agreeing: agreeing.map((reveal) => reveal.peer).sort() };
}
