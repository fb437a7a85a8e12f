/** Check (b): the server's own detector finds exactly one face in every crop, where the client said it was
 * (so a client cannot inject landmark numbers for a face that is not there). */
import type { LivenessCrop } from '../../protocol/liveness';
import type { CheckResult } from '../check-result';
import { unavailable } from '../check-result';
import type { DetectedFace, LivenessModelRunner } from '../liveness-models';
import { LIVENESS_MODELS, detectFaces, iou } from '../liveness-models';
import type { RgbImage } from '../rgb-image';

export interface FaceOutcome {
  result: CheckResult;
  /** The server's face box per crop (pixels), or null where none was accepted. */
  faces: (DetectedFace | null)[];
}

/** Share of crops that must show a matching face (one blurred crop in ten is forgiven). */
export const FACE_MIN_SHARE = 0.8;

export async function checkFaces(
  runner: LivenessModelRunner,
  crops: readonly LivenessCrop[],
  images: readonly RgbImage[],
  minIou: number,
): Promise<FaceOutcome> {
  if (!runner.has(LIVENESS_MODELS.faceDetector)) {
    return { result: unavailable('face-detector-not-installed'), faces: images.map(() => null) };
  }
  const reasons = new Set<string>();
  const faces: (DetectedFace | null)[] = [];
  for (let i = 0; i < images.length; i++) {
    const image = images[i];
    const found = await detectFaces(runner, image);
    if (found.length === 0) {
      reasons.add('no-face-in-crop');
      faces.push(null);
      continue;
    }
    if (found.length > 1) reasons.add('several-faces-in-crop');
    const claimed = crops[i].box;
    const claimedPx = {
      x: claimed.x * image.width,
      y: claimed.y * image.height,
      w: claimed.w * image.width,
      h: claimed.h * image.height,
    };
    if (iou(found[0], claimedPx) < minIou) {
      reasons.add('face-box-mismatch');
      faces.push(null);
      continue;
    }
    faces.push(found.length === 1 ? found[0] : null);
  }
  const share = faces.filter((face) => face !== null).length / Math.max(1, images.length);
  const passed = share >= FACE_MIN_SHARE && !reasons.has('several-faces-in-crop');
  return { result: { score: share, status: passed ? 'pass' : 'fail', reasons: [...reasons] }, faces };
}
