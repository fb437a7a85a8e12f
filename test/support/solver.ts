import type { OnnxAdapter } from '../../src/adapters/onnx.adapter';
import type { InferenceTask, WireOutput } from '../../src/protocol/inference-task';
import { solveTask } from '../../src/protocol/reference-solver';

/** Solves a challenge's task with the reference solver on onnxruntime-node, as a visitor's device would. */
export async function solveChallenge(onnx: OnnxAdapter, task: InferenceTask): Promise<WireOutput[]> {
  const runner = {
    run: (data: Float32Array) => onnx.run(task.modelId, { [task.inputName]: { data, dims: task.inputShape } }),
  };
  return (await solveTask(task, runner)).outputs;
}
