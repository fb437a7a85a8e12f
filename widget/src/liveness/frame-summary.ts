/**
 * One landmarker result → what the evidence carries for that frame (frameSummarySchema): numbers only, never
 * pixels. Pure, so the units and conventions are unit-tested.
 */
import type { FaceBox, FrameSummary } from '../../../src/protocol/liveness';
import { roundBox } from './crop-geometry';
import { headPoseFromMatrix } from './head-pose';

/** A face as the landmarker reports it, reduced to what the liveness capture uses. */
export interface FaceObservation {
  /** Landmarks normalised to the frame (x to the right, y down), as MediaPipe gives them. */
  landmarks: readonly { x: number; y: number }[];
  /** The facial transformation matrix, 16 numbers column-major, or null when the landmarker gave none. */
  matrix: ArrayLike<number> | null;
  /** Blendshape scores by category name (eyeBlinkLeft, mouthSmileRight, jawOpen, …). */
  blendshapes: Readonly<Record<string, number>>;
}

/** The landmarks' bounding box, clamped to the frame; null when there is nothing inside it. */
export function landmarkBox(landmarks: readonly { x: number; y: number }[]): FaceBox | null {
  if (landmarks.length === 0) return null;
  let [left, top, right, bottom] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const { x, y } of landmarks) {
    left = Math.min(left, x);
    right = Math.max(right, x);
    top = Math.min(top, y);
    bottom = Math.max(bottom, y);
  }
  [left, right] = [Math.max(0, left), Math.min(1, right)];
  [top, bottom] = [Math.max(0, top), Math.min(1, bottom)];
  if (right <= left || bottom <= top) return null;
  return roundBox({ x: left, y: top, w: right - left, h: bottom - top });
}

/** The frame summary at `t` ms since the script started, or null when the face gives no usable pose or box. */
export function summariseFrame(t: number, face: FaceObservation): FrameSummary | null {
  const box = landmarkBox(face.landmarks);
  if (!box || !face.matrix) return null;
  const pose = headPoseFromMatrix(face.matrix);
  if (![pose.yaw, pose.pitch, pose.roll].every(Number.isFinite)) return null;
  const score = (name: string) => face.blendshapes[name] ?? 0;
  return {
    t: Math.max(0, Math.round(t)),
    yaw: round(pose.yaw, 100),
    pitch: round(pose.pitch, 100),
    roll: round(pose.roll, 100),
    blink: unit((score('eyeBlinkLeft') + score('eyeBlinkRight')) / 2),
    smile: unit((score('mouthSmileLeft') + score('mouthSmileRight')) / 2),
    jawOpen: unit(score('jawOpen')),
    box,
  };
}

function round(value: number, scale: number): number {
  return Math.round(value * scale) / scale;
}

/** Blendshape scores, to three decimals and inside 0..1 whatever the model's rounding. */
function unit(value: number): number {
  return Math.min(1, Math.max(0, round(value, 1000)));
}
