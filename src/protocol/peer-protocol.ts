/**
 * The verifier-peer protocol, shared by the service and `peerproof peer` (docs/peers.md, "Peer protocol"):
 * peer identity, signed requests and the commitment a peer makes to its verdict before revealing it.
 * Pure functions over bytes and strings; key handling is injected, so nothing here reads a key file.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { canonicalBytes } from './canonical-json';

/** Request headers of a signed peer request (HTTP header names are case-insensitive). */
export const PEER_HEADERS = {
  peer: 'x-peerproof-peer',
  timestamp: 'x-peerproof-timestamp',
  nonce: 'x-peerproof-nonce',
  signature: 'x-peerproof-signature',
} as const;

/** How far a request's timestamp may be from the service's clock, either way. */
export const MAX_CLOCK_SKEW_MS = 60_000;
export const NONCE_BYTES = 18;
/** base64url of at least 16 bytes (22 characters) and at most 96 (128 characters). */
const NONCE_TEXT = /^[A-Za-z0-9_-]{22,128}$/;
export const SALT_BYTES = 32;
/** base64url of 16 to 64 bytes. */
const SALT_TEXT = /^[A-Za-z0-9_-]{22,86}$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * A peer's id is its Ed25519 public key itself (raw 32 bytes, base64url, 43 characters): self-certifying,
 * so a request names the key that must have signed it and no lookup can map an id to the wrong key.
 */
export function peerIdFor(publicKey: string): string {
  return publicKey;
}

export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function isNonce(value: string): boolean {
  return NONCE_TEXT.test(value) && Buffer.from(value, 'base64url').length >= 16;
}

export function isSalt(value: string): boolean {
  return SALT_TEXT.test(value) && Buffer.from(value, 'base64url').length >= 16;
}

/** A request as it is signed: the request target exactly as sent (path and query), never normalized. */
export interface RequestToSign {
  method: string;
  pathWithQuery: string;
  /** Milliseconds since the epoch, as sent in X-PeerProof-Timestamp. */
  timestamp: number;
  nonce: string;
  /** SHA-256 of the exact body bytes, lowercase hex; of no bytes for a request without a body. */
  bodySha256: string;
}

/** `METHOD\nPATH_WITH_QUERY\nTIMESTAMP\nNONCE\nSHA256_HEX(body)`, UTF-8: what X-PeerProof-Signature signs. */
export function signingString(request: RequestToSign): string {
  return [
    request.method.toUpperCase(),
    request.pathWithQuery,
    String(request.timestamp),
    request.nonce,
    request.bodySha256,
  ].join('\n');
}

export function signingBytes(request: RequestToSign): Uint8Array {
  return new TextEncoder().encode(signingString(request));
}

/** Signs with the peer's key: Ed25519 over the given bytes, base64url (e.g. an `ed25519Signer`). */
export type RequestSigner = (message: Uint8Array) => string;

/** The four headers that authenticate one request. */
export function signedHeaders(
  peerId: string,
  sign: RequestSigner,
  request: Omit<RequestToSign, 'bodySha256'> & { body?: Uint8Array | string },
): Record<string, string> {
  const bodySha256 = sha256Hex(request.body ?? '');
  const signature = sign(signingBytes({ ...request, bodySha256 }));
  return {
    [PEER_HEADERS.peer]: peerId,
    [PEER_HEADERS.timestamp]: String(request.timestamp),
    [PEER_HEADERS.nonce]: request.nonce,
    [PEER_HEADERS.signature]: signature,
  };
}

export const verdictSchema = z.strictObject({
  /** For an inference audit: the fraction of sampled outputs the peer reproduced; for a liveness review: 1 pass, 0 fail. */
  score: z.number('score must be a number').min(0).max(1),
  /** sha256 of every model file the verdict was computed with. */
  models: z.array(z.string().regex(SHA256_HEX, 'models must be sha256 hex')).min(1).max(16),
  reasons: z.array(z.string().max(200)).max(16).optional(),
});
export type Verdict = z.infer<typeof verdictSchema>;

export const commitmentSchema = z.string().regex(SHA256_HEX, 'commitment must be 64 lowercase hex characters');
export const saltSchema = z.string().refine(isSalt, 'salt must be base64url of 16 to 64 bytes');

/**
 * `SHA-256(canonical JSON of the verdict ‖ salt)`, lowercase hex: the UTF-8 bytes of the RFC 8785 JSON of
 * the verdict followed by the salt's raw bytes (base64url-decoded). The random salt keeps a commitment from
 * being matched against guessed verdicts before the reveal.
 */
export function commitmentFor(verdict: Verdict, salt: string): string {
  if (!isSalt(salt)) throw new RangeError('salt must be base64url of 16 to 64 bytes');
  return createHash('sha256').update(canonicalBytes(verdict)).update(Buffer.from(salt, 'base64url')).digest('hex');
}
