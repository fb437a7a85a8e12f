import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import request from 'supertest';
import { verifyEd25519 } from '../../src/adapters/ed25519';
import { LOOPBACK_TORRENT_OPTIONS, TorrentAdapter } from '../../src/adapters/torrent.adapter';
import type { SignedManifest } from '../../src/protocol/signed-manifest';
import { verifySignedManifest } from '../../src/protocol/signed-manifest';
import type { TestApp } from '../support/test-app';
import { startTestApp } from '../support/test-app';

const MODEL_ID = 'blazeface-front-128';
const MODEL = 'face_detection_front_128x128_barracuda.onnx';
const INFO_HASH = '69324f7d9772b46aee8f48ef605e2c1e0082d575';
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

// The service seeds on loopback with DHT, LSD and trackers off; a leecher joins it by address. One database
// kind is enough: nothing here touches rows.
describe('model distribution', () => {
  let t: TestApp;
  let leecher: TorrentAdapter;
  let dir: string;
  beforeAll(async () => {
    t = await startTestApp('sqlite', {
      TORRENT_ENABLED: 'true',
      TORRENT_PORT: '0',
      TORRENT_DHT: 'false',
      TORRENT_LSD: 'false',
      TORRENT_TRACKERS: 'udp://tracker.invalid:6969/announce',
      PUBLIC_URL: 'https://verify.example.com',
    });
    leecher = new TorrentAdapter({ ...LOOPBACK_TORRENT_OPTIONS });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'peerproof-leecher-'));
  });
  afterAll(async () => {
    await leecher?.destroy();
    await t?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const getKeys = async () => (await request(t.baseUrl).get('/api/v1/keys').expect(200)).body;
  const getManifest = async () => (await request(t.baseUrl).get('/api/v1/models/manifest').expect(200)).body;

  it('publishes the service key', async () => {
    const keys = await getKeys();
    expect(keys).toEqual({
      algorithm: 'ed25519',
      publicKey: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      keyId: expect.stringMatching(/^[0-9a-f]{16}$/),
    });
  });

  it('publishes a manifest signed with that key, with the torrent of each model', async () => {
    const { publicKey } = await getKeys();
    const manifest = verifySignedManifest(await getManifest(), publicKey, verifyEd25519);
    const web = `https://verify.example.com/models/${MODEL}`;
    expect(manifest.models.map((model) => model.id)).toEqual([
      MODEL_ID,
      'ultraface-rfb-320',
      'minifasnet-v2',
      'minifasnet-v1se',
      'meso4-df',
      'yunet-s-dynamic',
      'facemesh-468',
      'facemesh-468-weights',
      'iris-76',
      'iris-76-weights',
      'face-api-recognition',
      'face-api-recognition-weights',
    ]);
    expect(manifest.models.slice(0, 1)).toEqual([
      expect.objectContaining({
        id: MODEL_ID,
        file: MODEL,
        infoHash: INFO_HASH,
        magnetURI:
          `magnet:?xt=urn:btih:${INFO_HASH}&dn=${MODEL}` +
          `&tr=${encodeURIComponent('udp://tracker.invalid:6969/announce')}&ws=${encodeURIComponent(web)}`,
        torrentUrl: `https://verify.example.com/api/v1/models/${MODEL_ID}/torrent`,
      }),
    ]);
    // Signed once at start-up: every request gets the same document.
    expect(await getManifest()).toEqual(manifest);
  });

  it('serves the .torrent file of a model, with the signed infohash, trackers and web seed', async () => {
    const response = await request(t.baseUrl)
      .get(`/api/v1/models/${MODEL_ID}/torrent`)
      .buffer(true)
      .parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => done(null, Buffer.concat(chunks)));
      })
      .expect(200);
    expect(response.headers['content-type']).toBe('application/x-bittorrent');
    const text = (response.body as Buffer).toString('latin1');
    expect(text).toContain(
      `8:url-listl${`https://verify.example.com/models/${MODEL}`.length}:https://verify.example.com/models/${MODEL}e`,
    );
    expect(text).toContain('udp://tracker.invalid:6969/announce');
    const torrent = leecher.createTorrent(MODEL, fs.readFileSync(path.resolve('models', MODEL)));
    expect(torrent.infoHash).toBe(INFO_HASH);
    await request(t.baseUrl).get('/api/v1/models/nope/torrent').expect(404);
  });

  it('hands a model to a leecher over the swarm, checked by the signed sha256', async () => {
    const manifest: SignedManifest = await getManifest();
    const model = manifest.models[0];
    const service = t.app.get(TorrentAdapter);
    const { port } = await service.address();
    const result = await leecher.download(model.magnetURI, dir, { peers: [`127.0.0.1:${port}`] });
    expect(result.infoHash).toBe(model.infoHash);
    expect(sha256(fs.readFileSync(result.path))).toBe(model.sha256);
    expect(service.stats(model.infoHash)?.uploadedBytes).toBeGreaterThanOrEqual(model.bytes);
  });

  it('lets a peer with no other peer fetch a model from the web seed, by range requests', async () => {
    const webOnly = new TorrentAdapter({ ...LOOPBACK_TORRENT_OPTIONS, webSeeds: true });
    const target = fs.mkdtempSync(path.join(os.tmpdir(), 'peerproof-webseed-'));
    try {
      const bytes = fs.readFileSync(path.resolve('models', MODEL));
      // The published torrent names PUBLIC_URL; this one names where the test app really listens.
      const torrent = webOnly.createTorrent(MODEL, bytes, { webSeeds: [`${t.baseUrl}/models/${MODEL}`] });
      const result = await webOnly.download(torrent.torrentFile, target, { expectedInfoHash: INFO_HASH });
      expect(sha256(fs.readFileSync(result.path))).toBe(sha256(bytes));
    } finally {
      await webOnly.destroy();
      fs.rmSync(target, { recursive: true, force: true });
    }
  });
});
