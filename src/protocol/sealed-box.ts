/**
 * Sealed boxes (docs/ledger.md, "Liveness reviews"): a payload encrypted once with a random content key
 * (AES-256-GCM), and that key wrapped for each recipient's Ed25519 identity key, converted to X25519 (the
 * map libsodium's `crypto_sign_ed25519_pk_to_curve25519` uses), through one ephemeral X25519 key,
 * HKDF-SHA256 and AES-256-GCM. A peer therefore needs no second key: the key it signs requests with opens
 * what was sealed for it. Every box is bound to a context (a job id) as associated data, so a box filed
 * under another job does not open. Shared by the service (seal) and the peer (open), with test vectors.
 */
import type { KeyObject } from 'node:crypto';
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  hkdfSync,
  randomBytes,
} from 'node:crypto';

export const SEALED_BOX_ALGORITHM = 'x25519-hkdf-sha256-aes-256-gcm';

/** The content key wrapped for one recipient. */
export interface WrappedKey {
  iv: string;
  /** The wrapped 32-byte content key and its 16-byte tag, base64url. */
  key: string;
}

export interface SealedBox {
  alg: typeof SEALED_BOX_ALGORITHM;
  /** The ephemeral X25519 public key, raw, base64url. */
  epk: string;
  iv: string;
  /** Ciphertext and its 16-byte tag, base64url. */
  ciphertext: string;
  /** Per recipient (its Ed25519 public key, base64url): the content key wrapped for it. */
  recipients: Record<string, WrappedKey>;
}

/** What one recipient receives: the box with only its own wrapped key. */
export type SealedFor = Omit<SealedBox, 'recipients'> & { wrapped: WrappedKey };

/** A box that does not open: not sealed for this key, another context, or changed on the way. */
export class SealedBoxError extends Error {
  readonly code = 'sealed-box-unopenable';
}

const P = 2n ** 255n - 19n;
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const X25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
const X25519_SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');

/** Source of randomness; tests pass a deterministic one to reproduce the vectors. */
export type RandomSource = (size: number) => Buffer;

/**
 * The X25519 public key (raw, 32 bytes) of an Ed25519 public key: u = (1 + y) / (1 − y) mod p. Throws for
 * an encoding that is not a point's y coordinate, or for the one y (1) that has no u.
 */
export function x25519PublicFromEd25519(ed25519PublicKey: string): Buffer {
  const raw = Buffer.from(ed25519PublicKey, 'base64url');
  if (raw.length !== KEY_BYTES) throw new SealedBoxError('an Ed25519 public key is 32 bytes');
  const y = littleEndian(raw) & ((1n << 255n) - 1n);
  if (y >= P || y === 1n) throw new SealedBoxError('not an Ed25519 public key');
  const u = (((1n + y) % P) * inverse((1n - y + P) % P)) % P;
  return toLittleEndian(u);
}

/** The X25519 private key matching x25519PublicFromEd25519: the clamped half of SHA-512 of the Ed25519 seed. */
export function x25519PrivateFromEd25519(ed25519PrivateKeyPem: string): KeyObject {
  const jwk = createPrivateKey(ed25519PrivateKeyPem).export({ format: 'jwk' });
  if (jwk.crv !== 'Ed25519' || typeof jwk.d !== 'string') throw new SealedBoxError('not an Ed25519 private key');
  const scalar = createHash('sha512').update(Buffer.from(jwk.d, 'base64url')).digest().subarray(0, KEY_BYTES);
  return x25519PrivateKey(scalar);
}

/** Seals `plaintext` for every recipient (Ed25519 public keys), bound to `context`. */
export function seal(
  plaintext: Uint8Array,
  recipients: readonly string[],
  context: string,
  random: RandomSource = randomBytes,
): SealedBox {
  const contentKey = random(KEY_BYTES);
  const ephemeral = x25519PrivateKey(random(KEY_BYTES));
  const epk = rawX25519Public(ephemeral);
  const iv = random(IV_BYTES);
  const box: SealedBox = {
    alg: SEALED_BOX_ALGORITHM,
    epk: epk.toString('base64url'),
    iv: iv.toString('base64url'),
    ciphertext: encrypt(contentKey, iv, plaintext, contentAad(context)).toString('base64url'),
    recipients: {},
  };
  for (const recipient of recipients) {
    const theirs = x25519PublicFromEd25519(recipient);
    const shared = diffieHellman({ privateKey: ephemeral, publicKey: x25519PublicKey(theirs) });
    const wrapIv = random(IV_BYTES);
    const wrapped = encrypt(wrappingKey(shared, epk, theirs, context), wrapIv, contentKey, wrapAad(context));
    box.recipients[recipient] = { iv: wrapIv.toString('base64url'), key: wrapped.toString('base64url') };
  }
  return box;
}

/** The part of a box one recipient gets; null when it was not sealed for that key. */
export function boxFor(box: SealedBox, recipient: string): SealedFor | null {
  const wrapped = box.recipients[recipient];
  if (!wrapped) return null;
  return { alg: box.alg, epk: box.epk, iv: box.iv, ciphertext: box.ciphertext, wrapped };
}

/** Opens a box sealed for the holder of `ed25519PrivateKeyPem`; throws SealedBoxError if it does not open. */
export function open(sealed: SealedFor, ed25519PrivateKeyPem: string, context: string): Buffer {
  if (sealed.alg !== SEALED_BOX_ALGORITHM) throw new SealedBoxError(`unknown algorithm ${String(sealed.alg)}`);
  const mine = x25519PrivateFromEd25519(ed25519PrivateKeyPem);
  const epk = Buffer.from(sealed.epk, 'base64url');
  if (epk.length !== KEY_BYTES) throw new SealedBoxError('the ephemeral key is not 32 bytes');
  try {
    const shared = diffieHellman({ privateKey: mine, publicKey: x25519PublicKey(epk) });
    const ownPublic = rawX25519Public(mine);
    const contentKey = decrypt(
      wrappingKey(shared, epk, ownPublic, context),
      Buffer.from(sealed.wrapped.iv, 'base64url'),
      Buffer.from(sealed.wrapped.key, 'base64url'),
      wrapAad(context),
    );
    return decrypt(
      contentKey,
      Buffer.from(sealed.iv, 'base64url'),
      Buffer.from(sealed.ciphertext, 'base64url'),
      contentAad(context),
    );
  } catch (error) {
    if (error instanceof SealedBoxError) throw error;
    throw new SealedBoxError('the box does not open with this key and context');
  }
}

function wrappingKey(shared: Buffer, epk: Buffer, recipient: Buffer, context: string): Buffer {
  const salt = Buffer.concat([epk, recipient]);
  return Buffer.from(hkdfSync('sha256', shared, salt, `peerproof sealed-box v1 wrap ${context}`, KEY_BYTES));
}

const contentAad = (context: string) => Buffer.from(`peerproof sealed-box v1 content ${context}`);
const wrapAad = (context: string) => Buffer.from(`peerproof sealed-box v1 key ${context}`);

function encrypt(key: Buffer, iv: Buffer, plaintext: Uint8Array, aad: Buffer): Buffer {
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(aad);
  return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

function decrypt(key: Buffer, iv: Buffer, sealed: Buffer, aad: Buffer): Buffer {
  if (iv.length !== IV_BYTES || sealed.length < TAG_BYTES) throw new SealedBoxError('malformed box');
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAAD(aad);
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)), decipher.final()]);
}

function x25519PrivateKey(scalar: Buffer): KeyObject {
  return createPrivateKey({ key: Buffer.concat([X25519_PKCS8_PREFIX, scalar]), format: 'der', type: 'pkcs8' });
}

function x25519PublicKey(raw: Buffer): KeyObject {
  return createPublicKey({ key: Buffer.concat([X25519_SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
}

function rawX25519Public(privateKey: KeyObject): Buffer {
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  return spki.subarray(spki.length - KEY_BYTES);
}

function littleEndian(bytes: Buffer): bigint {
  let value = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i]);
  return value;
}

function toLittleEndian(value: bigint): Buffer {
  const out = Buffer.alloc(KEY_BYTES);
  for (let i = 0; i < KEY_BYTES; i++) {
    out[i] = Number(value & 0xffn);
    value >>= 8n;
  }
  return out;
}

/** a^(p−2) mod p: the inverse in the prime field (a ≠ 0). */
function inverse(a: bigint): bigint {
  let result = 1n;
  let base = a % P;
  let exponent = P - 2n;
  while (exponent > 0n) {
    if (exponent & 1n) result = (result * base) % P;
    base = (base * base) % P;
    exponent >>= 1n;
  }
  return result;
}
