import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import request from 'supertest';
import type { TestApp } from '../support/test-app';
import { startTestApp } from '../support/test-app';

/** A widget build in miniature: a manifest and its files, as widget/build.mjs writes them. */
function fakeWidgetDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'peerproof-widget-'));
  const files: Record<string, { text: string; immutable: boolean; compress: boolean }> = {
    'peerproof.js': { text: `console.log(${JSON.stringify('x'.repeat(2000))});`, immutable: false, compress: true },
    'ort/runtime.0123456789ab.wasm': { text: '\0asm'.padEnd(3000, '\0'), immutable: true, compress: true },
    'peerproof.css': { text: '.peerproof{}', immutable: false, compress: false },
  };
  const manifest: Record<string, unknown> = {};
  for (const [name, { text, immutable, compress }] of Object.entries(files)) {
    const bytes = Buffer.from(text);
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), bytes);
    const encodings: Record<string, number> = {};
    if (compress) {
      const br = brotliCompressSync(bytes);
      fs.writeFileSync(path.join(dir, `${name}.br`), br);
      encodings.br = br.length;
      const gz = gzipSync(bytes);
      fs.writeFileSync(path.join(dir, `${name}.gz`), gz);
      encodings.gzip = gz.length;
    }
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    manifest[name] = { bytes: bytes.length, sha256, immutable, encodings };
  }
  fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ version: 1, files: manifest }));
  fs.writeFileSync(path.join(dir, 'secret.txt'), 'not listed in the manifest');
  return dir;
}

// Static files, not rows: one database kind is enough.
describe('widget files', () => {
  let t: TestApp;
  let dir: string;
  beforeAll(async () => {
    dir = fakeWidgetDir();
    t = await startTestApp('sqlite', { WIDGET_DIR: dir });
  });
  afterAll(async () => {
    await t?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('serves the loader with a short cache, an ETag and the right type', async () => {
    const response = await request(t.baseUrl).get('/widget/peerproof.js').set('Accept-Encoding', 'identity');

    expect(response.status).toBe(200);
    expect(response.headers).toMatchObject({
      'content-type': 'text/javascript; charset=utf-8',
      'cache-control': 'public, max-age=300',
      'x-content-type-options': 'nosniff',
      'access-control-allow-origin': '*',
      vary: expect.stringContaining('Accept-Encoding'),
    });
    expect(response.headers['content-encoding']).toBeUndefined();
    expect(response.text).toContain('console.log');
  });

  it('sends the precompressed variant the client accepts, with its own ETag', async () => {
    const br = await request(t.baseUrl).get('/widget/peerproof.js').set('Accept-Encoding', 'gzip, br');
    const gz = await request(t.baseUrl).get('/widget/peerproof.js').set('Accept-Encoding', 'gzip');

    expect(br.headers['content-encoding']).toBe('br');
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(br.text).toBe(gz.text);
    expect(br.headers.etag).not.toBe(gz.headers.etag);
  });

  it('serves wasm as application/wasm, cached for a year under its hashed name', async () => {
    const response = await request(t.baseUrl)
      .get('/widget/ort/runtime.0123456789ab.wasm')
      .set('Accept-Encoding', 'identity')
      .buffer(true)
      .parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => done(null, Buffer.concat(chunks)));
      });

    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/wasm');
    expect(response.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect((response.body as Buffer).subarray(0, 4).toString('latin1')).toBe('\0asm');
  });

  it('answers 304 to a current If-None-Match', async () => {
    const first = await request(t.baseUrl).get('/widget/peerproof.css');
    const again = await request(t.baseUrl).get('/widget/peerproof.css').set('If-None-Match', first.headers.etag);

    expect(again.status).toBe(304);
    expect(again.text).toBe('');
  });

  it('serves only files listed in the manifest', async () => {
    for (const url of ['/widget/secret.txt', '/widget/manifest.json', '/widget/peerproof.js.br', '/widget/nope.js']) {
      const response = await request(t.baseUrl).get(url);
      expect({ url, status: response.status, code: response.body.code }).toEqual({
        url,
        status: 404,
        code: 'widget-file-not-found',
      });
    }
    const traversal = await request(t.baseUrl).get('/widget/..%2Fpackage.json');
    expect(traversal.status).toBe(404);
  });
});

describe('widget files without a build', () => {
  let t: TestApp;
  let dir: string;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'peerproof-no-widget-'));
    t = await startTestApp('sqlite', { WIDGET_DIR: dir });
  });
  afterAll(async () => {
    await t?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('starts anyway and answers 503 widget-not-built', async () => {
    const response = await request(t.baseUrl).get('/widget/peerproof.js');

    expect(response.status).toBe(503);
    expect(response.body).toMatchObject({ statusCode: 503, code: 'widget-not-built' });
    await request(t.baseUrl).get('/healthz').expect(200);
  });

  it('picks up a build made while it runs', async () => {
    const build = fakeWidgetDir();
    fs.cpSync(build, dir, { recursive: true });
    fs.rmSync(build, { recursive: true, force: true });
    t.clock.advance(1000);

    await request(t.baseUrl).get('/widget/peerproof.css').expect(200);
  });
});
