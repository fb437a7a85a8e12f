/** Real liveness models and face samples for tests: the shipped models, run through the real adapters. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CryptoAdapter } from '../../src/adapters/crypto.adapter';
import { FileStoreAdapter } from '../../src/adapters/file-store.adapter';
import { JpegAdapter } from '../../src/adapters/jpeg.adapter';
import { OnnxAdapter } from '../../src/adapters/onnx.adapter';
import { loadConfig } from '../../src/config/app-config';
import type { DetectedFace, LivenessModelRunner } from '../../src/liveness/liveness-models';
import { detectFaces } from '../../src/liveness/liveness-models';
import { OnnxLivenessRunner } from '../../src/liveness/onnx-liveness-runner';
import type { RgbImage } from '../../src/liveness/rgb-image';
import { ModelRegistryService } from '../../src/models/model-registry.service';

export const FACES_DIR = path.resolve('test/fixtures/faces');

export interface RealModels {
  runner: OnnxLivenessRunner;
  onnx: OnnxAdapter;
  /** A runner that pretends only `ids` are installed, for the `unavailable` paths. */
  only(ids: readonly string[]): LivenessModelRunner;
}

export async function loadRealModels(): Promise<RealModels> {
  const registry = new ModelRegistryService(loadConfig({}), new FileStoreAdapter(), new CryptoAdapter());
  await registry.onModuleInit();
  const onnx = new OnnxAdapter({ device: 'cpu', intraOpNumThreads: 1, workers: 2 });
  const runner = new OnnxLivenessRunner(onnx, (id) => registry.find(id));
  await runner.loadAll();
  const only = (ids: readonly string[]): LivenessModelRunner => ({
    has: (id) => ids.includes(id) && runner.has(id),
    run: (id, data, dims) => runner.run(id, data, dims),
  });
  return { runner, onnx, only };
}

export interface FaceSample {
  image: RgbImage;
  face: DetectedFace;
}

export async function loadFace(runner: LivenessModelRunner, file: string): Promise<FaceSample> {
  const image = new JpegAdapter().decode(fs.readFileSync(path.join(FACES_DIR, file)));
  const [face] = await detectFaces(runner, image);
  if (!face) throw new Error(`no face found in ${file}`);
  return { image, face };
}
