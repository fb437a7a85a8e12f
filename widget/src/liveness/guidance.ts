/**
 * What the oval guidance tells the visitor before the script starts, from the faces the landmarker found
 * and the brightness of the face. Pure: the overlay shows the hint, the gate decides when to start.
 */
import type { FaceBox } from '../../../src/protocol/liveness-plan';
import type { GuidanceHint } from '../liveness-contract';

export const GUIDANCE_LIMITS = {
  /** Face width as a share of the frame's width: below, the crops would be upscaled mush… */
  minFaceWidth: 0.2,
  /** …above, the 3-face-side crop would be clamped to the frame and the head leaves it when turning. */
  maxFaceWidth: 0.55,
  /** Largest distance of the face's centre from the frame's centre, as a share of the frame. */
  maxCentreOffset: 0.15,
  /** Least mean luma (0–255) of the face: darker faces show too little of the flashes' light. */
  minFaceLuma: 50,
  /** How long the face must be `ok` without a break before the script starts. */
  steadyMs: 500,
} as const;

/** `faces`: normalised to the frame; `faceLuma`: mean luma of the first face's box, or null if unknown. */
export function decideGuidance(faces: readonly FaceBox[], faceLuma: number | null): GuidanceHint {
  if (faces.length === 0) return 'no-face';
  if (faces.length > 1) return 'several-faces';
  const [face] = faces;
  if (face.w < GUIDANCE_LIMITS.minFaceWidth) return 'too-far';
  if (face.w > GUIDANCE_LIMITS.maxFaceWidth) return 'too-close';
  const dx = face.x + face.w / 2 - 0.5;
  const dy = face.y + face.h / 2 - 0.5;
  if (Math.abs(dx) > GUIDANCE_LIMITS.maxCentreOffset || Math.abs(dy) > GUIDANCE_LIMITS.maxCentreOffset) {
    return 'off-centre';
  }
  if (faceLuma !== null && faceLuma < GUIDANCE_LIMITS.minFaceLuma) return 'too-dark';
  return 'ok';
}

/** Opens once the hint has been `ok` for `steadyMs` without a break; any other hint starts the wait again. */
export class SteadyGate {
  private okSince: number | null = null;

  constructor(private readonly steadyMs: number = GUIDANCE_LIMITS.steadyMs) {}

  /** Feeds the hint of the frame at `nowMs`; true once the face has been steady long enough. */
  update(hint: GuidanceHint, nowMs: number): boolean {
    if (hint !== 'ok') {
      this.okSince = null;
      return false;
    }
    this.okSince ??= nowMs;
    return nowMs - this.okSince >= this.steadyMs;
  }
}

/** Mean luma (BT.601) of RGBA pixels, e.g. a small canvas's ImageData of the face region. */
export function meanLuma(rgba: ArrayLike<number>): number {
  const pixels = Math.floor(rgba.length / 4);
  if (pixels === 0) return 0;
  let sum = 0;
  for (let i = 0; i < pixels * 4; i += 4) sum += 0.299 * rgba[i] + 0.587 * rgba[i + 1] + 0.114 * rgba[i + 2];
  return sum / pixels;
}
