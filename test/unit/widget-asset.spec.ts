import { describe, expect, it } from '@jest/globals';
import type { WidgetManifestEntry } from '../../src/widget/widget-asset';
import {
  chooseEncoding,
  contentTypeFor,
  etagFor,
  etagMatches,
  isWidgetManifest,
  storedName,
} from '../../src/widget/widget-asset';

const entry: WidgetManifestEntry = {
  bytes: 100,
  sha256: 'ab'.repeat(32),
  immutable: false,
  encodings: { br: 40, gzip: 50 },
};

describe('widget assets', () => {
  it('names content types, wasm included', () => {
    expect(contentTypeFor('ort/x.1234.wasm')).toBe('application/wasm');
    expect(contentTypeFor('peerproof.js')).toBe('text/javascript; charset=utf-8');
    expect(contentTypeFor('ort/x.mjs')).toBe('text/javascript; charset=utf-8');
    expect(contentTypeFor('peerproof.css')).toBe('text/css; charset=utf-8');
    expect(contentTypeFor('README')).toBe('application/octet-stream');
  });

  it('prefers brotli, then gzip, and respects q=0', () => {
    expect(chooseEncoding('gzip, deflate, br', entry)).toBe('br');
    expect(chooseEncoding('gzip', entry)).toBe('gzip');
    expect(chooseEncoding('br;q=0, gzip;q=0.5', entry)).toBe('gzip');
    expect(chooseEncoding('*', entry)).toBe('br');
    expect(chooseEncoding('identity', entry)).toBeNull();
    expect(chooseEncoding(undefined, entry)).toBeNull();
    expect(chooseEncoding('br', { ...entry, encodings: {} })).toBeNull();
  });

  it('gives each representation its own ETag and stored file', () => {
    expect(etagFor(entry, null)).toBe(`"${'ab'.repeat(16)}"`);
    expect(etagFor(entry, 'br')).toBe(`"${'ab'.repeat(16)}-br"`);
    expect(storedName('worker.js', 'gzip')).toBe('worker.js.gz');
    expect(storedName('worker.js', null)).toBe('worker.js');
  });

  it('matches If-None-Match lists, weak tags and *', () => {
    expect(etagMatches('"a", W/"b"', '"b"')).toBe(true);
    expect(etagMatches('*', '"b"')).toBe(true);
    expect(etagMatches('"c"', '"b"')).toBe(false);
    expect(etagMatches(undefined, '"b"')).toBe(false);
  });

  it('recognises a manifest and rejects anything else', () => {
    expect(isWidgetManifest({ version: 1, files: { 'peerproof.js': entry } })).toBe(true);
    expect(isWidgetManifest({ version: 2, files: {} })).toBe(false);
    expect(isWidgetManifest({ version: 1, files: { x: { bytes: 1 } } })).toBe(false);
    expect(isWidgetManifest(null)).toBe(false);
  });
});
