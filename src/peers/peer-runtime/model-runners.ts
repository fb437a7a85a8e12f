/** The peer's onnxruntime: verified model bytes loaded once, keyed by sha256, run in worker threads. */
import type { OnnxAdapter } from '../../adapters/onnx.adapter';
import type { InferenceDevice } from '../../config/app-config';
import type { InferenceRunner } from '../../protocol/reference-solver';
import type { HeldModel } from './model-store';

export class ModelRunners {
  private readonly loaded = new Set<string>();

  constructor(private readonly onnx: OnnxAdapter) {}

  /** The provider sessions run on: the requested one, or `cpu` after CUDA failed to load. */
  get device(): InferenceDevice {
    return this.onnx.device;
  }

  /** Loads the bytes that were checked against the signed sha256 (never re-read from disk). */
  async load(model: HeldModel): Promise<void> {
    await this.onnx.load(model.descriptor.sha256, model.bytes);
    this.loaded.add(model.descriptor.sha256);
  }

  holds(sha256: string): boolean {
    return this.loaded.has(sha256);
  }

  held(): string[] {
    return [...this.loaded].sort();
  }

  forget(sha256: string): void {
    this.loaded.delete(sha256);
  }

  /** A runner feeding one float32 tensor to the model's named input. */
  runner(sha256: string, inputName: string, shape: readonly number[]): InferenceRunner {
    if (!this.loaded.has(sha256)) throw new Error(`model ${sha256} is not loaded`);
    return { run: (data) => this.onnx.run(sha256, { [inputName]: { data, dims: shape } }) };
  }

  release(): Promise<void> {
    this.loaded.clear();
    return this.onnx.release();
  }
}
