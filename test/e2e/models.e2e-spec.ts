import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import request from 'supertest';
import type { TestApp } from '../support/test-app';
import { startTestApp } from '../support/test-app';

const MODEL = 'face_detection_front_128x128_barracuda.onnx';
const SHA256 = 'd388b1cf8a5f6f1af2b3f4c14f6d0f138bab970cd618cccd12dddb7484e82e51';
const SIZE = 442005;

type BodyParser = Parameters<ReturnType<ReturnType<typeof request>['get']>['parse']>[0];

/** Collects a binary body as a Buffer (supertest leaves octet-stream bodies unparsed otherwise). */
const binary: BodyParser = (res, done) => {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => done(null, Buffer.concat(chunks)));
};

// The models are files, not rows: one database kind is enough to exercise these routes.
describe('models', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('sqlite');
  });
  afterAll(() => t?.close());

  const get = (url: string) => request(t.baseUrl).get(url).buffer(true).parse(binary);

  it('publishes the manifest', async () => {
    const { body, headers } = await request(t.baseUrl).get('/api/v1/models/manifest').expect(200);
    expect(headers['cache-control']).toBe('public, max-age=300');
    expect(body.version).toBe(1);
    expect(body.models).toEqual([
      expect.objectContaining({
        id: 'blazeface-front-128',
        file: MODEL,
        sha256: SHA256,
        bytes: SIZE,
        licence: 'Apache-2.0',
        role: 'inference-task',
        inputs: [{ name: 'input:0', shape: [1, 128, 128, 3], type: 'float32' }],
      }),
      expect.objectContaining({ id: 'ultraface-rfb-320', role: 'face-detector', licence: 'MIT' }),
      expect.objectContaining({ id: 'minifasnet-v2', role: 'anti-spoof', licence: 'Apache-2.0' }),
      expect.objectContaining({ id: 'minifasnet-v1se', role: 'anti-spoof', licence: 'Apache-2.0' }),
      expect.objectContaining({ id: 'meso4-df', role: 'deepfake', licence: 'Apache-2.0' }),
      expect.objectContaining({ id: 'yunet-s-dynamic', role: 'face-analysis', licence: 'Apache-2.0' }),
      expect.objectContaining({ id: 'facemesh-468', role: 'face-analysis', licence: 'Apache-2.0' }),
      expect.objectContaining({ id: 'facemesh-468-weights', role: 'face-analysis-weights', licence: 'Apache-2.0' }),
      expect.objectContaining({ id: 'iris-76', role: 'face-analysis', licence: 'Apache-2.0' }),
      expect.objectContaining({ id: 'iris-76-weights', role: 'face-analysis-weights', licence: 'Apache-2.0' }),
      expect.objectContaining({ id: 'face-api-recognition', role: 'face-analysis', licence: 'MIT' }),
      expect.objectContaining({ id: 'face-api-recognition-weights', role: 'face-analysis-weights', licence: 'MIT' }),
    ]);
  });

  it('serves a model file with its sha256 as ETag, cacheable for good', async () => {
    const response = await get(`/models/${MODEL}`).expect(200);
    expect(response.headers).toMatchObject({
      'content-type': 'application/octet-stream',
      'content-length': String(SIZE),
      etag: `"${SHA256}"`,
      'cache-control': 'public, max-age=31536000, immutable',
      'accept-ranges': 'bytes',
    });
    expect(
      createHash('sha256')
        .update(response.body as Buffer)
        .digest('hex'),
    ).toBe(SHA256);
  });

  it('answers HEAD with the headers only', async () => {
    const response = await request(t.baseUrl).head(`/models/${MODEL}`).expect(200);
    expect(response.headers['content-length']).toBe(String(SIZE));
    expect(response.headers.etag).toBe(`"${SHA256}"`);
  });

  it('answers a matching If-None-Match with 304', async () => {
    const response = await get(`/models/${MODEL}`).set('If-None-Match', `W/"${SHA256}"`).expect(304);
    expect(response.headers.etag).toBe(`"${SHA256}"`);
  });

  it('serves byte ranges with 206 and Content-Range', async () => {
    const whole = (await get(`/models/${MODEL}`)).body as Buffer;
    const head = await get(`/models/${MODEL}`).set('Range', 'bytes=0-99').expect(206);
    expect(head.headers['content-range']).toBe(`bytes 0-99/${SIZE}`);
    expect(head.body).toEqual(whole.subarray(0, 100));
    const tail = await get(`/models/${MODEL}`).set('Range', 'bytes=-10').expect(206);
    expect(tail.headers['content-range']).toBe(`bytes ${SIZE - 10}-${SIZE - 1}/${SIZE}`);
    expect(tail.body).toEqual(whole.subarray(SIZE - 10));
  });

  it('ignores the range when If-Range names another version', async () => {
    await get(`/models/${MODEL}`).set('Range', 'bytes=0-99').set('If-Range', '"other"').expect(200);
    await get(`/models/${MODEL}`).set('Range', 'bytes=0-99').set('If-Range', `"${SHA256}"`).expect(206);
  });

  it.each([`bytes=${SIZE}-`, 'bytes=9-3', 'bytes=x-y'])('answers the range %s with 416', async (range) => {
    const response = await request(t.baseUrl).get(`/models/${MODEL}`).set('Range', range).expect(416);
    expect(response.headers['content-range']).toBe(`bytes */${SIZE}`);
    expect(response.body).toMatchObject({ statusCode: 416, code: 'range-not-satisfiable' });
  });

  it('serves the licence listed beside the model', async () => {
    const response = await request(t.baseUrl).get('/models/LICENSE.blazeface-onnx.txt').expect(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    expect(response.text).toContain('Apache License');
  });

  it.each(['nope.onnx', 'manifest.json', 'README.md', '..%2Fpackage.json', '%2E%2E', 'a%00b'])(
    'answers %s with 404 model-not-found',
    async (name) => {
      const { body } = await request(t.baseUrl).get(`/models/${name}`).expect(404);
      expect(body).toMatchObject({ statusCode: 404, code: 'model-not-found' });
    },
  );
});

describe('models start-up check', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'peerproof-models-'));
    const shipped = path.resolve('models');
    for (const name of fs.readdirSync(shipped)) fs.copyFileSync(path.join(shipped, name), path.join(dir, name));
    const bytes = fs.readFileSync(path.join(dir, MODEL));
    bytes[12345] ^= 1;
    fs.writeFileSync(path.join(dir, MODEL), bytes);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('refuses to start when a model does not match its manifest entry', async () => {
    await expect(startTestApp('sqlite', { MODELS_DIR: dir })).rejects.toThrow(
      new RegExp(`${MODEL} has sha256 [0-9a-f]{64}, the manifest expects ${SHA256}`),
    );
  });
});
