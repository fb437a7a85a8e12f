import { describe, expect, it } from '@jest/globals';
import { generateKeyPairSync } from 'node:crypto';
import {
  Ed25519KeyError,
  ed25519KeyId,
  ed25519KeyPairFromPem,
  generateEd25519KeyPair,
  isEd25519PublicKey,
  signEd25519,
  verifyEd25519,
} from '../../src/adapters/ed25519';

const message = new TextEncoder().encode('PeerProof');

describe('Ed25519', () => {
  it('signs and verifies in the published encodings', () => {
    const pair = generateEd25519KeyPair();
    expect(pair.publicKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(pair.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    const signature = signEd25519(pair.privateKeyPem, message);
    expect(signature).toMatch(/^[A-Za-z0-9_-]{86}$/);
    expect(verifyEd25519(pair.publicKey, message, signature)).toBe(true);
    expect(ed25519KeyPairFromPem(pair.privateKeyPem)).toEqual(pair);
    expect(ed25519KeyId(pair.publicKey)).toMatch(/^[0-9a-f]{16}$/);
  });

  it('matches the RFC 8032 test 1 vector', () => {
    // RFC 8032 §7.1 TEST 1: secret key 9d61b19d…, empty message.
    const pem =
      '-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n-----END PRIVATE KEY-----\n';
    const pair = ed25519KeyPairFromPem(pem);
    expect(Buffer.from(pair.publicKey, 'base64url').toString('hex')).toBe(
      'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    );
    expect(Buffer.from(signEd25519(pem, new Uint8Array()), 'base64url').toString('hex')).toBe(
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
    );
  });

  it('answers false, never throws, for another key, another message, or malformed input', () => {
    const pair = generateEd25519KeyPair();
    const other = generateEd25519KeyPair();
    const signature = signEd25519(pair.privateKeyPem, message);
    expect(verifyEd25519(other.publicKey, message, signature)).toBe(false);
    expect(verifyEd25519(pair.publicKey, new TextEncoder().encode('PeerProof!'), signature)).toBe(false);
    for (const [key, sig] of [
      ['', signature],
      ['not a key', signature],
      [pair.publicKey + 'A', signature],
      [pair.publicKey, ''],
      [pair.publicKey, signature.slice(0, 85)],
      [pair.publicKey, Buffer.from(signature, 'base64url').toString('base64')],
    ]) {
      expect(verifyEd25519(key, message, sig)).toBe(false);
    }
  });

  it('accepts only the canonical spelling of a 32-byte key', () => {
    const { publicKey } = generateEd25519KeyPair();
    expect(isEd25519PublicKey(publicKey)).toBe(true);
    expect(isEd25519PublicKey(publicKey.slice(0, 42))).toBe(false);
    expect(isEd25519PublicKey(`${publicKey.slice(0, 42)}B`)).toBe(false);
  });

  it('refuses a PEM that is not an Ed25519 private key', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' });
    expect(() => ed25519KeyPairFromPem(ec as string)).toThrow(Ed25519KeyError);
    expect(() => ed25519KeyPairFromPem('garbage')).toThrow(Ed25519KeyError);
    expect(() => signEd25519('garbage', message)).toThrow(Ed25519KeyError);
  });
});
