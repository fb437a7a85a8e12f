/**
 * The server's own face analysis (liveness v2, src/liveness/analysis/) on frames of the simulated camera:
 * each 640×480 frame is cut as the widget sends it (the 192-px square about the face, JPEG) and measured by
 * ServerFaceAnalyzer, so a browser test can check that the camera's expressions cross the server's thresholds.
 */
import { CryptoAdapter } from '../../src/adapters/crypto.adapter';
import { FileStoreAdapter } from '../../src/adapters/file-store.adapter';
import { JpegAdapter } from '../../src/adapters/jpeg.adapter';
import { OnnxAdapter } from '../../src/adapters/onnx.adapter';
import { loadConfig } from '../../src/config/app-config';
import type { FaceMeasures } from '../../src/liveness/analysis/face-analyzer';
import { ServerFaceAnalyzer } from '../../src/liveness/analysis/server-face-analyzer';
import { widgetFrame } from '../../src/liveness/eval/passive-samples';
import { ModelRegistryService } from '../../src/models/model-registry.service';

export class ServerEngine {
  private readonly jpeg = new JpegAdapter();

  private constructor(
    private readonly analyzer: ServerFaceAnalyzer,
    private readonly onnx: OnnxAdapter,
  ) {}

  static async start(): Promise<ServerEngine> {
    const registry = new ModelRegistryService(loadConfig({}), new FileStoreAdapter(), new CryptoAdapter());
    await registry.onModuleInit();
    const onnx = new OnnxAdapter({ device: 'cpu', intraOpNumThreads: 1, workers: 1 });
    return new ServerEngine(await ServerFaceAnalyzer.fromRegistry(registry, onnx), onnx);
  }

  /** The server's measures of one camera frame (JPEG bytes), in the widget's crop; null without one face. */
  async measure(frame: Uint8Array): Promise<FaceMeasures | null> {
    const picture = this.jpeg.decode(frame);
    const found = await this.analyzer.detect(picture);
    if (found.length === 0) return null;
    const person = found.reduce((a, b) => (a.box.w * a.box.h >= b.box.w * b.box.h ? a : b));
    const { image } = widgetFrame(this.jpeg, picture, person.box);
    const faces = await this.analyzer.detect(image);
    if (faces.length !== 1) return null;
    return this.analyzer.measure(image, faces[0]);
  }

  async release(): Promise<void> {
    await this.onnx.release();
  }
}
