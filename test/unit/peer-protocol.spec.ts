import { describe, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ed25519KeyPairFromPem, ed25519Signer, verifyEd25519 } from '../../src/adapters/ed25519';
import { canonicalize } from '../../src/protocol/canonical-json';
import type { Verdict } from '../../src/protocol/peer-protocol';
import {
  PEER_HEADERS,
  commitmentFor,
  isNonce,
  isSalt,
  peerIdFor,
  sha256Hex,
  signedHeaders,
  signingBytes,
  signingString,
  verdictSchema,
} from '../../src/protocol/peer-protocol';

interface Vectors {
  key: { privateKeyPem: string; publicKey: string; peerId: string };
  requests: Array<{
    method: string;
    pathWithQuery: string;
    timestamp: number;
    nonce: string;
    body?: string;
    bodySha256: string;
    signingString: string;
    signature: string;
  }>;
  commitments: Array<{ verdict: Verdict; salt: string; canonicalJson: string; commitment: string }>;
}

const vectors = JSON.parse(
  fs.readFileSync(path.resolve('test/fixtures/peer-protocol-vectors.json'), 'utf8'),
) as Vectors;

describe('peer identity', () => {
  it('is the public key of the peer', () => {
    const sut = ed25519KeyPairFromPem(vectors.key.privateKeyPem);

    expect(sut.publicKey).toBe(vectors.key.publicKey);
    expect(peerIdFor(sut.publicKey)).toBe(vectors.key.peerId);
  });
});

describe('request signing', () => {
  it.each(vectors.requests.map((request) => [`${request.method} ${request.pathWithQuery}`, request] as const))(
    'matches the vector for %s',
    (_name, vector) => {
      const sign = ed25519Signer(vectors.key.privateKeyPem);

      const sut = signedHeaders(vectors.key.peerId, sign, { ...vector });

      expect(sha256Hex(vector.body ?? '')).toBe(vector.bodySha256);
      expect(signingString({ ...vector })).toBe(vector.signingString);
      expect(sut).toEqual({
        [PEER_HEADERS.peer]: vectors.key.peerId,
        [PEER_HEADERS.timestamp]: String(vector.timestamp),
        [PEER_HEADERS.nonce]: vector.nonce,
        [PEER_HEADERS.signature]: vector.signature,
      });
      expect(verifyEd25519(vectors.key.publicKey, signingBytes({ ...vector }), vector.signature)).toBe(true);
    },
  );

  it('upper-cases the method and signs the target exactly as given', () => {
    const sut = signingString({
      method: 'get',
      pathWithQuery: '/a//b?x=1&y',
      timestamp: 5,
      nonce: 'n',
      bodySha256: 'h',
    });

    expect(sut).toBe('GET\n/a//b?x=1&y\n5\nn\nh');
  });

  it('accepts nonces of 16 to 96 random bytes in base64url only', () => {
    expect(isNonce(Buffer.alloc(16).toString('base64url'))).toBe(true);
    expect(isNonce(Buffer.alloc(96).toString('base64url'))).toBe(true);
    expect(isNonce(Buffer.alloc(15).toString('base64url'))).toBe(false);
    expect(isNonce(Buffer.alloc(97).toString('base64url'))).toBe(false);
    expect(isNonce(Buffer.alloc(16).toString('base64'))).toBe(false);
  });
});

describe('commitments', () => {
  it.each(vectors.commitments.map((vector, i) => [i, vector] as const))('matches vector %i', (_i, vector) => {
    const sut = commitmentFor(vector.verdict, vector.salt);

    expect(canonicalize(vector.verdict)).toBe(vector.canonicalJson);
    expect(sut).toBe(vector.commitment);
  });

  it('changes with the verdict and with the salt', () => {
    const { verdict, salt, commitment } = vectors.commitments[0];

    expect(commitmentFor({ ...verdict, score: 0.9376 }, salt)).not.toBe(commitment);
    expect(commitmentFor(verdict, Buffer.alloc(32, 7).toString('base64url'))).not.toBe(commitment);
  });

  it('does not depend on the order of keys', () => {
    const { verdict, salt, commitment } = vectors.commitments[0];
    const reordered = { reasons: verdict.reasons, models: verdict.models, score: verdict.score };

    expect(commitmentFor(reordered, salt)).toBe(commitment);
  });

  it('refuses a salt shorter than 16 bytes', () => {
    expect(isSalt(Buffer.alloc(15).toString('base64url'))).toBe(false);
    expect(() => commitmentFor(vectors.commitments[0].verdict, 'short')).toThrow(RangeError);
  });
});

describe('verdictSchema', () => {
  const model = 'a'.repeat(64);
  it.each([
    [{ score: 0.5, models: [model] }, true],
    [{ score: 0.5, models: [model], reasons: ['x'] }, true],
    [{ score: 1.5, models: [model] }, false],
    [{ score: 0.5, models: [] }, false],
    [{ score: 0.5, models: ['A'.repeat(64)] }, false],
    [{ score: 0.5, models: [model], extra: true }, false],
  ])('%j valid: %s', (verdict, valid) => {
    expect(verdictSchema.safeParse(verdict).success).toBe(valid);
  });
});
