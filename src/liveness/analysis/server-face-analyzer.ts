/**
 * The server's own face analysis (liveness v2): YuNet finds faces and their five points on every frame.
 * Landmark measures and the identity descriptor come with their engines.
 */
import type { OnnxAdapter } from '../../adapters/onnx.adapter';
import type { ModelRegistryService } from '../../models/model-registry.service';
import type { RgbImage } from '../rgb-image';
import type { FaceAnalyzer, FaceDetection, FaceMeasures } from './face-analyzer';
import { YUNET_MODEL_ID, YunetDetector } from './yunet-detector';

export class ServerFaceAnalyzer implements FaceAnalyzer {
  constructor(private readonly detector: YunetDetector) {}

  /** Loads every model the analysis needs from the verified registry into the shared OnnxAdapter. */
  static async fromRegistry(registry: ModelRegistryService, onnx: OnnxAdapter): Promise<ServerFaceAnalyzer> {
    const detector = await YunetDetector.load(onnx, registry.get(YUNET_MODEL_ID).file.bytes);
    return new ServerFaceAnalyzer(detector);
  }

  detect(image: RgbImage): Promise<FaceDetection[]> {
    return this.detector.detect(image);
  }

  measure(_image: RgbImage, _face: FaceDetection): Promise<FaceMeasures | null> {
    return Promise.resolve(null);
  }

  describe(_image: RgbImage, _face: FaceDetection): Promise<Float32Array | null> {
    return Promise.resolve(null);
  }
}
