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
  /**
   * Whether an attempt ends at the first step whose required check failed (LIVENESS_END_ON_FAILURE). On, as
   * in production, it saves the service's CPU and tells a prober less. Off, every step is analysed and the
   * attempt's reasons name every check that failed: for evaluations (`peerproof liveness eval`) that must
   * measure each check against each attack, not only the first one that stopped it.
   */
  endOnFailure: boolean;
  /** Liveness v2's passive models: thresholds and whether each may veto (docs/liveness-passive.md). */
  passive: PassiveConfig;
}

export const DEFAULT_LIVENESS_CONFIG: LivenessConfig = {
  threshold: 0.6,
  passiveChecks: true,
  endOnFailure: true,
  passive: DEFAULT_PASSIVE_CONFIG,
};
