/**
 * The peer's models: verified bytes, keyed by sha256. ONNX files are loaded into onnxruntime once (run in
 * worker threads); the face analysis's TensorFlow.js graphs and weights are held as bytes for the liveness
 * reviewer, which loads them by manifest id when its first review arrives.
 */
import type { OnnxAdapter } from '../../adapters/onnx.adapter';
import type { InferenceDevice } from '../../config/app-config';
import type { InferenceRunner } from '../../protocol/reference-solver';
import type { HeldModel } from './model-store';

export class ModelRunners {
  private readonly loaded = new Set<string>();
  private readonly byId = new Map<string, HeldModel>();

  constructor(readonly onnx: OnnxAdapter) {}

  /** The provider sessions run on: the requested one, or `cpu` after CUDA failed to load. */
  get device(): InferenceDevice {
    return this.onnx.device;
  }

  /** Loads the bytes that were checked against the signed sha256 (never re-read from disk). */
  async load(model: HeldModel): Promise<void> {
    if (model.descriptor.file.endsWith('.onnx')) await this.onnx.load(model.descriptor.sha256, model.bytes);
    this.loaded.add(model.descriptor.sha256);
    this.byId.set(model.descriptor.id, model);
  }

  /** The held model with this manifest id, if its bytes were verified. */
  model(id: string): HeldModel | undefined {
    const model = this.byId.get(id);
    return model && this.loaded.has(model.descriptor.sha256) ? model : undefined;
  }

  holds(sha256: string): boolean {
    return this.loaded.has(sha256);
  }

  held(): string[] {
    return [...this.loaded].sort();
  }

  forget(sha256: string): void {
    this.loaded.delete(sha256);
    for (const [id, model] of this.byId) if (model.descriptor.sha256 === sha256) this.byId.delete(id);
  }

  /** A runner feeding one float32 tensor to the model's named input. */
  runner(sha256: string, inputName: string, shape: readonly number[]): InferenceRunner {
    if (!this.loaded.has(sha256)) throw new Error(`model ${sha256} is not loaded`);
    return { run: (data) => this.onnx.run(sha256, { [inputName]: { data, dims: shape } }) };
  }

  release(): Promise<void> {
    this.loaded.clear();
    this.byId.clear();
    return this.onnx.release();
  }
}
