import type { PassiveConfig } from './passive/passive-config';
import { DEFAULT_PASSIVE_CONFIG } from './passive/passive-config';

/** Thresholds of the liveness checks (README, "Liveness"); read once from the environment. */
export interface LivenessConfig {
  /** Combined score a verdict needs to pass (LIVENESS_THRESHOLD). */
  threshold: number;
  /** Least Pearson correlation between face colour change and flash colours (LIVENESS_FLASH_MIN_CORRELATION). */
  flashMinCorrelation: number;
  /** Least mean P(real) of the anti-spoofing models (LIVENESS_ANTISPOOF_MIN). */
  antiSpoofMin: number;
  /**
   * Meso4 P(real) below which an attempt is rejected as a face-swap (LIVENESS_DEEPFAKE_MIN; 0 = never veto,
   * keep Meso4 as a score only). Chosen on the development set; Meso4 is a weak, 2018 model.
   */
  deepfakeMin: number;
  /** Least intersection-over-union between the server's face box and the client's (LIVENESS_FACE_MIN_IOU). */
  faceMinIou: number;
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
  flashMinCorrelation: 0.5,
  antiSpoofMin: 0.5,
  deepfakeMin: 0.1,
  faceMinIou: 0.4,
  passiveChecks: true,
  passive: DEFAULT_PASSIVE_CONFIG,
};
