import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CryptoAdapter } from '../../src/adapters/crypto.adapter';
import { verifyEd25519 } from '../../src/adapters/ed25519';
import { FileStoreAdapter } from '../../src/adapters/file-store.adapter';
import { loadConfig } from '../../src/config/app-config';
import { SERVICE_KEY_FILE, ServiceKeyError, ServiceKeyService } from '../../src/keys/service-key.service';

describe('ServiceKeyService', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'peerproof-keys-'));
  });
  afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  const start = async (dir = dataDir) => {
    const sut = new ServiceKeyService({ ...loadConfig({}), dataDir: dir }, new CryptoAdapter(), new FileStoreAdapter());
    await sut.onModuleInit();
    return sut;
  };
  const keyFile = () => path.join(dataDir, SERVICE_KEY_FILE);

  it('creates a key on first start, readable by its owner only, and keeps it across restarts', async () => {
    const first = await start();
    expect(fs.statSync(keyFile()).mode & 0o777).toBe(0o600);
    const second = await start();
    expect(second.publicKey).toBe(first.publicKey);
    expect(second.info()).toEqual({ algorithm: 'ed25519', publicKey: first.publicKey, keyId: first.keyId });
    expect(second.keyId).toMatch(/^[0-9a-f]{16}$/);
    expect(fs.readdirSync(dataDir)).toEqual([SERVICE_KEY_FILE]);
  });

  it('creates the data directory when it does not exist', async () => {
    const sut = await start(path.join(dataDir, 'nested', 'data'));
    expect(fs.existsSync(path.join(dataDir, 'nested', 'data', SERVICE_KEY_FILE))).toBe(true);
    expect(sut.publicKey).toHaveLength(43);
  });

  it('signs with the key it publishes', async () => {
    const sut = await start();
    const bytes = new TextEncoder().encode('tree head');
    expect(verifyEd25519(sut.publicKey, bytes, sut.sign(bytes))).toBe(true);
  });

  it('agrees on one key when several processes start at once', async () => {
    const keys = await Promise.all(Array.from({ length: 8 }, () => start()));
    expect(new Set(keys.map((key) => key.publicKey)).size).toBe(1);
  });

  it('refuses to start on a key file that is not an Ed25519 private key, and leaves it alone', async () => {
    fs.writeFileSync(keyFile(), 'not a key');
    await expect(start()).rejects.toThrow(ServiceKeyError);
    await expect(start()).rejects.toThrow(/is not an Ed25519 private key/);
    expect(fs.readFileSync(keyFile(), 'utf8')).toBe('not a key');
  });

  it('refuses to start on a key file it cannot read', async () => {
    // A directory in its place: unreadable as a file even for root, unlike a chmod 000 file.
    fs.mkdirSync(keyFile());
    await expect(start()).rejects.toThrow(/cannot read the service key .*service-key\.pem/);
  });
});
