/** Runs the liveness models through the shared OnnxAdapter, from the bytes the registry verified. */
import type { OnnxAdapter } from '../adapters/onnx.adapter';
import type { LivenessModelRunner } from './liveness-models';
import { LIVENESS_MODELS } from './liveness-models';

export const LIVENESS_MODEL_IDS: readonly string[] = [
  LIVENESS_MODELS.faceDetector,
  ...LIVENESS_MODELS.antiSpoof.map((model) => model.id),
  LIVENESS_MODELS.deepfake,
];

/** A verified model file and its first input's name: the service's registry entry, or a peer's copy. */
export interface RunnableModel {
  descriptor: { inputs: ReadonlyArray<{ name: string }> };
  file: { bytes: Uint8Array };
}

export class OnnxLivenessRunner implements LivenessModelRunner {
  private readonly installed = new Map<string, RunnableModel>();

  constructor(
    private readonly onnx: OnnxAdapter,
    find: (modelId: string) => RunnableModel | undefined,
  ) {
    for (const id of LIVENESS_MODEL_IDS) {
      const model = find(id);
      if (model) this.installed.set(id, model);
    }
  }

  /** Loads every installed liveness model, so a model onnxruntime rejects stops start-up, not a visitor. */
  async loadAll(): Promise<void> {
    await Promise.all([...this.installed].map(([id, model]) => this.onnx.load(id, model.file.bytes)));
  }

  has(modelId: string): boolean {
    return this.installed.has(modelId);
  }

  async run(modelId: string, data: Float32Array, dims: readonly number[]): Promise<Record<string, Float32Array>> {
    const model = this.installed.get(modelId);
    if (!model) throw new Error(`model ${modelId} is not installed`);
    await this.onnx.load(modelId, model.file.bytes);
    return this.onnx.run(modelId, { [model.descriptor.inputs[0].name]: { data, dims } });
  }
}
