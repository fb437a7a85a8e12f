import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LOOPBACK_TORRENT_OPTIONS } from '../../src/adapters/torrent.adapter';
import { memoryPeerLog } from '../../src/peers/peer-runtime/peer-log';
import { PeerRuntime } from '../../src/peers/peer-runtime/peer-runtime';
import { databaseKinds } from '../support/databases';
import { MODEL_SHA256, taskModelsFolder } from '../support/peers';
import type { TestApp } from '../support/test-app';
import { startTestApp } from '../support/test-app';
import { freePort, waitFor } from '../support/net';

/** A second model, published in the manifest's next version: BlazeFace's full-range variant. */
const BACK_MODEL = {
  file: 'face_detection_back_256x256_barracuda.onnx',
  sha256: '427cbbe0fc41448d09e1dc9cfabe2423d997cf2faaeab91fadd09a510b63b8e2',
};
const TEST_MODELS = path.resolve('test', 'fixtures', 'models');

/** The shipped models folder, plus the full-range model in a second manifest version when `withBack`. */
function modelsFolder(root: string, name: string, withBack: boolean): string {
  const dir = taskModelsFolder(path.join(root, name));
  if (withBack) {
    fs.copyFileSync(path.join(TEST_MODELS, BACK_MODEL.file), path.join(dir, BACK_MODEL.file));
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
    const front = manifest.models[0];
    manifest.models.push({
      ...front,
      id: 'blazeface-back-256',
      file: BACK_MODEL.file,
      sha256: BACK_MODEL.sha256,
      bytes: fs.statSync(path.join(dir, BACK_MODEL.file)).size,
      role: 'face-detector',
      inputs: [{ name: 'input:0', shape: [1, 256, 256, 3], type: 'float32' }],
    });
    fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  }
  return dir;
}

// A peer re-fetches the signed manifest periodically: it picks up a version with a new model (downloaded,
// checked and loaded like the first), and refuses one signed by another key while keeping what it has.
describe.each(databaseKinds())('a verifier peer following the manifest [%s]', (kind) => {
  let t: TestApp;
  let root: string;
  let runtime: PeerRuntime;
  let serviceKey: string;
  const log = memoryPeerLog();
  const ports = { http: 0, torrent: 0 };
  const restart = async (env: Record<string, string>) => {
    await t.stop();
    t = await startTestApp(kind, { ...baseEnv(), ...env }, { database: t.database, port: ports.http });
  };
  const baseEnv = () => ({
    TORRENT_ENABLED: 'true',
    TORRENT_PORT: String(ports.torrent),
    TORRENT_DHT: 'false',
    TORRENT_LSD: 'false',
  });

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'peerproof-manifest-'));
    ports.http = await freePort();
    ports.torrent = await freePort();
    t = await startTestApp(kind, { ...baseEnv(), MODELS_DIR: modelsFolder(root, 'v1', false) }, { port: ports.http });
    serviceKey = (await (await fetch(`${t.baseUrl}/api/v1/keys`)).json()).publicKey;
    runtime = new PeerRuntime({
      serviceUrl: t.baseUrl,
      serviceKey,
      dataDir: path.join(root, 'peer'),
      device: 'cpu',
      torrent: { ...LOOPBACK_TORRENT_OPTIONS },
      torrentPeers: [`127.0.0.1:${ports.torrent}`],
      log,
      pollSeconds: 1,
      manifestIntervalMs: 300,
      // The restarted services get fresh manual clocks near the real time.
      now: Date.now,
    });
    await runtime.start();
  });
  afterAll(async () => {
    await runtime?.stop();
    await t?.close();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  it('picks up a new manifest version and its new model', async () => {
    expect(runtime.heldModels()).toEqual([MODEL_SHA256]);

    let announced: string[] = [];
    runtime.events.on('models', (models: string[]) => (announced = models));

    await restart({ MODELS_DIR: modelsFolder(root, 'v2', true) });
    // `models` is emitted once the new set is loaded and announced to the service by a heartbeat.
    await waitFor('the new model', () => announced.length === 2);

    expect(runtime.heldModels()).toEqual([BACK_MODEL.sha256, MODEL_SHA256].sort());
    const lines = log.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toContainEqual(expect.objectContaining({ event: 'model-ready', model: 'blazeface-back-256' }));
    const listed = (await (await fetch(`${t.baseUrl}/api/v1/peers`)).json()).peers as Array<{ models: string[] }>;
    expect(listed[0].models).toEqual([BACK_MODEL.sha256, MODEL_SHA256].sort());
  });

  it('refuses a later manifest signed by another key and keeps serving its models', async () => {
    await restart({ MODELS_DIR: modelsFolder(root, 'v3', false), DATA_DIR: path.join(root, 'other-service') });

    const refused = () =>
      log.lines.some((line) => (JSON.parse(line) as { event: string }).event === 'manifest-refused');
    await waitFor('the refusal', refused);

    expect(runtime.heldModels()).toEqual([BACK_MODEL.sha256, MODEL_SHA256].sort());
  });
});
