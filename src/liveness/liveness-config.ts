import type { PassiveConfig } from './passive/passive-config';
import { DEFAULT_PASSIVE_CONFIG } from './passive/passive-config';

/** Thresholds of the liveness checks (README, "Liveness"); read once from the environment. */
export interface LivenessConfig {
  /** Combined score a verdict needs to pass (LIVENESS_THRESHOLD). */
  threshold: number;
  /**
   * Whether the passive models (anti-spoofing, deepfake) run (LIVENESS_PASSIVE_CHECKS). Off, they report
   * `unavailable` and the active checks decide alone: for test sites whose simulated visitors are drawn.
   */
  passiveChecks: boolean;
  /** Liveness v2's passive models: thresholds and whether each may veto (docs/liveness-passive.md). */
  passive: PassiveConfig;
}

export const DEFAULT_LIVENESS_CONFIG: LivenessConfig = {
  threshold: 0.6,
  passiveChecks: true,
  passive: DEFAULT_PASSIVE_CONFIG,
};
