/**
 * Pose and expression from MediaPipe's 468-point face mesh: pure geometry, no library. Point indices are
 * MediaPipe's canonical face mesh; "right" is the person's own right (the image's left, frames are not
 * mirrored). Thresholds were calibrated on real recordings (docs/liveness-analysis.md).
 */
import type { PixelRect } from '../rgb-image';
import type { FaceDetection, FaceMeasures } from './face-analyzer';

/** The face mesh's input side. */
export const MESH_SIDE = 192;
/** The square cut for the mesh, in YuNet box widths about the box centre (MediaPipe crops its box × 1.5). */
export const MESH_CONTEXT = 1.6;
/** The mesh's own face-presence score below which its points are not trusted. */
export const MESH_MIN_CONFIDENCE = 0.5;

const P = {
  rightEyeOuter: 33,
  rightEyeInner: 133,
  rightEyeUpper: [160, 159, 158],
  rightEyeLower: [144, 145, 153],
  leftEyeOuter: 263,
  leftEyeInner: 362,
  leftEyeUpper: [385, 386, 387],
  leftEyeLower: [380, 374, 373],
  mouthRight: 61,
  mouthLeft: 291,
  lipUpperInner: 13,
  lipLowerInner: 14,
  rightCheek: 234,
  leftCheek: 454,
  forehead: 10,
  chin: 152,
  noseTip: 1,
} as const;

/** The mouth is open above this mouth openness (inner-lip gap over mouth width); rest reads ≤ 0.12. */
export const MOUTH_OPEN_ABOVE = 0.18;
/**
 * A smile in one frame: mouth width over the distance between the eye centres above this. Rest faces read
 * 0.70–0.90, the one real smile 0.83–1.10 (median 1.06).
 */
export const SMILE_ABOVE = 0.95;
/** A smile against the same person's rest value (not calibrated per person: no real neutral-then-smile clip). */
export const SMILE_RATIO_ABOVE_REST = 1.15;
/** A head turn: yaw at least this many degrees away from the rest yaw (real turns read 36–45°). */
export const TURN_MIN_DEGREES = 20;
/** Looking up: pitch at least this many degrees above the rest pitch (uncalibrated: no real look-up data). */
export const LOOK_UP_MIN_DEGREES = 12;

export function meshCrop(face: FaceDetection, context: number): PixelRect {
  const side = face.box.w * context;
  const cx = face.box.x + face.box.w / 2;
  const cy = face.box.y + face.box.h / 2;
  return { x: cx - side / 2, y: cy - side / 2, w: side, h: side };
}

/** The measures of a mesh of 468 points (x, y, z; z in x's scale, larger = farther from the camera). */
export function measuresFromMesh(mesh: Float32Array): FaceMeasures {
  const pt = (i: number): [number, number, number] => [mesh[i * 3], mesh[i * 3 + 1], mesh[i * 3 + 2]];
  const dist = (a: number, b: number) => {
    const [ax, ay] = pt(a);
    const [bx, by] = pt(b);
    return Math.hypot(ax - bx, ay - by);
  };
  const aperture = (upper: readonly number[], lower: readonly number[]) =>
    upper.reduce((sum, u, k) => sum + dist(u, lower[k]), 0) / upper.length;
  const rightEye = aperture(P.rightEyeUpper, P.rightEyeLower) / dist(P.rightEyeOuter, P.rightEyeInner);
  const leftEye = aperture(P.leftEyeUpper, P.leftEyeLower) / dist(P.leftEyeOuter, P.leftEyeInner);
  const mouthWidth = dist(P.mouthRight, P.mouthLeft);
  const eyeCentre = (a: number, b: number): [number, number] => {
    const [ax, ay] = pt(a);
    const [bx, by] = pt(b);
    return [(ax + bx) / 2, (ay + by) / 2];
  };
  const re = eyeCentre(P.rightEyeOuter, P.rightEyeInner);
  const le = eyeCentre(P.leftEyeOuter, P.leftEyeInner);
  const interOcular = Math.hypot(le[0] - re[0], le[1] - re[1]);

  const [rcx, , rcz] = pt(P.rightCheek);
  const [lcx, , lcz] = pt(P.leftCheek);
  const [, fy, fz] = pt(P.forehead);
  const [, cy, cz] = pt(P.chin);
  const deg = 180 / Math.PI;
  return {
    // Turning to their own left brings the right cheek (image left) toward the camera.
    yaw: Math.atan2(lcz - rcz, lcx - rcx) * deg,
    // Looking up brings the chin toward the camera and the forehead away.
    pitch: Math.atan2(fz - cz, cy - fy) * deg,
    // Image y grows downward: a tilt to their own left lowers the left eye (image right).
    roll: Math.atan2(le[1] - re[1], le[0] - re[0]) * deg,
    eyeOpenness: (rightEye + leftEye) / 2,
    mouthOpenness: dist(P.lipUpperInner, P.lipLowerInner) / mouthWidth,
    smile: mouthWidth / interOcular,
  };
}
