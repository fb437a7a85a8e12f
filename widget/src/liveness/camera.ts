/**
 * The visitor's camera: the user-facing one at about 640×480, with getUserMedia's failures mapped to the
 * contract's codes. The only place that touches navigator.mediaDevices.
 */
import type { CaptureErrorCode } from '../liveness-contract';
import { LivenessCaptureError } from '../liveness-contract';

export const CAMERA_CONSTRAINTS: MediaStreamConstraints = {
  audio: false,
  video: { facingMode: 'user', width: { ideal: 640 }, height: { ideal: 480 } },
};

/** getUserMedia's DOMException names (and the legacy ones older browsers still use) → the contract's codes. */
export function cameraErrorCode(error: unknown): CaptureErrorCode {
  const name = typeof error === 'object' && error !== null && 'name' in error ? String(error.name) : '';
  switch (name) {
    case 'NotAllowedError':
    case 'PermissionDeniedError':
    case 'SecurityError':
      return 'camera-denied';
    case 'NotFoundError':
    case 'DevicesNotFoundError':
    case 'OverconstrainedError':
    case 'ConstraintNotSatisfiedError':
      return 'camera-not-found';
    case 'NotReadableError':
    case 'TrackStartError':
      return 'camera-in-use';
    case 'TypeError':
      return 'camera-unsupported';
    default:
      return 'camera-failed';
  }
}

export async function openCamera(): Promise<MediaStream> {
  // Browsers leave mediaDevices undefined outside a secure context (http: pages other than localhost).
  if (!globalThis.isSecureContext || typeof navigator.mediaDevices?.getUserMedia !== 'function') {
    throw new LivenessCaptureError('camera-unsupported');
  }
  try {
    return await navigator.mediaDevices.getUserMedia(CAMERA_CONSTRAINTS);
  } catch (error) {
    throw new LivenessCaptureError(cameraErrorCode(error));
  }
}

export function stopCamera(stream: MediaStream | null): void {
  for (const track of stream?.getTracks() ?? []) track.stop();
}

/** Plays the stream in `video` and waits until its first frame has a size. */
export async function attachStream(video: HTMLVideoElement, stream: MediaStream): Promise<void> {
  video.muted = true;
  video.playsInline = true;
  video.srcObject = stream;
  try {
    await video.play();
    if (video.videoWidth === 0) {
      await new Promise<void>((resolve, reject) => {
        video.addEventListener('loadeddata', () => resolve(), { once: true });
        video.addEventListener('error', () => reject(new Error('video error')), { once: true });
      });
    }
  } catch {
    throw new LivenessCaptureError('camera-failed');
  }
}
