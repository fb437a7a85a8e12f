/**
 * The models a liveness review runs: the server's face analysis always, and the passive models when the
 * review's settings have them on. The service names them by sha256 in the job, so only peers holding every
 * one are drawn; the peer looks them up by manifest id, as the service does.
 */
import { FACE_ANALYSIS_MODELS } from '../analysis/server-face-analyzer';
import { YUNET_MODEL_ID } from '../analysis/yunet-detector';
import { LIVENESS_MODEL_IDS } from '../onnx-liveness-runner';

export const FACE_ANALYSIS_MODEL_IDS: readonly string[] = [YUNET_MODEL_ID, ...Object.values(FACE_ANALYSIS_MODELS)];

export function reviewModelIds(passiveEnabled: boolean): string[] {
  return passiveEnabled ? [...FACE_ANALYSIS_MODEL_IDS, ...LIVENESS_MODEL_IDS] : [...FACE_ANALYSIS_MODEL_IDS];
}
