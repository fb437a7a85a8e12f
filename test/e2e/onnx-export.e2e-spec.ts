/**
 * The face-analysis networks re-expressed as ONNX (src/models/onnx-export) compute what their authors'
 * TensorFlow.js graphs compute, on the very inputs the server's analysis feeds them: real people's frames
 * (test/fixtures/live-faces) cut as the widget sends them, through onnxruntime and through TensorFlow.js.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TensorFeed } from '../../src/adapters/onnx.adapter';
import { OnnxAdapter } from '../../src/adapters/onnx.adapter';
import { JpegAdapter } from '../../src/adapters/jpeg.adapter';
import { TfjsAdapter } from '../../src/adapters/tfjs.adapter';
import { FACE_ANALYSIS_MODELS, ServerFaceAnalyzer } from '../../src/liveness/analysis/server-face-analyzer';
import { widgetFrame } from '../../src/liveness/eval/passive-samples';
import { tfjsGraphToOnnx } from '../../src/models/onnx-export/tfjs-graph-to-onnx';
import { faceRecognitionToOnnx } from '../../src/models/onnx-export/face-recognition-to-onnx';

const FRAMES = [
  'grid/bbaf2n/frame_000.jpg',
  'grid/lwbsza/frame_065.jpg',
  'intel/head-pose-face-detection-male/frame_010.jpg',
  'intel/head-pose-face-detection-female/frame_020.jpg',
].map((file) => path.join('test/fixtures/live-faces', file));

const MODEL_FILES: Record<string, string> = {
  'yunet-s-dynamic': 'yunet_s_dynamic.onnx',
  [FACE_ANALYSIS_MODELS.mesh]: 'facemesh.json',
  [FACE_ANALYSIS_MODELS.meshWeights]: 'facemesh.bin',
  [FACE_ANALYSIS_MODELS.iris]: 'iris.json',
  [FACE_ANALYSIS_MODELS.irisWeights]: 'iris.bin',
  [FACE_ANALYSIS_MODELS.recognition]: 'face_recognition_model-weights_manifest.json',
  [FACE_ANALYSIS_MODELS.recognitionWeights]: 'face_recognition_model.bin',
};
const modelBytes = (id: string) => new Uint8Array(fs.readFileSync(path.join('models', MODEL_FILES[id])));

interface Recorded {
  modelId: string;
  feed: TensorFeed;
  outputs: Record<string, Float32Array>;
}

/** Keeps a copy of every feed and output of the face-analysis networks the analyzer runs. */
class RecordingOnnx extends OnnxAdapter {
  readonly recorded: Recorded[] = [];

  override async run(
    modelId: string,
    feeds: Readonly<Record<string, TensorFeed>>,
    options?: { transferInputs?: boolean },
  ): Promise<Record<string, Float32Array>> {
    const [feed] = Object.values(feeds);
    const copy = { data: Float32Array.from(feed.data), dims: [...feed.dims] };
    const outputs = await super.run(modelId, feeds, options);
    this.recorded.push({ modelId, feed: copy, outputs });
    return outputs;
  }
}

const onnx = new RecordingOnnx({ device: 'cpu', intraOpNumThreads: 1, workers: 1 });
const tfjs = new TfjsAdapter();
const jpeg = new JpegAdapter();

function largestDifference(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let k = 0; k < a.length; k++) worst = Math.max(worst, Math.abs(a[k] - b[k]));
  return worst;
}

beforeAll(async () => {
  const { mesh, meshWeights, iris, irisWeights, recognition, recognitionWeights } = FACE_ANALYSIS_MODELS;
  const analyzer = await ServerFaceAnalyzer.fromBytes(modelBytes, onnx);
  await tfjs.loadGraph(mesh, modelBytes(mesh), modelBytes(meshWeights));
  await tfjs.loadGraph(iris, modelBytes(iris), modelBytes(irisWeights));
  await tfjs.loadFaceRecognition(modelBytes(recognition), modelBytes(recognitionWeights));
  for (const file of FRAMES) {
    const picture = jpeg.decode(fs.readFileSync(file));
    const [person] = await analyzer.detect(picture);
    const { image } = widgetFrame(jpeg, picture, person.box);
    const [face] = await analyzer.detect(image);
    await analyzer.measure(image, face, { eyes: true });
    await analyzer.describe(image, face);
  }
});

afterAll(async () => {
  tfjs.release();
  await onnx.release();
});

const runs = (modelId: string) => onnx.recorded.filter((run) => run.modelId === modelId);

describe('ONNX re-expressions of the face-analysis networks, on real frames', () => {
  it('face mesh: the same 468 points (in 192-px crop pixels) and face confidence', async () => {
    const meshRuns = runs(FACE_ANALYSIS_MODELS.mesh);
    expect(meshRuns).toHaveLength(FRAMES.length);
    for (const { feed, outputs } of meshRuns) {
      const reference = await tfjs.runGraph(FACE_ANALYSIS_MODELS.mesh, feed, ['Identity_2:0', 'Identity_1:0']);
      expect(largestDifference(outputs['Identity_2:0'], reference['Identity_2:0'])).toBeLessThan(0.01);
      expect(largestDifference(outputs['Identity_1:0'], reference['Identity_1:0'])).toBeLessThan(1e-4);
      expect(reference['Identity_1:0'][0]).toBeGreaterThan(0.5);
    }
  });

  it('iris: the same eye and iris points for both eyes of a frame', async () => {
    const irisRuns = runs(FACE_ANALYSIS_MODELS.iris);
    expect(irisRuns).toHaveLength(FRAMES.length);
    for (const { feed, outputs } of irisRuns) {
      expect(feed.dims).toEqual([2, 64, 64, 3]);
      const reference = await tfjs.runGraph(FACE_ANALYSIS_MODELS.iris, feed, ['Identity:0']);
      expect(largestDifference(outputs['Identity:0'], reference['Identity:0'])).toBeLessThan(0.01);
    }
  });

  it('recognition: the same descriptor as face-api computes', async () => {
    const recognitionRuns = runs(FACE_ANALYSIS_MODELS.recognition);
    expect(recognitionRuns).toHaveLength(FRAMES.length);
    for (const { feed, outputs } of recognitionRuns) {
      const rgb = Uint8Array.from(feed.data);
      const reference = await tfjs.faceDescriptor(rgb, 150);
      const descriptor = outputs.descriptor;
      expect(descriptor).toHaveLength(128);
      // face-api's descriptors of one person lie ~0.14 apart after normalising (SAME_PERSON_BELOW is 0.33).
      expect(largestDifference(descriptor, reference)).toBeLessThan(1e-4);
    }
  });
});

describe('conversion refuses what it cannot express', () => {
  it('an operation it does not know, by name', () => {
    const json = JSON.parse(fs.readFileSync('models/iris.json', 'utf8'));
    const node = json.modelTopology.node.find(
      (candidate: { op: string }) => candidate.op === 'Sigmoid' || candidate.op === 'AddV2',
    );
    node.op = 'Softplus';
    expect(() =>
      tfjsGraphToOnnx(
        new TextEncoder().encode(JSON.stringify(json)),
        modelBytes(FACE_ANALYSIS_MODELS.irisWeights),
        'iris',
      ),
    ).toThrow(/Softplus has no ONNX conversion/);
  });

  it('a weights file shorter or longer than its manifest', () => {
    const manifest = modelBytes(FACE_ANALYSIS_MODELS.recognition);
    const weights = modelBytes(FACE_ANALYSIS_MODELS.recognitionWeights);
    expect(() => faceRecognitionToOnnx(manifest, weights.subarray(0, weights.length - 1))).toThrow(/ends inside/);
    const longer = new Uint8Array(weights.length + 4);
    longer.set(weights);
    expect(() => faceRecognitionToOnnx(manifest, longer)).toThrow(/4 bytes the manifest does not name/);
  });
});
