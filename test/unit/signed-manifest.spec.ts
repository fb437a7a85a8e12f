import { describe, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { generateEd25519KeyPair, signEd25519, verifyEd25519 } from '../../src/adapters/ed25519';
import type { Ed25519KeyPair } from '../../src/adapters/ed25519';
import { canonicalize } from '../../src/protocol/canonical-json';
import type { SignedManifest } from '../../src/protocol/signed-manifest';
import {
  ManifestVerificationError,
  manifestSigningBytes,
  verifySignedManifest,
} from '../../src/protocol/signed-manifest';

const shipped = JSON.parse(fs.readFileSync(path.resolve('models/manifest.json'), 'utf8'));
const INFO_HASH = '69324f7d9772b46aee8f48ef605e2c1e0082d575';

function signedBy(keys: Ed25519KeyPair, edit: (unsigned: Record<string, unknown>) => void = () => undefined) {
  const unsigned: Record<string, unknown> = {
    version: 1,
    models: shipped.models.map((model: Record<string, unknown>) => ({
      ...model,
      infoHash: INFO_HASH,
      magnetURI: `magnet:?xt=urn:btih:${INFO_HASH}&dn=${model.file}`,
      torrentUrl: `http://localhost:8080/api/v1/models/${model.id}/torrent`,
    })),
    publicKey: keys.publicKey,
    signedAt: '2026-11-28T10:00:00.000Z',
  };
  edit(unsigned);
  return { ...unsigned, signature: signEd25519(keys.privateKeyPem, manifestSigningBytes(unsigned)) } as SignedManifest;
}

function failure(json: unknown, key: string): ManifestVerificationError {
  try {
    verifySignedManifest(json, key, verifyEd25519);
  } catch (error) {
    if (error instanceof ManifestVerificationError) return error;
    throw error;
  }
  throw new Error('the manifest was accepted');
}

describe('verifySignedManifest', () => {
  const service = generateEd25519KeyPair();
  const intruder = generateEd25519KeyPair();

  it('accepts a manifest signed by the expected key and returns it', () => {
    const manifest = signedBy(service);
    const verified = verifySignedManifest(JSON.parse(JSON.stringify(manifest)), service.publicKey, verifyEd25519);
    expect(verified.models[0]).toMatchObject({ id: 'blazeface-front-128', infoHash: INFO_HASH });
  });

  it('signs the canonical JSON of everything but the signature, whatever the key order', () => {
    const manifest = signedBy(service);
    const { signature, ...rest } = manifest;
    expect(Buffer.from(manifestSigningBytes(manifest)).toString('utf8')).toBe(canonicalize(rest));
    const reordered = JSON.parse(JSON.stringify({ signature, ...Object.fromEntries(Object.entries(rest).reverse()) }));
    expect(() => verifySignedManifest(reordered, service.publicKey, verifyEd25519)).not.toThrow();
  });

  it.each<[string, (manifest: Record<string, unknown>) => void]>([
    ['model sha256', (m) => ((m.models as Record<string, unknown>[])[0].sha256 = 'e'.repeat(64))],
    ['model size', (m) => ((m.models as Record<string, unknown>[])[0].bytes = 1)],
    ['signing time', (m) => (m.signedAt = '2030-01-01T00:00:00.000Z')],
    ['member list (one added)', (m) => (m.note = 'hello')],
    ['signature', (m) => (m.signature = signEd25519(service.privateKeyPem, new Uint8Array([1])))],
  ])('refuses a manifest whose %s was changed: manifest-bad-signature', (_, tamper) => {
    const manifest = JSON.parse(JSON.stringify(signedBy(service)));
    tamper(manifest);
    expect(failure(manifest, service.publicKey).code).toBe('manifest-bad-signature');
  });

  it('refuses a manifest signed by another key: manifest-wrong-key', () => {
    const error = failure(signedBy(intruder), service.publicKey);
    expect(error.code).toBe('manifest-wrong-key');
    expect(error.message).toContain(intruder.publicKey);
  });

  it('refuses a manifest that claims the expected key but was signed by another: manifest-bad-signature', () => {
    const forged = signedBy(intruder, (unsigned) => (unsigned.publicKey = service.publicKey));
    expect(failure(forged, service.publicKey).code).toBe('manifest-bad-signature');
  });

  it.each<[string, unknown]>([
    [
      'no signature',
      (() => {
        const unsigned: Record<string, unknown> = { ...signedBy(service) };
        delete unsigned.signature;
        return unsigned;
      })(),
    ],
    ['not an object', 'manifest'],
    ['null', null],
    ['no models', { ...signedBy(service), models: [] }],
    ['a bad infohash', signedBy(service, (m) => ((m.models as Record<string, unknown>[])[0].infoHash = 'xyz'))],
    [
      'a magnet URI naming another infohash',
      signedBy(
        service,
        (m) => ((m.models as Record<string, unknown>[])[0].magnetURI = `magnet:?xt=urn:btih:${'0'.repeat(40)}`),
      ),
    ],
  ])('refuses a manifest with %s: manifest-malformed', (_, json) => {
    expect(failure(json, service.publicKey).code).toBe('manifest-malformed');
  });
});
