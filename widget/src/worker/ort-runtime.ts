/**
 * onnxruntime-web behind the reference solver's `InferenceRunner`. Both builds of the runtime are separate
 * lazily imported chunks: the WebAssembly one always, the WebGPU one only where `navigator.gpu` offers an
 * adapter and the GPU reproduces a published test vector (its glue code needs `new Function`, which a strict
 * worker CSP forbids, and GPU kernels sum in other orders than the WASM the tolerance was measured on).
 * Anything wrong with WebGPU falls back to WASM.
 */
import type * as Ort from 'onnxruntime-web/wasm';
import type { InferenceTask } from '../../../src/protocol/inference-task';
import { BLAZEFACE_OUTPUT_FORMAT } from '../../../src/protocol/inference-task';
import type { InferenceRunner } from '../../../src/protocol/reference-solver';
import { solveInput } from '../../../src/protocol/reference-solver';
import { SolveError } from './model-fetch';

/** The runtime's files, content-hashed and copied by widget/build.mjs; paths relative to `/widget/`. */
declare const __PEERPROOF_ORT_FILES__: Record<'wasm' | 'webgpu', { mjs: string; wasm: string }>;

export interface ModelSession {
  backend: 'wasm' | 'webgpu';
  runner: InferenceRunner;
}

export interface SessionSpec {
  model: Uint8Array;
  modelSha256: string;
  inputName: string;
  inputShape: number[];
}

/**
 * docs/protocol.md section 11: seed 000102…0f, input 0 of blazeface-front-128 is [626, 0.4292], with the
 * runner-up 0.019 behind, so a GPU that computes correctly lands on it; WebGPU is used for this model only.
 */
const GPU_SELF_TEST = {
  modelSha256: 'd388b1cf8a5f6f1af2b3f4c14f6d0f138bab970cd618cccd12dddb7484e82e51',
  seed: '000102030405060708090a0b0c0d0e0f',
  anchor: 626,
  score: 0.4292,
  tolerance: 0.001,
};

interface GpuNavigator {
  gpu?: { requestAdapter(): Promise<unknown> };
}

/** `/widget/`, from this module's own URL (also when a blob: trampoline imported it cross-origin). */
const WIDGET_BASE = new URL('./', import.meta.url).href;

export async function createSession(spec: SessionSpec): Promise<ModelSession> {
  if (spec.modelSha256 === GPU_SELF_TEST.modelSha256 && (await gpuAdapterAvailable())) {
    try {
      const session = await open(await import('onnxruntime-web/webgpu'), 'webgpu', spec);
      if (await passesSelfTest(session.runner, spec)) return session;
    } catch {
      // Fall through to WebAssembly: slower at worst, and it is what the tolerance was measured on.
    }
  }
  let ort: typeof Ort;
  try {
    ort = await import('onnxruntime-web/wasm');
  } catch (error) {
    throw new SolveError('runtime-unavailable', `onnxruntime-web: ${(error as Error).message}`);
  }
  return open(ort, 'wasm', spec);
}

/**
 * Fetches the runtime ahead of the first challenge (on hover or focus), so a click waits less: the module
 * now, the 12 MB wasm into the HTTP cache (immutable), where onnxruntime's own fetch then finds it.
 */
export async function preloadRuntime(): Promise<void> {
  await import('onnxruntime-web/wasm');
  await fetch(WIDGET_BASE + __PEERPROOF_ORT_FILES__.wasm.wasm).then((response) => response.arrayBuffer());
}

async function open(ort: typeof Ort, backend: ModelSession['backend'], spec: SessionSpec): Promise<ModelSession> {
  configure(ort, backend);
  let session: Ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(spec.model, {
      executionProviders: [backend],
      graphOptimizationLevel: 'all',
      // The model carries a few unused initialisers; onnxruntime warns about each on the page's console.
      logSeverityLevel: 3,
    });
  } catch (error) {
    throw new SolveError('runtime-unavailable', `${backend} session: ${(error as Error).message}`);
  }
  const runner: InferenceRunner = {
    async run(input) {
      const feeds = { [spec.inputName]: new ort.Tensor('float32', input, spec.inputShape) };
      const results = await session.run(feeds);
      const outputs: Record<string, Float32Array> = {};
      for (const [name, tensor] of Object.entries(results)) outputs[name] = tensor.data as Float32Array;
      return outputs;
    },
  };
  return { backend, runner };
}

function configure(ort: typeof Ort, backend: ModelSession['backend']): void {
  const files = __PEERPROOF_ORT_FILES__[backend];
  ort.env.wasm.wasmPaths = { mjs: WIDGET_BASE + files.mjs, wasm: WIDGET_BASE + files.wasm };
  // Threads need SharedArrayBuffer, which only cross-origin isolated pages get.
  ort.env.wasm.numThreads = self.crossOriginIsolated ? Math.min(4, navigator.hardwareConcurrency || 1) : 1;
  ort.env.wasm.proxy = false;
  ort.env.logLevel = 'error';
}

async function gpuAdapterAvailable(): Promise<boolean> {
  const gpu = (navigator as GpuNavigator).gpu;
  if (!gpu) return false;
  try {
    return (await gpu.requestAdapter()) !== null;
  } catch {
    return false;
  }
}

async function passesSelfTest(runner: InferenceRunner, spec: SessionSpec): Promise<boolean> {
  const task: InferenceTask = {
    modelId: 'gpu-self-test',
    modelSha256: spec.modelSha256,
    seed: GPU_SELF_TEST.seed,
    count: 1,
    inputName: spec.inputName,
    inputShape: spec.inputShape,
    outputFormat: BLAZEFACE_OUTPUT_FORMAT,
    tolerance: GPU_SELF_TEST.tolerance,
  };
  const [anchor, score] = await solveInput(task, 0, runner);
  return anchor === GPU_SELF_TEST.anchor && Math.abs(score - GPU_SELF_TEST.score) <= GPU_SELF_TEST.tolerance;
}
