/**
 * The reference client of the proof-of-inference task. The model runtime is injected, so the same code
 * runs in the browser worker (onnxruntime-web), on the service (onnxruntime-node) and in tests.
 */
import type { InferenceSolution, InferenceTask, WireOutput } from './inference-task';
import { BLAZEFACE_OUTPUT_FORMAT, argmax, blazefaceScores, deriveInput, roundScore } from './inference-task';

/** Runs the task's model on one input tensor (shaped as the task says) and returns every output by name. */
export interface InferenceRunner {
  run(input: Float32Array): Promise<Record<string, Float32Array>>;
}

/**
 * The unrounded face scores of input `index` (derive it, run it, take the sigmoid of both score tensors):
 * what a verifier hands to `verifyCompactOutput` for each spot-checked index.
 */
export async function recomputeScores(
  task: InferenceTask,
  index: number,
  runner: InferenceRunner,
): Promise<Float64Array> {
  if (task.outputFormat !== BLAZEFACE_OUTPUT_FORMAT) throw new RangeError(`unknown output format ${task.outputFormat}`);
  return blazefaceScores(await runner.run(deriveInput(task.seed, index, task.inputShape)));
}

/** The compact output of input `index` as it goes on the wire: `[anchor, score]`. */
export async function solveInput(task: InferenceTask, index: number, runner: InferenceRunner): Promise<WireOutput> {
  const scores = await recomputeScores(task, index, runner);
  const anchor = argmax(scores);
  return [anchor, roundScore(scores[anchor])];
}

/** Solves every input in index order, one at a time (inputs are small; parallelism is the runtime's job). */
export async function solveTask(task: InferenceTask, runner: InferenceRunner): Promise<InferenceSolution> {
  if (!Number.isInteger(task.count) || task.count < 0) throw new RangeError('task count must be a whole number');
  const outputs: WireOutput[] = [];
  for (let index = 0; index < task.count; index++) outputs.push(await solveInput(task, index, runner));
  return { outputs };
}
