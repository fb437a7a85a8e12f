/**
 * The challenge API's response shapes, as the widget and the service both see them. Types only, free of
 * decorators and Node, so the widget's compiler never pulls in the service's entities.
 */
export const LIVENESS_HINTS = [
  'face-not-found',
  'prompts-missed',
  'flash-not-reflected',
  'evidence-invalid',
  'try-again',
] as const;
export type LivenessHint = (typeof LIVENESS_HINTS)[number];

export interface LivenessChallengeDto {
  /** Liveness protocol version: 2 reveals the plan step by step during an attempt (docs/protocol.md). */
  version: number;
  /** Attempts the challenge allows (`POST /api/v1/challenges/:id/liveness` with `{}` starts one). */
  maxAttempts: number;
  /** Whether a visitor without a usable camera may ask for a `compute` challenge instead. */
  fallback: boolean;
}

export interface ChallengeResponseDto {
  id: string;
  sitekey: string;
  level: string;
  issuedAt: string;
  expiresAt: string;
  /**
   * The score the token will carry if the challenge is solved, fixed now from the risk signals; the work
   * (`inference.count`) is fixed too. A visitor too risky for the site is refused here (`403 risk-too-high`).
   */
  score: number;
  /** What the visitor must do, in order; `inference` is the proof of inference below. */
  steps: string[];
  inference: {
    modelId: string;
    modelSha256: string;
    modelUrl: string;
    seed: string;
    count: number;
    inputName: string;
    inputShape: number[];
    outputFormat: string;
    tolerance: number;
  };
  /** Liveness challenges only. */
  liveness?: LivenessChallengeDto;
}

export type SolutionResultDto =
  | { status: 'solved'; token: string; expiresAt: string; score: number; liveness?: { score: number } }
  | { status: 'failed'; reason: string; message: string; hints?: LivenessHint[] };

/** The test sitekey that always passes gets this instead of a challenge. */
export interface TestChallengeResponseDto {
  id: null;
  sitekey: string;
  test: true;
  token: string;
  expiresAt: string;
}
