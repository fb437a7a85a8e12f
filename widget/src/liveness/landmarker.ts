/**
 * MediaPipe's FaceLandmarker, loaded from the service only: widget/mediapipe.json names the content-hashed
 * WebAssembly and model files that widget/build.mjs copied next to the chunk. The only module that imports
 * @mediapipe/tasks-vision.
 */
import { FaceLandmarker } from '@mediapipe/tasks-vision';
import type { FaceLandmarkerResult } from '@mediapipe/tasks-vision';
import { LivenessCaptureError } from '../liveness-contract';
import type { FaceObservation } from './frame-summary';

/** widget/mediapipe.json: file names relative to the service's `widget/`. */
export interface MediapipeFiles {
  wasmLoader: string;
  wasmBinary: string;
  model: string;
}

/** Up to two faces, so that a second person in the picture is noticed rather than ignored. */
const MAX_FACES = 2;

export class FaceTracker {
  private lastTimestamp = 0;

  private constructor(private readonly landmarker: FaceLandmarker) {}

  /** `serviceBase` ends in `/`. Rejects with `landmarker-failed` when a file or the runtime fails. */
  static async load(serviceBase: string): Promise<FaceTracker> {
    try {
      const widgetBase = new URL('widget/', serviceBase);
      const files = await fetchFiles(new URL('mediapipe.json', widgetBase));
      const url = (name: string) => new URL(name, widgetBase).href;
      const landmarker = await FaceLandmarker.createFromOptions(
        { wasmLoaderPath: url(files.wasmLoader), wasmBinaryPath: url(files.wasmBinary) },
        {
          baseOptions: { modelAssetPath: url(files.model), delegate: 'CPU' },
          runningMode: 'VIDEO',
          numFaces: MAX_FACES,
          // Landmarks only: the guidance and the crop need the face's box, and the service measures poses
          // and expressions itself, so the blendshape model's time is saved for the guidance's frame rate.
          outputFaceBlendshapes: false,
          outputFacialTransformationMatrixes: false,
        },
      );
      return new FaceTracker(landmarker);
    } catch {
      throw new LivenessCaptureError('landmarker-failed');
    }
  }

  /** The faces in the video's current frame. */
  detect(video: HTMLVideoElement, nowMs: number): FaceObservation[] {
    // VIDEO mode wants strictly increasing timestamps.
    const timestamp = Math.max(Math.round(nowMs), this.lastTimestamp + 1);
    this.lastTimestamp = timestamp;
    let result: FaceLandmarkerResult;
    try {
      result = this.landmarker.detectForVideo(video, timestamp);
    } catch {
      throw new LivenessCaptureError('landmarker-failed');
    }
    return toObservations(result);
  }

  close(): void {
    this.landmarker.close();
  }
}

async function fetchFiles(url: URL): Promise<MediapipeFiles> {
  const response = await fetch(url, { credentials: 'omit' });
  if (!response.ok) throw new Error(`mediapipe.json: ${response.status}`);
  const files = (await response.json()) as Partial<MediapipeFiles>;
  const names = [files.wasmLoader, files.wasmBinary, files.model];
  if (!names.every((name) => typeof name === 'string' && /^mediapipe\/[\w.-]+$/.test(name))) {
    throw new Error('mediapipe.json is not a file list');
  }
  return files as MediapipeFiles;
}

export function toObservations(result: FaceLandmarkerResult): FaceObservation[] {
  return result.faceLandmarks.map((landmarks) => ({ landmarks }));
}
