import type { OnApplicationShutdown } from '@nestjs/common';
import { Inject, Injectable, Logger } from '@nestjs/common';
import * as ort from 'onnxruntime-node';
import type { InferenceSession } from 'onnxruntime-node';
import type { InferenceDevice } from '../config/app-config';

export const ONNX_OPTIONS = Symbol('ONNX_OPTIONS');

export interface OnnxOptions {
  /** `cuda` is tried first and falls back to `cpu`, with a warning, when its libraries are missing. */
  device: InferenceDevice;
  /**
   * Threads one inference may use. The service runs many small inferences at once (one per spot-check),
   * so one thread each keeps them from fighting over cores; parallelism comes from concurrent runs.
   */
  intraOpNumThreads: number;
}

export const DEFAULT_ONNX_OPTIONS: OnnxOptions = { device: 'cpu', intraOpNumThreads: 1 };

/** One input tensor: float32 data in row-major order and its dimensions. */
export interface TensorFeed {
  data: Float32Array;
  dims: readonly number[];
}

/** onnxruntime's `warning` level prints notes about unused initialisers on every load; errors are enough. */
const LOG_ERRORS_ONLY = 3;

/**
 * The one door to onnxruntime-node. Sessions are created once per model id and shared; concurrent loads
 * of the same model wait for the same session instead of creating several.
 */
@Injectable()
export class OnnxAdapter implements OnApplicationShutdown {
  private readonly logger = new Logger('onnx');
  private readonly sessions = new Map<string, Promise<InferenceSession>>();
  private cudaUnavailable = false;

  constructor(@Inject(ONNX_OPTIONS) private readonly options: OnnxOptions = DEFAULT_ONNX_OPTIONS) {}

  /** The execution provider new sessions get: the configured one, or `cpu` after CUDA failed to load. */
  get device(): InferenceDevice {
    return this.options.device === 'cuda' && !this.cudaUnavailable ? 'cuda' : 'cpu';
  }

  isLoaded(modelId: string): boolean {
    return this.sessions.has(modelId);
  }

  /**
   * Creates the session of `modelId` from a file path or the model's bytes (pass the bytes whose sha256
   * was checked, so what runs is what was verified). Later calls for the same id return the first session.
   */
  async load(modelId: string, source: string | Uint8Array): Promise<void> {
    await this.session(modelId, source);
  }

  /** Runs a loaded model; every output comes back as a Float32Array keyed by its name. */
  async run(modelId: string, feeds: Readonly<Record<string, TensorFeed>>): Promise<Record<string, Float32Array>> {
    const pending = this.sessions.get(modelId);
    if (!pending) throw new Error(`model ${modelId} is not loaded`);
    const session = await pending;
    const inputs: Record<string, ort.Tensor> = {};
    for (const [name, feed] of Object.entries(feeds)) inputs[name] = new ort.Tensor('float32', feed.data, feed.dims);
    const results = await session.run(inputs);
    const outputs: Record<string, Float32Array> = {};
    for (const [name, tensor] of Object.entries(results)) {
      if (!(tensor.data instanceof Float32Array)) throw new Error(`output ${name} of ${modelId} is ${tensor.type}`);
      outputs[name] = tensor.data;
    }
    return outputs;
  }

  /** Releases every session; later runs need a new load. */
  async release(): Promise<void> {
    const pending = [...this.sessions.values()];
    this.sessions.clear();
    const settled = await Promise.allSettled(pending);
    for (const result of settled) if (result.status === 'fulfilled') await result.value.release();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.release();
  }

  private session(modelId: string, source: string | Uint8Array): Promise<InferenceSession> {
    let pending = this.sessions.get(modelId);
    if (!pending) {
      pending = this.create(modelId, source);
      this.sessions.set(modelId, pending);
      // A failed load must not stick: the next call tries again.
      void pending.catch(() => {
        if (this.sessions.get(modelId) === pending) this.sessions.delete(modelId);
      });
    }
    return pending;
  }

  private async create(modelId: string, source: string | Uint8Array): Promise<InferenceSession> {
    if (this.device === 'cuda') {
      try {
        return await this.createOn('cuda', source);
      } catch (error) {
        this.cudaUnavailable = true;
        this.logger.warn(
          `CUDA execution provider unavailable (${firstLine(error)}); running ${modelId} and later models on cpu`,
        );
      }
    }
    return this.createOn('cpu', source);
  }

  private createOn(device: InferenceDevice, source: string | Uint8Array): Promise<InferenceSession> {
    const options: InferenceSession.SessionOptions = {
      executionProviders: [device],
      intraOpNumThreads: this.options.intraOpNumThreads,
      interOpNumThreads: 1,
      logSeverityLevel: LOG_ERRORS_ONLY,
    };
    return typeof source === 'string'
      ? ort.InferenceSession.create(source, options)
      : ort.InferenceSession.create(source, options);
  }
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0];
}
