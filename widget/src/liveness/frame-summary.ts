/**
 * One landmarker result → the face box the guidance and the crop use. The landmarker's numbers never leave
 * the page and decide nothing: the service measures the face in the frames' pixels. Pure.
 */
import type { FaceBox } from '../../../src/protocol/liveness-plan';
import { roundBox } from './crop-geometry';

/** A face as the landmarker reports it, reduced to what the liveness capture uses. */
export interface FaceObservation {
  /** Landmarks normalised to the frame (x to the right, y down), as MediaPipe gives them. */
  landmarks: readonly { x: number; y: number }[];
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
