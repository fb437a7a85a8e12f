import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CryptoAdapter } from '../../src/adapters/crypto.adapter';
import { FileStoreAdapter } from '../../src/adapters/file-store.adapter';
import { loadConfig } from '../../src/config/app-config';
import { ModelIntegrityError, ModelRegistryService } from '../../src/models/model-registry.service';

const SHIPPED = loadConfig({}).modelsDir;

interface EditableManifest {
  version: unknown;
  models: Record<string, unknown>[];
}
const MODEL_FILE = 'face_detection_front_128x128_barracuda.onnx';

describe('ModelRegistryService', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'peerproof-models-'));
    for (const name of fs.readdirSync(SHIPPED)) fs.copyFileSync(path.join(SHIPPED, name), path.join(dir, name));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const start = async (modelsDir = dir) => {
    const registry = new ModelRegistryService(
      { ...loadConfig({}), modelsDir },
      new FileStoreAdapter(),
      new CryptoAdapter(),
    );
    await registry.onModuleInit();
    return registry;
  };
  const editManifest = (edit: (manifest: EditableManifest) => void) => {
    const file = path.join(dir, 'manifest.json');
    const manifest = JSON.parse(fs.readFileSync(file, 'utf8'));
    edit(manifest);
    fs.writeFileSync(file, JSON.stringify(manifest));
  };

  it('verifies the shipped models and serves only the files the manifest lists', async () => {
    const registry = await start(SHIPPED);
    const model = registry.get('blazeface-front-128');
    expect(model.file.bytes).toHaveLength(model.descriptor.bytes);
    expect(registry.file(MODEL_FILE)?.sha256).toBe(model.descriptor.sha256);
    expect(registry.file('LICENSE.blazeface-onnx.txt')?.contentType).toMatch(/^text\/plain/);
    for (const name of ['manifest.json', 'README.md', '../package.json', 'nope.onnx']) {
      expect(registry.file(name)).toBeUndefined();
    }
    expect(registry.find('nope')).toBeUndefined();
    expect(() => registry.get('nope')).toThrow(/not in the manifest/);
  });

  it('refuses to start when a model file was altered, naming the file and both hashes', async () => {
    const file = path.join(dir, MODEL_FILE);
    const bytes = fs.readFileSync(file);
    bytes[1000] ^= 0xff;
    fs.writeFileSync(file, bytes);
    const failure = start();
    await expect(failure).rejects.toThrow(ModelIntegrityError);
    await expect(failure).rejects.toThrow(
      new RegExp(`${MODEL_FILE} has sha256 [0-9a-f]{64}, the manifest expects d388b1cf8a5f6f1af2b3f4c14f6d0f13`),
    );
  });

  it('refuses to start when a model file has the wrong size', async () => {
    fs.appendFileSync(path.join(dir, MODEL_FILE), 'x');
    await expect(start()).rejects.toThrow(/has 442006 bytes, the manifest expects 442005/);
  });

  it('refuses to start when a listed file or the manifest is missing', async () => {
    fs.rmSync(path.join(dir, 'LICENSE.blazeface-onnx.txt'));
    await expect(start()).rejects.toThrow(/cannot read the licence of model blazeface-front-128/);
    fs.rmSync(path.join(dir, 'manifest.json'));
    await expect(start()).rejects.toThrow(/cannot read the model manifest/);
  });

  it('refuses a manifest that is not JSON', async () => {
    fs.writeFileSync(path.join(dir, 'manifest.json'), '{"version": 1,');
    await expect(start()).rejects.toThrow(/manifest.json is not valid JSON/);
  });

  it.each([
    ['a path outside the folder', (m: EditableManifest) => (m.models[0].file = '../secret.onnx'), /models.0.file/],
    ['a bad hash', (m: EditableManifest) => (m.models[0].sha256 = 'abc'), /models.0.sha256/],
    ['an unknown version', (m: EditableManifest) => (m.version = 2), /version/],
    ['no models', (m: EditableManifest) => (m.models = []), /models/],
    ['a duplicate id', (m: EditableManifest) => m.models.push({ ...m.models[0] }), /duplicate id/],
    ['no inputs', (m: EditableManifest) => (m.models[0].inputs = []), /models.0.inputs/],
  ])('refuses a manifest with %s', async (_, edit, message) => {
    editManifest(edit);
    const failure = start();
    await expect(failure).rejects.toThrow(ModelIntegrityError);
    await expect(failure).rejects.toThrow(message);
  });
});
