/**
 * The peer's Ed25519 identity, kept in its data folder as a PKCS#8 PEM readable by its owner only. A key file
 * that exists but cannot be used stops the peer rather than being replaced: the key is the peer's identity.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  Ed25519KeyError,
  ed25519KeyId,
  ed25519KeyPairFromPem,
  ed25519Signer,
  generateEd25519KeyPair,
} from '../../adapters/ed25519';
import type { RequestSigner } from '../../protocol/peer-protocol';
import { peerIdFor } from '../../protocol/peer-protocol';
import type { SealedFor } from '../../protocol/sealed-box';
import { open as openSealed } from '../../protocol/sealed-box';

export const IDENTITY_FILE = 'peer-key.pem';

export interface PeerIdentity {
  peerId: string;
  publicKey: string;
  /** Short name for logs: the first 16 hex characters of SHA-256 over the key. */
  keyId: string;
  sign: RequestSigner;
  /** Opens a sealed box sealed for this key (src/protocol/sealed-box.ts); throws SealedBoxError otherwise. */
  open: (sealed: SealedFor, context: string) => Buffer;
}

/** The identity file exists but is not a usable Ed25519 key. */
export class IdentityError extends Error {
  constructor(
    readonly code: 'no-identity' | 'identity-unusable',
    message: string,
  ) {
    super(message);
    this.name = 'IdentityError';
  }
}

export function identityFromPem(privateKeyPem: string): PeerIdentity {
  const pair = ed25519KeyPairFromPem(privateKeyPem);
  return {
    peerId: peerIdFor(pair.publicKey),
    publicKey: pair.publicKey,
    keyId: ed25519KeyId(pair.publicKey),
    sign: ed25519Signer(privateKeyPem),
    open: (sealed, context) => openSealed(sealed, privateKeyPem, context),
  };
}

/** Loads `DIR/peer-key.pem`, creating it (mode 0600, exclusively) on first start. */
export function loadOrCreateIdentity(dataDir: string): { identity: PeerIdentity; created: boolean } {
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(dataDir, IDENTITY_FILE);
  const fresh = generateEd25519KeyPair();
  try {
    fs.writeFileSync(file, fresh.privateKeyPem, { flag: 'wx', mode: 0o600 });
    return { identity: identityFromPem(fresh.privateKeyPem), created: true };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return { identity: loadIdentity(dataDir), created: false };
}

/** Loads an existing identity; throws IdentityError when there is none or it is unusable. */
export function loadIdentity(dataDir: string): PeerIdentity {
  const file = path.join(dataDir, IDENTITY_FILE);
  let pem: string;
  try {
    pem = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new IdentityError(
        'no-identity',
        `no peer key in ${dataDir}: \`peerproof peer\` creates one on first start`,
      );
    }
    throw new IdentityError('identity-unusable', `cannot read the peer key ${file}: ${(error as Error).message}`);
  }
  try {
    return identityFromPem(pem);
  } catch (error) {
    if (!(error instanceof Ed25519KeyError)) throw error;
    throw new IdentityError(
      'identity-unusable',
      `${file} is not an Ed25519 private key (${error.message}); restore it, or move it away to start as a new peer`,
    );
  }
}
