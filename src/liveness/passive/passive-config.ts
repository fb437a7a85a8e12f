/**
 * When the passive models may veto a liveness v2 attempt (docs/liveness-passive.md, "Veto rule"). A model
 * vetoes only at a threshold that rejected at most 5 % of real live frames in the validation; otherwise its
 * score only adds to the combined one.
 */
export interface PassiveConfig {
  /** Fused MiniFASNet P(real) below which the presentation check fails (LIVENESS_ANTISPOOF_THRESHOLD). */
  antiSpoofThreshold: number;
  /** Whether that failure vetoes the attempt (LIVENESS_ANTISPOOF_VETO); off, it only lowers the score. */
  antiSpoofVeto: boolean;
  /** Meso4 P(real) below which the deepfake check fails (LIVENESS_DEEPFAKE_THRESHOLD). */
  deepfakeThreshold: number;
  /** Whether that failure vetoes the attempt (LIVENESS_DEEPFAKE_VETO). */
  deepfakeVeto: boolean;
}

/**
 * What `npm run eval:passive` measured on real live frames (593 frames of 9 clips of 8 people, and 2 photos,
 * cut as the v2 widget cuts them): the highest threshold on a 0.01 grid that rejected at most 5 % of all
 * live frames and at most 5 % of any one clip's. A veto above it is refused at start-up.
 */
export const PASSIVE_VALIDATION = {
  maxBpcer: 0.05,
  antiSpoof: { maxVetoThreshold: 0.09, rejectedAtMax: '1 of 593 frames; worst clip 1 of 56' },
  deepfake: { maxVetoThreshold: 0.04, rejectedAtMax: '1 of 593 frames; worst clip 1 of 23' },
} as const;

/**
 * The defaults (docs/liveness-passive.md, "Thresholds"). MiniFASNet vetoes below 0.08, inside its ceiling:
 * 1 of 593 live frames rejected, and both presentation-attack samples (0.052, 0.061). Meso4's threshold,
 * 0.05, sits above its ceiling (one person's frames reach 0.032; 2 of her 23 fall below 0.05), so Meso4
 * only scores.
 */
export const DEFAULT_PASSIVE_CONFIG: PassiveConfig = {
  antiSpoofThreshold: 0.08,
  antiSpoofVeto: true,
  deepfakeThreshold: 0.05,
  deepfakeVeto: false,
};

/** The configuration's breaches of the veto rule, as `VARIABLE: message` lines (empty when it holds). */
export function passiveVetoProblems(config: PassiveConfig): string[] {
  const problems: string[] = [];
  const check = (veto: boolean, threshold: number, max: number, thresholdName: string, vetoName: string) => {
    if (veto && threshold > max) {
      problems.push(
        `${thresholdName}: must be at most ${max} while ${vetoName} is on: higher thresholds rejected more than ` +
          `${PASSIVE_VALIDATION.maxBpcer * 100} % of a real person's live frames (docs/liveness-passive.md); ` +
          `turn the veto off to use it as a score only`,
      );
    }
  };
  check(
    config.antiSpoofVeto,
    config.antiSpoofThreshold,
    PASSIVE_VALIDATION.antiSpoof.maxVetoThreshold,
    'LIVENESS_ANTISPOOF_THRESHOLD',
    'LIVENESS_ANTISPOOF_VETO',
  );
  check(
    config.deepfakeVeto,
    config.deepfakeThreshold,
    PASSIVE_VALIDATION.deepfake.maxVetoThreshold,
    'LIVENESS_DEEPFAKE_THRESHOLD',
    'LIVENESS_DEEPFAKE_VETO',
  );
  return problems;
}
