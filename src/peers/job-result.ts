/**
 * How a job's reveals become its result, until stake-weighted committees arrive (issue 7): every revealing
 * peer weighs the same, the result is their median score, and the peers within AGREEMENT_TOLERANCE of it
 * agree. Uses the ledger's weighted median with unit weights, so switching to stake changes only weights.
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
