/**
 * The face-analysis networks as their authors ship them, run by TensorFlow.js (WebAssembly backend) and
 * `@vladmandic/face-api`: the reference that the ONNX re-expressions in src/models/onnx-export are tested and
 * benchmarked against (test/e2e/onnx-export.e2e-spec.ts, bench/face-analysis). The service and the peers run
 * the ONNX graphs; nothing in a request path uses this adapter.
 */
import { Injectable } from '@nestjs/common';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import * as faceapi from '@vladmandic/face-api/dist/face-api.node-wasm.js';

/** A float32 tensor in row-major order and its dimensions. */
export interface TfjsFeed {
  data: Float32Array;
  dims: readonly number[];
}

interface WeightsManifestGroup {
  paths: string[];
  weights: Array<{ name: string; shape: number[]; dtype: string }>;
}

type GraphModel = Awaited<ReturnType<typeof tf.loadGraphModel>>;

@Injectable()
export class TfjsAdapter {
  private backend: Promise<void> | undefined;
  private readonly graphs = new Map<string, GraphModel>();
  private recognition: faceapi.FaceRecognitionNet | undefined;

  /**
   * Selects the WebAssembly backend once. Its `.wasm` files are read from the installed
   * `@tensorflow/tfjs-backend-wasm` package; one thread, as the service's many small inferences share the cores.
   */
  ready(): Promise<void> {
    this.backend ??= (async () => {
      // Tests run as ES modules, where `require` is absent.
      const anchor = typeof require === 'function' ? require : createRequire(path.join(process.cwd(), 'package.json'));
      const wasmDir = path.dirname(anchor.resolve('@tensorflow/tfjs-backend-wasm'));
      setWasmPaths(wasmDir + path.sep);
      await tf.setBackend('wasm');
      await tf.ready();
    })();
    return this.backend;
  }

  /** Loads a TensorFlow.js graph model from its `model.json` bytes and the bytes of its one weights file. */
  async loadGraph(modelId: string, modelJson: Uint8Array, weights: Uint8Array): Promise<void> {
    await this.ready();
    if (this.graphs.has(modelId)) return;
    const json = JSON.parse(Buffer.from(modelJson).toString('utf8')) as {
      modelTopology: object;
      weightsManifest: WeightsManifestGroup[];
    };
    const weightSpecs = json.weightsManifest.flatMap((group) => group.weights);
    const model = await tf.loadGraphModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology,
        weightSpecs: weightSpecs as Parameters<typeof tf.io.decodeWeights>[1],
        weightData: toArrayBuffer(weights),
      }),
    );
    this.graphs.set(modelId, model);
  }

  /** Runs a loaded graph on one input; the named outputs come back as Float32Arrays. */
  async runGraph(modelId: string, feed: TfjsFeed, outputs: readonly string[]): Promise<Record<string, Float32Array>> {
    const model = this.graphs.get(modelId);
    if (!model) throw new Error(`tfjs model ${modelId} is not loaded`);
    const results = tf.tidy(() => {
      const input = tf.tensor(feed.data, [...feed.dims], 'float32');
      const out = model.execute(input, [...outputs]);
      return Array.isArray(out) ? out : [out];
    });
    try {
      const values = await Promise.all(results.map((tensor) => tensor.data() as Promise<Float32Array>));
      return Object.fromEntries(outputs.map((name, i) => [name, values[i]]));
    } finally {
      tf.dispose(results);
    }
  }

  /** Loads face-api's face recognition network (128-d descriptor) from its weights manifest and weights. */
  async loadFaceRecognition(manifestJson: Uint8Array, weights: Uint8Array): Promise<void> {
    await this.ready();
    if (this.recognition) return;
    const groups = JSON.parse(Buffer.from(manifestJson).toString('utf8')) as WeightsManifestGroup[];
    const specs = groups.flatMap((group) => group.weights) as Parameters<typeof tf.io.decodeWeights>[1];
    const net = new faceapi.FaceRecognitionNet();
    const weightMap = tf.io.decodeWeights(toArrayBuffer(weights), specs);
    net.loadFromWeightMap(weightMap as unknown as Parameters<typeof net.loadFromWeightMap>[0]);
    this.recognition = net;
  }

  /** face-api's descriptor of one face crop: RGB bytes 0–255 of a square `side` × `side` image. */
  async faceDescriptor(rgb: Uint8Array, side: number): Promise<Float32Array> {
    const net = this.recognition;
    if (!net) throw new Error('the face recognition network is not loaded');
    const input = tf.tensor4d(Float32Array.from(rgb), [1, side, side, 3]);
    try {
      // face-api resolves the same @tensorflow/tfjs module, so its tensors are ours; only the types differ.
      const descriptor = await net.computeFaceDescriptor(input as unknown as faceapi.TNetInput);
      return Array.isArray(descriptor) ? descriptor[0] : descriptor;
    } finally {
      tf.dispose(input);
    }
  }

  /** Frees every loaded model (tests and shutdown). */
  release(): void {
    for (const model of this.graphs.values()) model.dispose();
    this.graphs.clear();
    this.recognition?.dispose();
    this.recognition = undefined;
  }
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}
