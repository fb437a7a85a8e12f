/**
 * Liveness v2 (docs/liveness.md): the server's own face analysis. Every verdict reads these values,
 * measured from the frames' pixels, never a number the client reports.
 */
import type { PixelRect, RgbImage } from '../rgb-image';

/** One face found by the server's detector in a frame. */
export interface FaceDetection {
  box: PixelRect;
  /** Detector confidence, 0..1. */
  score: number;
  /** Five points in image pixels: right eye, left eye (the person's own), nose tip, right and left mouth corners. */
  points: Array<[number, number]>;
}

/** What the landmark model measures on one face; the scales are the engine's, documented with its thresholds. */
export interface FaceMeasures {
  /** Degrees. yaw > 0: the person turns to their own left; pitch > 0: they look up; roll > 0: head tilts to their own left. */
  yaw: number;
  pitch: number;
  roll: number;
  /** Eye aperture over eye width from the iris model, mean of both eyes (real faces: 0.28–0.40 open, 0.05–0.10 shut). */
  eyeOpenness: number;
  /** Inner-lip gap over mouth width. */
  mouthOpenness: number;
  /** Mouth width over inter-ocular distance (grows with a smile). */
  smile: number;
}

export interface MeasureOptions {
  /**
   * Whether eye openness is measured with the iris model (default true). False saves about two thirds of a
   * frame's landmark time; eyeOpenness is then the face mesh's own lid reading, which under-reads closed eyes,
   * so only frames whose verdict reads no eyes may skip it.
   */
  eyes?: boolean;
}

export interface FaceAnalyzer {
  /** Every face in the image (all frames; must be cheap). */
  detect(image: RgbImage): Promise<FaceDetection[]>;
  /** `detect` of each image, in order: a step's frames at once, so the detector can batch them. */
  detectAll(images: readonly RgbImage[]): Promise<FaceDetection[][]>;
  /** Landmark measures of one detected face (only the frames that decide something). null: landmarks failed. */
  measure(image: RgbImage, face: FaceDetection, options?: MeasureOptions): Promise<FaceMeasures | null>;
  /** An L2-normalised identity descriptor of one face (a few frames per step). */
  describe(image: RgbImage, face: FaceDetection): Promise<Float32Array | null>;
}

/** One decoded frame of a step with what the detector found in it; `t` is ms on the client's step clock. */
export interface AnalysedFrame {
  i: number;
  t: number;
  image: RgbImage;
  /** The one face the detector found, or null when it found none or several. */
  face: FaceDetection | null;
  faces: number;
}
