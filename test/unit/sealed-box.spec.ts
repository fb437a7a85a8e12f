import { describe, expect, it } from '@jest/globals';
import { generateKeyPairSync } from 'node:crypto';
import * as fs from 'node:fs';
import { ed25519KeyPairFromPem } from '../../src/adapters/ed25519';
import type { SealedBox } from '../../src/protocol/sealed-box';
import {
  SealedBoxError,
  boxFor,
  open,
  seal,
  x25519PrivateFromEd25519,
  x25519PublicFromEd25519,
} from '../../src/protocol/sealed-box';
import { createPublicKey } from 'node:crypto';

/** Made by test/fixtures/sealed-box-vectors.py with the Python `cryptography` package, not with this code. */
const vectors = JSON.parse(fs.readFileSync('test/fixtures/sealed-box-vectors.json', 'utf8')) as {
  recipients: { ed25519PublicKey: string; ed25519PrivateKeyPem: string; x25519PublicKey: string }[];
  context: string;
  contentKey: string;
  ephemeralScalar: string;
  iv: string;
  wrapIvs: string[];
  plaintext: string;
  box: SealedBox;
};

/** Hands out the vector's random values in the order seal() draws them. */
function replay(): (size: number) => Buffer {
  const queue = [vectors.contentKey, vectors.ephemeralScalar, vectors.iv, ...vectors.wrapIvs].map((value) =>
    Buffer.from(value, 'base64url'),
  );
  return (size) => {
    const next = queue.shift()!;
    expect(next.length).toBe(size);
    return next;
  };
}

const rawX25519 = (pem: string) => {
  const spki = createPublicKey(x25519PrivateFromEd25519(pem)).export({ format: 'der', type: 'spki' });
  return spki.subarray(spki.length - 32).toString('base64url');
};

describe('sealed boxes', () => {
  it('converts Ed25519 keys to X25519 as the reference does, public and private alike', () => {
    for (const recipient of vectors.recipients) {
      expect(x25519PublicFromEd25519(recipient.ed25519PublicKey).toString('base64url')).toBe(recipient.x25519PublicKey);
      expect(rawX25519(recipient.ed25519PrivateKeyPem)).toBe(recipient.x25519PublicKey);
    }
  });

  it('agrees for fresh keys: the converted public key is the converted private key’s', () => {
    for (let n = 0; n < 20; n++) {
      const pem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
      const { publicKey } = ed25519KeyPairFromPem(pem);
      expect(x25519PublicFromEd25519(publicKey).toString('base64url')).toBe(rawX25519(pem));
    }
  });

  it('seals byte for byte as the reference vector, and each recipient opens it', () => {
    const keys = vectors.recipients.map((recipient) => recipient.ed25519PublicKey);
    const box = seal(Buffer.from(vectors.plaintext), keys, vectors.context, replay());
    expect(box).toEqual(vectors.box);
    for (const recipient of vectors.recipients) {
      const mine = boxFor(vectors.box, recipient.ed25519PublicKey)!;
      expect(open(mine, recipient.ed25519PrivateKeyPem, vectors.context).toString()).toBe(vectors.plaintext);
    }
  });

  it('does not open for another key, another context, or a changed byte', () => {
    const [first, second] = vectors.recipients;
    const mine = boxFor(vectors.box, first.ed25519PublicKey)!;
    expect(boxFor(vectors.box, 'A'.repeat(43))).toBeNull();
    expect(() => open(mine, second.ed25519PrivateKeyPem, vectors.context)).toThrow(SealedBoxError);
    expect(() => open(mine, first.ed25519PrivateKeyPem, 'job-other')).toThrow(SealedBoxError);
    const flipped = Buffer.from(mine.ciphertext, 'base64url');
    flipped[3] ^= 1;
    expect(() =>
      open({ ...mine, ciphertext: flipped.toString('base64url') }, first.ed25519PrivateKeyPem, vectors.context),
    ).toThrow(SealedBoxError);
    expect(() => open({ ...mine, epk: 'AAAA' }, first.ed25519PrivateKeyPem, vectors.context)).toThrow(SealedBoxError);
    expect(() => open({ ...mine, alg: 'rot13' as never }, first.ed25519PrivateKeyPem, vectors.context)).toThrow(
      SealedBoxError,
    );
  });

  it('refuses keys that are not Ed25519 points', () => {
    expect(() => x25519PublicFromEd25519('AAAA')).toThrow(SealedBoxError);
    // y = 1 (the neutral point) has no Montgomery u.
    expect(() => x25519PublicFromEd25519(Buffer.from([1, ...new Array(31).fill(0)]).toString('base64url'))).toThrow(
      SealedBoxError,
    );
    expect(() => seal(Buffer.from('x'), ['A'.repeat(42)], 'c')).toThrow(SealedBoxError);
  });
});
