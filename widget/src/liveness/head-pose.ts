/**
 * Head pose from MediaPipe's facial transformation matrix, in the sign conventions of the service's prompt
 * check (src/liveness/checks/prompts.check.ts): yaw > 0 when the person turns to their own left, pitch > 0
 * when they look up.
 *
 * The matrix maps MediaPipe's canonical face (facing +z, y up) into the camera's metric space (x to the right
 * of the unmirrored image, y up, the camera at the origin looking down −z; checked on photos: a face in the
 * image's upper left has a translation with x < 0, y > 0), 4×4 in column-major order. Its third column is
 * where the face points: a person turning to their own left moves the nose towards the image's right edge
 * (+x), one looking up moves it up (+y).
 *
 * Angles are measured from the line of sight to the camera, not from the camera's axis: a person looking
 * straight at the camera from the edge of the picture is at rest, as the prompt check's rest thresholds
 * assume (uncorrected, a face 20 cm above the axis at 60 cm reads as 18° looking down).
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
  // From the face towards the camera: minus the translation (`0 -`, not `-`: atan2(−0, −0) would be −180°).
  const [cx, cy, cz] = [0 - at(0, 3), 0 - at(1, 3), 0 - at(2, 3)];
  const yaw = Math.atan2(fx, fz) - Math.atan2(cx, cz);
  const pitch = Math.atan2(fy, Math.hypot(fx, fz)) - Math.atan2(cy, Math.hypot(cx, cz));
  return {
    yaw: wrapDegrees(yaw * DEGREES),
    pitch: wrapDegrees(pitch * DEGREES),
    // > 0 when the head tilts towards the person's own left shoulder (the image's right).
    roll: wrapDegrees(Math.atan2(ux, uy) * DEGREES),
  };
}

/** Into −180..180. */
function wrapDegrees(angle: number): number {
  const wrapped = ((((angle + 180) % 360) + 360) % 360) - 180;
  return wrapped === -180 && angle > 0 ? 180 : wrapped;
}
