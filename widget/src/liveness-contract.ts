/**
 * The seam between the widget (peerproof.js: states, texts, service calls) and its lazily loaded liveness
 * chunk (liveness.js: camera, FaceLandmarker, the overlay, the flashes, the crops). The widget imports this
 * file for types and the error class only; the chunk's entry module exports `runLiveness`.
 *
 * The overlay is a full-viewport element appended to document.body; its host element carries
 * `data-peerproof-liveness` and mirrors what the visitor is being shown, so sites can style around it and
 * tests can act as a visitor would:
 *   data-phase="intro|camera|guidance|script|done"
 *   data-prompt="turn-left|…"   while a prompt is on screen (absent otherwise)
 *   data-flash="r,g,b"          while a flash colour is lit (absent otherwise)
 * The intro has a start button (`button[data-action="start"]`, after the photosensitivity warning) and
 * every phase a cancel button (`button[data-action="cancel"]`).
 */
import type { LivenessChallengeDto } from '../../src/protocol/challenge-wire';
import type { LivenessEvidence, PromptAction } from '../../src/protocol/liveness';

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
  /** While the colours flash: keep still, face the screen. */
  holdStill: string;
}

export interface RunLivenessOptions {
  challenge: LivenessChallengeDto;
  /** The widget's language (i18n.ts): the overlay speaks it, or English when the chunk has no table for it. */
  language: string;
  /** The service's root URL ending in `/`: the chunk loads widget/mediapipe.json and its files from it. */
  serviceBase: string;
  /** Aborting closes the camera and the overlay and rejects with `capture-cancelled`. */
  signal: AbortSignal;
  /** Progress for the widget's own status line (the same values as the overlay's data-phase). */
  onPhase?(phase: 'intro' | 'camera' | 'guidance' | 'script' | 'done'): void;
}

/** The chunk's export. Resolves with evidence for the challenge's nonce; rejects with LivenessCaptureError. */
export type RunLiveness = (options: RunLivenessOptions) => Promise<LivenessEvidence>;

export interface LivenessChunk {
  runLiveness: RunLiveness;
}
