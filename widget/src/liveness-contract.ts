/**
 * The seam between the widget (peerproof.js: states, texts, service calls) and its lazily loaded liveness
 * chunk (liveness.js: camera, FaceLandmarker, the overlay, the attempt over the step route of liveness v2).
 * The widget imports this file for types and the error class only; the chunk's entry module exports
 * `runLiveness`.
 *
 * The overlay is a full-viewport element appended to document.body; its host element carries
 * `data-peerproof-liveness` and mirrors what the visitor is being shown, so sites can style around it and
 * tests can act as a visitor would:
 *   data-phase="intro|camera|guidance|script|retry|done"   (retry: a failed attempt's hints and Retry)
 *   data-step="rest|prompt|flashes"   while a revealed step plays (absent otherwise)
 *   data-prompt="turn-left|…"   while a prompt is on screen (absent otherwise)
 *   data-flash="r,g,b"          while a flash colour is lit (absent otherwise)
 * The intro has a start button (`button[data-action="start"]`, after the photosensitivity warning) and
 * every phase a cancel button (`button[data-action="cancel"]`).
 */
import type { LivenessHint } from '../../src/protocol/challenge-wire';
import type { PromptAction } from '../../src/protocol/liveness-plan';

/** Why a capture ended without evidence; the widget shows a text for each and may offer the fallback. */
export const CAPTURE_ERROR_CODES = [
  'camera-unsupported',
  'camera-not-found',
  'camera-denied',
  'camera-in-use',
  'camera-failed',
  'landmarker-failed',
  'face-lost',
  'capture-cancelled',
] as const;
export type CaptureErrorCode = (typeof CAPTURE_ERROR_CODES)[number];

export class LivenessCaptureError extends Error {
  constructor(
    readonly code: CaptureErrorCode,
    message: string = code,
  ) {
    super(message);
    this.name = 'LivenessCaptureError';
  }
}

/**
 * The service refused the attempt: `liveness-failed` with its hints (the last attempt failed, or no attempt
 * is left), or the service's own error code (`challenge-expired`, `rate-limited`, …, or `network-error`).
 * The widget shows it like a refused solution. Checked by `name`, as LivenessCaptureError.
 */
export class LivenessServiceError extends Error {
  constructor(
    readonly code: string,
    readonly hints: LivenessHint[] = [],
  ) {
    super(code);
    this.name = 'LivenessServiceError';
  }
}

/** What the guidance tells the visitor before the script starts. */
export type GuidanceHint = 'no-face' | 'several-faces' | 'too-far' | 'too-close' | 'off-centre' | 'too-dark' | 'ok';

/** Every text the overlay shows; the chunk carries them for each widget language (liveness/overlay-texts.ts). */
export interface LivenessTexts {
  title: string;
  /** Before the camera starts: what will happen, that the screen will flash colours (photosensitivity). */
  intro: string;
  start: string;
  cancel: string;
  /** Next to the recording indicator while the camera runs. */
  recording: string;
  /** Under the video while the camera is being opened or the face model loads. */
  preparing: string;
  guidance: Record<GuidanceHint, string>;
  prompts: Record<PromptAction, string>;
  /** The rest step: look straight at the camera. */
  rest: string;
  /** While the colours flash: keep still, face the screen. */
  holdStill: string;
}

/** The loader's texts for a failed attempt, handed to the overlay so they exist once, in the loader. */
export interface LivenessVerdictTexts {
  failed: string;
  retry: string;
  hints: Record<LivenessHint, string>;
}

/** What a liveness challenge says of its attempts (docs/liveness.md, liveness v2). */
export interface LivenessAttemptsOffer {
  /** Attempts the service allows per challenge. */
  maxAttempts?: number;
}

export interface RunLivenessOptions {
  /** The challenge whose attempts the chunk plays (`POST api/v1/challenges/:id/liveness`). */
  challengeId: string;
  liveness: LivenessAttemptsOffer;
  verdictTexts: LivenessVerdictTexts;
  /** The widget's language (i18n.ts): the overlay speaks it, or English when the chunk has no table for it. */
  language: string;
  /** The service's root URL ending in `/`: the step route, widget/mediapipe.json and its files. */
  serviceBase: string;
  /** Aborting closes the camera and the overlay and rejects with `capture-cancelled`. */
  signal: AbortSignal;
  /** Progress for the widget's own status line (the same values as the overlay's data-phase). */
  onPhase?(phase: 'intro' | 'camera' | 'guidance' | 'script' | 'done'): void;
}

/** What the solution carries: the attempt of this challenge that passed. */
export interface LivenessProof {
  attempt: string;
}

/**
 * The chunk's export. Resolves with the attempt that passed (a failed one offers Retry in the overlay while
 * the service allows more); rejects with LivenessCaptureError or LivenessServiceError.
 */
export type RunLiveness = (options: RunLivenessOptions) => Promise<LivenessProof>;

export interface LivenessChunk {
  runLiveness: RunLiveness;
}
