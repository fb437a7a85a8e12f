import { describe, expect, it } from '@jest/globals';
import * as path from 'node:path';
import { generateEd25519KeyPair } from '../../src/adapters/ed25519';
import { CliError } from '../../src/cli/cli-error';
import { DEFAULT_PEER_TORRENT_PORT, parsePeerOptions } from '../../src/cli/peer-options';

const key = generateEd25519KeyPair().publicKey;
const valid = { service: 'https://verify.example.com/', serviceKey: key, data: 'peer-data' };

function codeOf(raw: Record<string, unknown>): string {
  try {
    parsePeerOptions(raw);
  } catch (error) {
    if (error instanceof CliError) return `${error.exitCode} ${error.code}`;
    throw error;
  }
  return 'ok';
}

describe('parsePeerOptions', () => {
  it('has a default for everything optional', () => {
    const sut = parsePeerOptions(valid);

    expect(sut).toEqual({
      serviceUrl: 'https://verify.example.com',
      serviceKey: key,
      dataDir: path.resolve('peer-data'),
      stake: null,
      torrentPort: DEFAULT_PEER_TORRENT_PORT,
      device: 'cpu',
      json: false,
      torrentPeers: [],
      dht: true,
      lsd: true,
    });
  });

  it('reads every option', () => {
    const sut = parsePeerOptions({
      ...valid,
      stake: '25',
      port: '0',
      device: 'cuda',
      json: true,
      torrentPeer: ['127.0.0.1:6881', '[::1]:7000', 'seed.example.com:51413'],
      dht: false,
      lsd: false,
    });

    expect(sut).toMatchObject({ stake: 25, torrentPort: 0, device: 'cuda', json: true, dht: false, lsd: false });
    expect(sut.torrentPeers).toHaveLength(3);
  });

  it.each([
    [{ service: undefined }],
    [{ service: 'verify.example.com' }],
    [{ service: 'ftp://verify.example.com' }],
    [{ service: 'https://verify.example.com/?x=1' }],
    [{ serviceKey: undefined }],
    [{ serviceKey: 'not-a-key' }],
    [{ serviceKey: key + 'A' }],
    [{ data: undefined }],
    [{ data: ' ' }],
    [{ stake: '-1' }],
    [{ stake: '1.5' }],
    [{ stake: 'ten' }],
    [{ port: '65536' }],
    [{ port: 'http' }],
    [{ device: 'tpu' }],
    [{ torrentPeer: ['127.0.0.1'] }],
    [{ torrentPeer: ['127.0.0.1:0'] }],
  ])('refuses %j with exit 2 invalid-argument', (override) => {
    expect(codeOf({ ...valid, ...override })).toBe('2 invalid-argument');
  });
});
