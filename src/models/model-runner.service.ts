import type { OnApplicationBootstrap } from '@nestjs/common';
import { Injectable } from '@nestjs/common';
import { OnnxAdapter } from '../adapters/onnx.adapter';
import type { InferenceRunner } from '../protocol/reference-solver';
import { ModelRegistryService } from './model-registry.service';

/** The role of the models that proof-of-inference tasks run; they are loaded before the first request. */
export const INFERENCE_TASK_ROLE = 'inference-task';

/** Joins the registry's verified bytes to onnxruntime: a ready-to-call runner per model. */
@Injectable()
export class ModelRunnerService implements OnApplicationBootstrap {
  constructor(
    private readonly registry: ModelRegistryService,
    private readonly onnx: OnnxAdapter,
  ) {}

  /** Loads the task models up front, so a model onnxruntime rejects stops start-up, not a visitor's check. */
  async onApplicationBootstrap(): Promise<void> {
    const models = this.registry.manifest().models.filter((model) => model.role === INFERENCE_TASK_ROLE);
    await Promise.all(models.map((model) => this.runnerFor(model.id)));
  }

  /**
   * How many inferences to keep in flight: two per worker thread, one running and one queued behind it, so
   * a worker never idles for the round trip to the event loop between two runs.
   */
  get lanes(): number {
    return 2 * this.onnx.parallelism;
  }

  /**
   * A runner feeding one float32 tensor to the model's first input, shaped as the manifest says. With
   * `transferInputs`, each input's buffer moves to the inference worker rather than being copied (see
   * OnnxAdapter.run): for callers that build a fresh input per run and never read it again.
   */
  async runnerFor(modelId: string, { transferInputs = false } = {}): Promise<InferenceRunner> {
    const { descriptor, file } = this.registry.get(modelId);
    const input = descriptor.inputs[0];
    if (input.shape.some((dim) => dim < 1)) throw new Error(`model ${modelId} has an open input shape`);
    await this.onnx.load(modelId, file.bytes);
    return {
      run: (data) => this.onnx.run(modelId, { [input.name]: { data, dims: input.shape } }, { transferInputs }),
    };
  }
}
