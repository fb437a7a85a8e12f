/** The messages between the loader and the solver worker; types only, shared by both bundles. */
import type { InferenceTask, WireOutput } from '../../src/protocol/inference-task';

/** A challenge's task as the service sends it; the worker checks `outputFormat` before running it. */
export interface SolveTask extends Omit<InferenceTask, 'outputFormat'> {
  outputFormat: string;
  modelUrl: string;
}

export type ToWorker =
  { type: 'prepare' } | { type: 'solve'; job: number; task: SolveTask } | { type: 'cancel'; job: number };

export type FromWorker =
  | { type: 'progress'; job: number; done: number; count: number }
  | { type: 'solved'; job: number; outputs: WireOutput[]; backend: string; ms: number }
  | { type: 'failed'; job: number; code: string; message: string };
