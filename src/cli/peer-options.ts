/**
 * The arguments of `peerproof peer`, each checked before anything starts: a bad one exits 2 with a code.
 */
import * as path from 'node:path';
import { isEd25519PublicKey } from '../adapters/ed25519';
import type { InferenceDevice } from '../config/app-config';
import { CliError } from './cli-error';

export interface RawPeerOptions {
  service?: string;
  serviceKey?: string;
  data?: string;
  stake?: string;
  port?: string;
  device?: string;
  json?: boolean;
  torrentPeer?: string[];
  dht?: boolean;
  lsd?: boolean;
}

export interface PeerOptions {
  serviceUrl: string;
  serviceKey: string;
  dataDir: string;
  /** Bonded stake to top up to after registering; null leaves the stake alone. */
  stake: number | null;
  torrentPort: number;
  device: InferenceDevice;
  json: boolean;
  torrentPeers: string[];
  dht: boolean;
  lsd: boolean;
}

export const DEFAULT_PEER_TORRENT_PORT = 6882;

const invalid = (message: string) => new CliError('invalid-argument', message);

export function parseServiceUrl(value: string | undefined): string {
  if (value === undefined) throw invalid('--service is required: the URL of the PeerProof service');
  try {
    const url = new URL(value);
    if ((url.protocol === 'http:' || url.protocol === 'https:') && !url.search && !url.hash) {
      return url.toString().replace(/\/+$/, '');
    }
  } catch {
    // reported below
  }
  throw invalid(`--service must be an http(s) URL without query, got "${value}"`);
}

export function parseDataDir(value: string | undefined): string {
  if (value === undefined || value.trim() === '')
    throw invalid('--data is required: the folder for the key and models');
  return path.resolve(value);
}

function parseServiceKey(value: string | undefined): string {
  if (value === undefined) throw invalid("--service-key is required: the service's public key (GET /api/v1/keys)");
  if (!isEd25519PublicKey(value)) throw invalid('--service-key must be a 43-character base64url Ed25519 public key');
  return value;
}

function parseWhole(name: string, value: string, max: number): number {
  if (!/^\d+$/.test(value) || Number(value) > max) throw invalid(`${name} must be a whole number from 0 to ${max}`);
  return Number(value);
}

function parseDevice(value: string | undefined): InferenceDevice {
  if (value === undefined || value === 'cpu' || value === 'cuda') return value ?? 'cpu';
  throw invalid(`--device must be cpu or cuda, got "${value}"`);
}

function parsePeerAddress(value: string): string {
  const match = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(value);
  if (!match || Number(match[2]) < 1 || Number(match[2]) > 65535) {
    throw invalid(`--torrent-peer must be HOST:PORT, got "${value}"`);
  }
  return value;
}

export function parsePeerOptions(raw: RawPeerOptions): PeerOptions {
  return {
    serviceUrl: parseServiceUrl(raw.service),
    serviceKey: parseServiceKey(raw.serviceKey),
    dataDir: parseDataDir(raw.data),
    stake: raw.stake === undefined ? null : parseWhole('--stake', raw.stake, 1e12),
    torrentPort: raw.port === undefined ? DEFAULT_PEER_TORRENT_PORT : parseWhole('--port', raw.port, 65535),
    device: parseDevice(raw.device),
    json: raw.json === true,
    torrentPeers: (raw.torrentPeer ?? []).map(parsePeerAddress),
    dht: raw.dht !== false,
    lsd: raw.lsd !== false,
  };
}
