/**
 * The solver worker: receives a challenge's task, runs it with the same protocol code the service verifies
 * with (`src/protocol/`), and reports progress. Jobs run one at a time; a cancelled job stops between inputs.
 */
import { solveInput } from '../../../src/protocol/reference-solver';
import type { InferenceTask, WireOutput } from '../../../src/protocol/inference-task';
import { BLAZEFACE_OUTPUT_FORMAT } from '../../../src/protocol/inference-task';
import type { FromWorker, SolveTask, ToWorker } from '../worker-messages';
import { SolveError, fetchCheckedModel } from './model-fetch';
import type { ModelSession } from './ort-runtime';
import { createSession, preloadRuntime } from './ort-runtime';

interface WorkerScope {
  postMessage(message: FromWorker): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<ToWorker>) => void): void;
}

const scope = self as unknown as WorkerScope;
/** How often progress is reported at most: often enough for a smooth bar, rarely enough to stay cheap. */
const PROGRESS_INTERVAL_MS = 50;

const cancelled = new Set<number>();
const sessions = new Map<string, Promise<ModelSession>>();
let queue: Promise<void> = Promise.resolve();

scope.addEventListener('message', ({ data }) => {
  if (data.type === 'cancel') cancelled.add(data.job);
  if (data.type === 'prepare') preloadRuntime().catch(() => undefined);
  if (data.type === 'solve') queue = queue.then(() => solve(data.job, data.task));
});

async function solve(job: number, solveTask: SolveTask): Promise<void> {
  const started = performance.now();
  try {
    const task = checkedTask(solveTask);
    const session = await sessionFor(solveTask);
    const outputs: WireOutput[] = [];
    let reported = 0;
    for (let index = 0; index < task.count; index++) {
      if (cancelled.has(job)) return;
      outputs.push(await solveInput(task, index, session.runner));
      if (performance.now() - reported >= PROGRESS_INTERVAL_MS) {
        reported = performance.now();
        scope.postMessage({ type: 'progress', job, done: index + 1, count: task.count });
      }
    }
    scope.postMessage({ type: 'progress', job, done: task.count, count: task.count });
    scope.postMessage({ type: 'solved', job, outputs, backend: session.backend, ms: performance.now() - started });
  } catch (error) {
    const code = error instanceof SolveError ? error.code : 'inference-error';
    scope.postMessage({ type: 'failed', job, code, message: (error as Error)?.message ?? String(error) });
  } finally {
    cancelled.delete(job);
  }
}

/** A task this worker knows how to run; a newer service may hand out formats an old cached worker lacks. */
function checkedTask(task: SolveTask): InferenceTask {
  if (task.outputFormat !== BLAZEFACE_OUTPUT_FORMAT) {
    throw new SolveError('unsupported-task', `output format ${task.outputFormat} is not supported`);
  }
  return { ...task, outputFormat: task.outputFormat };
}

/** One session per model, kept for the worker's life: a retry or a second widget skips the set-up. */
function sessionFor(task: SolveTask): Promise<ModelSession> {
  const key = `${task.modelSha256}|${task.inputName}|${task.inputShape.join('x')}`;
  let pending = sessions.get(key);
  if (!pending) {
    pending = fetchCheckedModel(task.modelUrl, task.modelSha256).then((model) =>
      createSession({ model, modelSha256: task.modelSha256, inputName: task.inputName, inputShape: task.inputShape }),
    );
    sessions.set(key, pending);
    pending.catch(() => sessions.delete(key));
  }
  return pending;
}
