import type { Difficulty } from '../sites/site.entity';

/** Inputs per challenge before risk scaling, by site policy. */
export const BASE_INPUTS: Record<Difficulty, number> = { easy: 64, normal: 128, hard: 256 };
export const MIN_INPUTS = 16;
export const MAX_INPUTS = 2048;

/** Challenges per minute from one IP that cost nothing extra; each doubling beyond adds a level. */
export const FREE_IP_RATE = 10;
/** Recent failures from one IP that each add a level, at most this many. */
export const MAX_FAILURE_LEVELS = 3;
/** A site-wide surge above this many challenges a minute adds a level for everyone (an attack on one site). */
export const SITE_SURGE_RATE = 1200;

export interface RiskSignals {
  ipChallengesPerMinute: number;
  ipRecentFailures: number;
  siteChallengesPerMinute: number;
}

/** Why a challenge costs more than the base: the signals that added risk levels. */
export const RISK_REASONS = ['ip-rate', 'recent-failures', 'site-surge'] as const;
export type RiskReason = (typeof RISK_REASONS)[number];

export interface DifficultyDecision {
  inputCount: number;
  riskLevel: number;
  /** What the visitor's token will say: 1 for no risk, lower as risk grows. */
  score: number;
  /** The signals behind `riskLevel`, empty at level 0. */
  reasons: RiskReason[];
}

/**
 * Adaptive difficulty in the manner of Friendly Captcha and mCaptcha: the work doubles with every
 * risk level, so a single visitor pays little and a flood pays exponentially more, within bounds.
 */
export function decideDifficulty(policy: Difficulty, signals: RiskSignals): DifficultyDecision {
  const ipLevel =
    signals.ipChallengesPerMinute <= FREE_IP_RATE
      ? 0
      : Math.ceil(Math.log2(signals.ipChallengesPerMinute / FREE_IP_RATE));
  const failureLevel = Math.min(MAX_FAILURE_LEVELS, Math.max(0, Math.floor(signals.ipRecentFailures)));
  const siteLevel = signals.siteChallengesPerMinute > SITE_SURGE_RATE ? 1 : 0;
  const riskLevel = ipLevel + failureLevel + siteLevel;
  const inputCount = Math.min(MAX_INPUTS, Math.max(MIN_INPUTS, BASE_INPUTS[policy] * 2 ** Math.min(riskLevel, 16)));
  const score = Math.max(0.1, Math.round((1 - 0.15 * riskLevel) * 100) / 100);
  const reasons: RiskReason[] = [];
  if (ipLevel > 0) reasons.push('ip-rate');
  if (failureLevel > 0) reasons.push('recent-failures');
  if (siteLevel > 0) reasons.push('site-surge');
  return { inputCount, riskLevel, score, reasons };
}
