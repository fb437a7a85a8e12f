import { Injectable } from '@nestjs/common';
import {
  createCipheriv,
  createDecipheriv,
  createPrivateKey,
  hash,
  hkdfSync,
  randomBytes,
  randomInt,
  randomUUID,
  timingSafeEqual,
} from 'node:crypto';
import type { SealedBox } from '../protocol/sealed-box';
import { seal } from '../protocol/sealed-box';
import type { Ed25519KeyPair } from './ed25519';
import {
  ed25519KeyId,
  ed25519KeyPairFromPem,
  ed25519Signer,
  generateEd25519KeyPair,
  signEd25519,
  verifyEd25519,
} from './ed25519';

/** Randomness and hashing for business code; secrets are compared here in constant time. */
@Injectable()
export class CryptoAdapter {
  randomBytes(size: number): Buffer {
    return randomBytes(size);
  }

  /** URL-safe random string with `bytes` bytes of entropy. */
  randomToken(bytes: number): string {
    return randomBytes(bytes).toString('base64url');
  }

  randomUuid(): string {
    return randomUUID();
  }

  /** Uniform integer in [min, max). */
  randomInt(min: number, max: number): number {
    return randomInt(min, max);
  }

  sha256Hex(value: string | Uint8Array): string {
    // One-shot hash(): on siteverify's path, cheaper than a createHash() object per call.
    return hash('sha256', value, 'hex');
  }

  /**
   * Compares two strings in time independent of where they differ. Both sides are hashed first so
   * that their lengths, which timingSafeEqual would otherwise leak, do not matter.
   */
  constantTimeEqual(a: string, b: string): boolean {
    return timingSafeEqual(hash('sha256', a, 'buffer'), hash('sha256', b, 'buffer'));
  }

  /** Ed25519 in PeerProof's encodings (see ./ed25519.ts and docs/peers.md). */
  generateEd25519KeyPair(): Ed25519KeyPair {
    return generateEd25519KeyPair();
  }

  /** Throws Ed25519KeyError when the PEM is not an Ed25519 private key. */
  ed25519KeyPairFromPem(privateKeyPem: string): Ed25519KeyPair {
    return ed25519KeyPairFromPem(privateKeyPem);
  }

  signEd25519(privateKeyPem: string, message: Uint8Array): string {
    return signEd25519(privateKeyPem, message);
  }

  /** For a key that signs often: parses the PEM once. */
  ed25519Signer(privateKeyPem: string): (message: Uint8Array) => string {
    return ed25519Signer(privateKeyPem);
  }

  verifyEd25519(publicKey: string, message: Uint8Array, signature: string): boolean {
    return verifyEd25519(publicKey, message, signature);
  }

  ed25519KeyId(publicKey: string): string {
    return ed25519KeyId(publicKey);
  }

  /** A 32-byte key for `purpose`, derived (HKDF-SHA256) from an Ed25519 private key's seed. */
  deriveKeyFromEd25519(privateKeyPem: string, purpose: string): Buffer {
    const jwk = createPrivateKey(privateKeyPem).export({ format: 'jwk' });
    if (typeof jwk.d !== 'string') throw new Error('not a private key');
    return Buffer.from(hkdfSync('sha256', Buffer.from(jwk.d, 'base64url'), Buffer.alloc(0), purpose, 32));
  }

  /** AES-256-GCM under a random IV: iv ‖ ciphertext ‖ tag. */
  encrypt(key: Buffer, plaintext: Uint8Array, aad: string): Buffer {
    const iv = randomBytes(AES_IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(aad));
    return Buffer.concat([iv, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  }

  /** The inverse of encrypt; throws when the key, the associated data or a byte differs. */
  decrypt(key: Buffer, sealed: Buffer, aad: string): Buffer {
    if (sealed.length < AES_IV_BYTES + AES_TAG_BYTES) throw new Error('ciphertext too short');
    const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, AES_IV_BYTES));
    decipher.setAAD(Buffer.from(aad));
    decipher.setAuthTag(sealed.subarray(sealed.length - AES_TAG_BYTES));
    return Buffer.concat([
      decipher.update(sealed.subarray(AES_IV_BYTES, sealed.length - AES_TAG_BYTES)),
      decipher.final(),
    ]);
  }

  /** A sealed box for these peers' Ed25519 keys (src/protocol/sealed-box.ts). */
  sealFor(plaintext: Uint8Array, recipients: readonly string[], context: string): SealedBox {
    return seal(plaintext, recipients, context);
  }
}

const AES_IV_BYTES = 12;
const AES_TAG_BYTES = 16;
