/**
 * Ed25519 on node:crypto, in the encodings PeerProof publishes (docs/peers.md): public keys as the raw 32
 * bytes in base64url, signatures as the raw 64 bytes in base64url, private keys as PKCS#8 PEM. Plain
 * functions, so the peer and the CLI can use them without Nest; CryptoAdapter exposes the same to services.
 */
import type { KeyObject } from 'node:crypto';
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';

export interface Ed25519KeyPair {
  /** Raw 32-byte public key, base64url without padding. */
  publicKey: string;
  privateKeyPem: string;
}

/** A private key that cannot be parsed or is not Ed25519. */
export class Ed25519KeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Ed25519KeyError';
  }
}

const PUBLIC_KEY_BYTES = 32;
/** base64url of 32 bytes: 43 characters, the last one carrying only 4 bits. */
const PUBLIC_KEY_TEXT = /^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/;
const SIGNATURE_TEXT = /^[A-Za-z0-9_-]{85}[AQgw]$/;

export function generateEd25519KeyPair(): Ed25519KeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    publicKey: rawPublicKey(publicKey),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
  };
}

/** Parses a PEM private key and derives its public key; throws Ed25519KeyError for anything else. */
export function ed25519KeyPairFromPem(privateKeyPem: string): Ed25519KeyPair {
  const key = privateKeyFromPem(privateKeyPem);
  return { publicKey: rawPublicKey(createPublicKey(key)), privateKeyPem };
}

export function signEd25519(privateKeyPem: string, message: Uint8Array): string {
  return sign(null, message, privateKeyFromPem(privateKeyPem)).toString('base64url');
}

/** A signing function holding the parsed key: parsing the PEM costs several times the signature itself. */
export function ed25519Signer(privateKeyPem: string): (message: Uint8Array) => string {
  const key = privateKeyFromPem(privateKeyPem);
  return (message) => sign(null, message, key).toString('base64url');
}

/** False for a wrong signature and for a malformed key or signature alike: callers only need yes or no. */
export function verifyEd25519(publicKey: string, message: Uint8Array, signature: string): boolean {
  if (!isEd25519PublicKey(publicKey) || !SIGNATURE_TEXT.test(signature)) return false;
  try {
    return verify(null, message, publicKeyFromRaw(publicKey), Buffer.from(signature, 'base64url'));
  } catch {
    return false;
  }
}

/** First 16 hex characters of SHA-256 over the raw public key: a short name for logs, never for checks. */
export function ed25519KeyId(publicKey: string): string {
  return createHash('sha256').update(Buffer.from(publicKey, 'base64url')).digest('hex').slice(0, 16);
}

/** Canonical base64url of 32 bytes (so one key has exactly one spelling). */
export function isEd25519PublicKey(value: string): boolean {
  return PUBLIC_KEY_TEXT.test(value) && Buffer.from(value, 'base64url').length === PUBLIC_KEY_BYTES;
}

function privateKeyFromPem(privateKeyPem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: privateKeyPem, format: 'pem' });
  } catch (error) {
    throw new Ed25519KeyError(`not a PEM private key: ${(error as Error).message}`);
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new Ed25519KeyError(`an ${String(key.asymmetricKeyType)} key, not an Ed25519 one`);
  }
  return key;
}

function rawPublicKey(key: KeyObject): string {
  // The JWK form of an Ed25519 public key is exactly the raw 32 bytes, base64url.
  return key.export({ format: 'jwk' }).x as string;
}

function publicKeyFromRaw(publicKey: string): KeyObject {
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: publicKey }, format: 'jwk' });
}
