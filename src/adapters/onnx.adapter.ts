import type { OnApplicationShutdown } from '@nestjs/common';
import { Inject, Injectable, Logger } from '@nestjs/common';
import * as fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { InferenceDevice } from '../config/app-config';
import { ONNX_WORKER_SOURCE } from './onnx-worker.source';

export const ONNX_OPTIONS = Symbol('ONNX_OPTIONS');

export interface OnnxOptions {
  /** `cuda` is tried first and falls back to `cpu`, with a warning, when its libraries are missing. */
  device: InferenceDevice;
  /**
   * Threads one inference may use. The service runs many small inferences at once (one per spot-check),
   * so one thread each keeps them from fighting over cores; parallelism comes from the worker threads.
   */
  intraOpNumThreads: number;
  /** Worker threads running models; by default one per core but one. */
  workers?: number;
}

export const DEFAULT_ONNX_OPTIONS: OnnxOptions = { device: 'cpu', intraOpNumThreads: 1 };

/** One input tensor: float32 data in row-major order and its dimensions. */
export interface TensorFeed {
  data: Float32Array;
  dims: readonly number[];
}

interface WorkerReply {
  id: number;
  ok: boolean;
  message?: string;
  created?: boolean;
  device?: InferenceDevice;
  warning?: string;
  outputs?: Record<string, Float32Array>;
}

interface PoolWorker {
  thread: Worker;
  pending: Map<number, { resolve: (reply: WorkerReply) => void; reject: (error: Error) => void }>;
}

/**
 * The one door to onnxruntime-node. Models run in a pool of worker threads, because onnxruntime-node
 * computes on the calling thread and would otherwise stall every request while a model runs. Each
 * worker holds one session per model, created once; concurrent loads of a model share that work.
 */
@Injectable()
export class OnnxAdapter implements OnApplicationShutdown {
  private readonly logger = new Logger('onnx');
  private readonly loads = new Map<string, Promise<void>>();
  private pool: PoolWorker[] = [];
  private nextWorker = 0;
  private nextMessageId = 0;
  private cudaUnavailable = false;
  private sessionsCreated = 0;

  constructor(@Inject(ONNX_OPTIONS) private readonly options: OnnxOptions = DEFAULT_ONNX_OPTIONS) {}

  /** The execution provider new sessions get: the configured one, or `cpu` after CUDA failed to load. */
  get device(): InferenceDevice {
    return this.options.device === 'cuda' && !this.cudaUnavailable ? 'cuda' : 'cpu';
  }

  /** Worker threads in the pool, i.e. inferences that run at the same time. */
  get parallelism(): number {
    return this.pool.length > 0 ? this.pool.length : this.poolSize();
  }

  isLoaded(modelId: string): boolean {
    return this.loads.has(modelId);
  }

  /** Sessions created so far across the pool: one per model and worker, however often a model is loaded. */
  get sessionCount(): number {
    return this.sessionsCreated;
  }

  /**
   * Creates the sessions of `modelId` from a file path or the model's bytes (pass the bytes whose sha256
   * was checked, so what runs is what was verified). Later calls for the same id reuse the first load.
   */
  load(modelId: string, source: string | Uint8Array): Promise<void> {
    let pending = this.loads.get(modelId);
    if (!pending) {
      pending = this.loadEverywhere(modelId, source);
      this.loads.set(modelId, pending);
      // A failed load must not stick: the next call tries again.
      pending.catch(() => {
        if (this.loads.get(modelId) === pending) this.loads.delete(modelId);
      });
    }
    return pending;
  }

  /**
   * Runs a loaded model on the next worker; every output comes back as a Float32Array keyed by its name.
   * With `transferInputs` the feeds' buffers move to the worker instead of being copied, and are unusable
   * here afterwards: for callers that made them for this one run.
   */
  async run(
    modelId: string,
    feeds: Readonly<Record<string, TensorFeed>>,
    { transferInputs = false }: { transferInputs?: boolean } = {},
  ): Promise<Record<string, Float32Array>> {
    const loaded = this.loads.get(modelId);
    if (!loaded) throw new Error(`model ${modelId} is not loaded`);
    await loaded;
    const worker = this.pool[this.nextWorker++ % this.pool.length];
    const transfer = transferInputs ? Object.values(feeds).map((feed) => feed.data.buffer as ArrayBuffer) : [];
    const reply = await this.send(worker, { type: 'run', modelId, feeds }, transfer);
    return reply.outputs ?? {};
  }

  /** Stops the workers and forgets every model; later runs need a new load. */
  async release(): Promise<void> {
    const pool = this.pool;
    this.pool = [];
    this.loads.clear();
    await Promise.all(pool.map((worker) => worker.thread.terminate()));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.release();
  }

  private async loadEverywhere(modelId: string, source: string | Uint8Array): Promise<void> {
    const bytes = typeof source === 'string' ? new Uint8Array(await fs.readFile(source)) : source;
    const pool = this.ensurePool();
    const replies = await Promise.all(
      pool.map((worker) =>
        this.send(worker, {
          type: 'load',
          modelId,
          bytes,
          device: this.device,
          intraOpNumThreads: this.options.intraOpNumThreads,
        }),
      ),
    );
    for (const reply of replies) if (reply.created) this.sessionsCreated++;
    const warning = replies.find((reply) => reply.warning)?.warning;
    if (warning && !this.cudaUnavailable) {
      this.cudaUnavailable = true;
      this.logger.warn(`CUDA execution provider unavailable (${warning}); running ${modelId} and later models on cpu`);
    }
  }

  private ensurePool(): PoolWorker[] {
    if (this.pool.length > 0) return this.pool;
    const onnxruntimePath = resolveOnnxruntime();
    this.pool = Array.from({ length: this.poolSize() }, () => this.spawn(onnxruntimePath));
    return this.pool;
  }

  private poolSize(): number {
    // One core is left to the event loop, which parses requests and derives the inputs.
    return Math.max(1, this.options.workers ?? os.availableParallelism() - 1);
  }

  private spawn(onnxruntimePath: string): PoolWorker {
    const thread = new Worker(ONNX_WORKER_SOURCE, { eval: true, workerData: { onnxruntimePath } });
    // Idle workers must not keep a CLI command or a finished test alive.
    thread.unref();
    const worker: PoolWorker = { thread, pending: new Map() };
    thread.on('message', (reply: WorkerReply) => {
      const waiting = worker.pending.get(reply.id);
      if (!waiting) return;
      worker.pending.delete(reply.id);
      if (reply.ok) waiting.resolve(reply);
      else waiting.reject(new Error(reply.message));
    });
    const failAll = (error: Error) => {
      for (const waiting of worker.pending.values()) waiting.reject(error);
      worker.pending.clear();
      this.pool = this.pool.filter((candidate) => candidate !== worker);
      // The lost worker's sessions are gone: models load again into a fresh pool on next use.
      if (this.pool.length === 0) this.loads.clear();
    };
    thread.on('error', (error) => failAll(error));
    thread.on('exit', (code) => failAll(new Error(`inference worker exited with code ${code}`)));
    return worker;
  }

  private send(
    worker: PoolWorker,
    message: Record<string, unknown>,
    transfer: ArrayBuffer[] = [],
  ): Promise<WorkerReply> {
    const id = this.nextMessageId++;
    return new Promise((resolve, reject) => {
      worker.pending.set(id, { resolve, reject });
      worker.thread.ref();
      worker.thread.postMessage({ id, ...message }, transfer);
    }).finally(() => {
      if (worker.pending.size === 0) worker.thread.unref();
    }) as Promise<WorkerReply>;
  }
}

/** Where onnxruntime-node lives, for workers, which resolve modules from their own starting point. */
function resolveOnnxruntime(): string {
  const anchor = typeof require === 'function' ? require : createRequire(path.join(process.cwd(), 'package.json'));
  return anchor.resolve('onnxruntime-node');
}
