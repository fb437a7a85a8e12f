import type { OnModuleInit } from '@nestjs/common';
import { Inject, Injectable, Logger } from '@nestjs/common';
import * as path from 'node:path';
import { CryptoAdapter } from '../adapters/crypto.adapter';
import type { Ed25519KeyPair } from '../adapters/ed25519';
import { FileStoreAdapter } from '../adapters/file-store.adapter';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';

export const SERVICE_KEY_FILE = 'service-key.pem';

/** The service key file exists but cannot be used; the service must not start with another key. */
export class ServiceKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ServiceKeyError';
  }
}

export interface PublicKeyInfo {
  algorithm: 'ed25519';
  /** Raw 32-byte public key, base64url. */
  publicKey: string;
  /** First 16 hex characters of SHA-256 over the raw key. */
  keyId: string;
}

/**
 * The service's Ed25519 identity: it signs the model manifest (and the ledger's tree heads). Created on
 * first start in the data directory, readable by its owner only. A key file that exists but cannot be read
 * stops start-up rather than being replaced: peers are configured with the public key, and a silently new
 * key would make every one of them refuse the service.
 */
@Injectable()
export class ServiceKeyService implements OnModuleInit {
  private readonly logger = new Logger('keys');
  private pair: Ed25519KeyPair | undefined;
  private signer: ((message: Uint8Array) => string) | undefined;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly crypto: CryptoAdapter,
    private readonly files: FileStoreAdapter,
  ) {}

  async onModuleInit(): Promise<void> {
    const file = path.join(this.config.dataDir, SERVICE_KEY_FILE);
    const created = this.crypto.generateEd25519KeyPair();
    if (await this.files.createExclusive(file, created.privateKeyPem, 0o600)) {
      this.pair = created;
      this.logger.log(`created service key ${this.keyId} in ${file}`);
      return;
    }
    this.pair = await this.load(file);
    this.logger.log(`service key ${this.keyId} loaded from ${file}`);
  }

  get publicKey(): string {
    return this.keys().publicKey;
  }

  get keyId(): string {
    return this.crypto.ed25519KeyId(this.publicKey);
  }

  /** What `GET /api/v1/keys` answers. */
  info(): PublicKeyInfo {
    return { algorithm: 'ed25519', publicKey: this.publicKey, keyId: this.keyId };
  }

  /** Ed25519 signature of `bytes`, base64url. */
  sign(bytes: Uint8Array): string {
    this.signer ??= this.crypto.ed25519Signer(this.keys().privateKeyPem);
    return this.signer(bytes);
  }

  /**
   * A secret for `purpose` derived from the service key, so every instance sharing the key shares it and it
   * never sits in the database next to what it protects.
   */
  derivedKey(purpose: string): Buffer {
    return this.crypto.deriveKeyFromEd25519(this.keys().privateKeyPem, `peerproof ${purpose}`);
  }

  private keys(): Ed25519KeyPair {
    if (!this.pair) throw new Error('service key used before start-up finished');
    return this.pair;
  }

  private async load(file: string): Promise<Ed25519KeyPair> {
    let pem: string;
    try {
      pem = (await this.files.read(file)).toString('utf8');
    } catch (error) {
      throw new ServiceKeyError(
        `cannot read the service key ${file}: ${(error as Error).message}. Fix its permissions; do not delete it ` +
          'unless you mean to change the key every peer was configured with',
      );
    }
    try {
      return this.crypto.ed25519KeyPairFromPem(pem);
    } catch (error) {
      throw new ServiceKeyError(
        `the service key ${file} is not an Ed25519 private key (${(error as Error).message}). Restore it from a ` +
          'backup; delete it only if you mean to change the key every peer was configured with',
      );
    }
  }
}
