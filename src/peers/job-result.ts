/**
 * How an open committee's reveals become its result (jobs created while no peer has the minimum stake):
 * every revealing peer weighs the same, the result is their median score, and the peers within
 * AGREEMENT_TOLERANCE of it agree. Drawn committees weigh by stake instead (committees.service.ts), with the
 * same tolerance.
 */
import { weightedMedian } from '../protocol/committee';

/** A revealed score within this distance of the median agrees with it. */
export const AGREEMENT_TOLERANCE = 0.05;

export interface RevealedScore {
  peer: string;
  score: number;
}

export interface MedianResult {
  score: number | null;
  agreeing: string[];
}

export function medianResult(revealed: readonly RevealedScore[]): MedianResult {
  const score = weightedMedian(revealed.map((reveal) => ({ ...reveal, stake: 1 })));
  if (score === null) return { score: null, agreeing: [] };
  const agreeing = revealed.filter((reveal) => Math.abs(reveal.score - score) <= AGREEMENT_TOLERANCE);
  return { score, agreeing: agreeing.map((reveal) => reveal.peer).sort() };
}
