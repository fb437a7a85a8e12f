/**
 * Head pose from MediaPipe's facial transformation matrix, in the sign conventions of the service's prompt
 * check (src/liveness/checks/prompts.check.ts): yaw > 0 when the person turns to their own left, pitch > 0
 * when they look up.
 *
 * The matrix maps MediaPipe's canonical face (facing +z, y up) into the camera's metric space (x to the right
 * of the unmirrored image, y up, the camera looking down −z), 4×4 in column-major order. Its third column is
 * where the face points: a person turning to their own left moves the nose towards the image's right edge
 * (+x), one looking up moves it up (+y).
 */

export interface HeadPose {
  yaw: number;
  pitch: number;
  roll: number;
}

const DEGREES = 180 / Math.PI;

/** `matrix`: 16 numbers, column-major (element (row r, column c) at index 4c + r). */
export function headPoseFromMatrix(matrix: ArrayLike<number>): HeadPose {
  if (matrix.length < 16) throw new RangeError('a facial transformation matrix has 16 elements');
  const at = (row: number, column: number) => matrix[column * 4 + row];
  // Where the face points (its +z axis) and which way is up for it (its +y axis), in camera space.
  const [fx, fy, fz] = [at(0, 2), at(1, 2), at(2, 2)];
  const [ux, uy] = [at(0, 1), at(1, 1)];
  return {
    yaw: Math.atan2(fx, fz) * DEGREES,
    pitch: Math.atan2(fy, Math.hypot(fx, fz)) * DEGREES,
    // > 0 when the head tilts towards the person's own left shoulder (the image's right).
    roll: Math.atan2(ux, uy) * DEGREES,
  };
}
