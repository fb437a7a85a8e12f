import type { OnModuleDestroy } from '@nestjs/common';
import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import * as path from 'node:path';
import type { AddOptions, Torrent } from 'webtorrent';
import type WebTorrent from 'webtorrent';
import { bencode, pieceRanges, torrentFileBytes, torrentInfo } from '../protocol/deterministic-torrent';
import type { GuardReport } from './torrent-peer-guard';
import { guardAgainstCorruptPeers } from './torrent-peer-guard';
import { memoryChunkStore } from './torrent-memory-store';

export const TORRENT_OPTIONS = Symbol('TORRENT_OPTIONS');

export interface TorrentOptions {
  /** TCP port for peer connections; 0 = any free port. */
  port: number;
  dht: boolean;
  lsd: boolean;
  /** Announce URLs added to every torrent this client seeds or downloads. */
  trackers: string[];
  /** Announce to trackers at all (the ones above and those a magnet or .torrent names); default true. */
  tracker?: boolean;
  /** Fetch from the web seeds (`ws=` / `url-list`) a torrent names; default true. */
  webSeeds?: boolean;
  /** UPnP and NAT-PMP port mapping, for peers behind home routers; default false. */
  nat?: boolean;
  /** uTP besides TCP; default false. */
  utp?: boolean;
  /** Cap on this client's total upload rate; unset = none. */
  uploadLimitBytesPerSecond?: number;
}

/** Everything off but TCP on loopback: what tests and benchmarks use (peers are joined by `addPeer`). */
export const LOOPBACK_TORRENT_OPTIONS: TorrentOptions = {
  port: 0,
  dht: false,
  lsd: false,
  trackers: [],
  tracker: false,
  webSeeds: false,
};

export interface TorrentMetadata {
  /** SHA-1 of the bencoded info dictionary, lowercase hex. */
  infoHash: string;
  name: string;
  length: number;
  pieceLength: number;
  /** The bencoded .torrent file (info dictionary, trackers, web seeds). */
  torrentFile: Buffer;
}

export interface SeedFile {
  name: string;
  /** Read in place for as long as the torrent is seeded, not copied: do not change them. */
  bytes: Uint8Array;
}

export interface SeededTorrent {
  infoHash: string;
  name: string;
}

export interface DownloadOptions {
  /** `host:port` addresses to connect to, besides whatever DHT, trackers and LSD find. */
  peers?: string[];
  /** Refuse a source whose infohash differs (a .torrent fetched over HTTP against a signed manifest). */
  expectedInfoHash?: string;
  signal?: AbortSignal;
  /** How often `onProgress` is called while downloading; default 1000 ms. */
  progressIntervalMs?: number;
}

export interface DownloadProgress {
  infoHash: string;
  name: string;
  /** 0…100, one decimal. */
  percent: number;
  downloadedBytes: number;
  totalBytes: number;
  speedBytesPerSecond: number;
  peers: number;
  /** Pieces that failed their SHA-1 check so far. */
  corruptPieces: number;
  /** `host:port` of the peers disconnected so far for sending corrupted data. */
  droppedPeers: string[];
}

export interface DownloadResult {
  infoHash: string;
  name: string;
  /** Where the file is: `join(dir, name)`. */
  path: string;
  length: number;
  /** Pieces that failed their SHA-1 check and were fetched again. */
  corruptPieces: number;
  /** `host:port` of the peers disconnected for sending them. */
  droppedPeers: string[];
}

export interface TorrentStats {
  uploadedBytes: number;
  downloadedBytes: number;
  peers: number;
  /** 0…1 */
  progress: number;
}

/** A download that stopped before completing: aborted, or refused because of its infohash. */
export class TorrentError extends Error {
  constructor(
    readonly code: 'torrent-aborted' | 'torrent-wrong-infohash' | 'torrent-failed',
    message: string,
  ) {
    super(message);
    this.name = 'TorrentError';
  }
}

/**
 * BitTorrent through webtorrent 2.8: seeding files held in memory and downloading into a folder. webtorrent
 * is ESM-only with top-level await, so it is loaded here with a real dynamic import, on first use, and no
 * other file imports it. Torrents are built by `createTorrent` from the deterministic rules in
 * src/protocol/deterministic-torrent.ts, never by webtorrent's own creator, so the infohash is ours.
 */
@Injectable()
export class TorrentAdapter implements OnModuleDestroy {
  private clientPromise: Promise<WebTorrent> | undefined;
  /** The started client, for the synchronous `stats`. */
  private clientValue: WebTorrent | undefined;
  private readonly reports = new WeakMap<Torrent, GuardReport>();
  private readonly downloads = new Map<string, Torrent>();

  constructor(@Inject(TORRENT_OPTIONS) private readonly options: TorrentOptions) {}

  /** The deterministic torrent of one file; needs no client. */
  createTorrent(
    name: string,
    bytes: Uint8Array,
    extras: { webSeeds?: string[]; trackers?: string[] } = {},
  ): TorrentMetadata {
    const pieces = Buffer.concat(pieceRanges(bytes.length).map(([start, end]) => sha1(bytes.subarray(start, end))));
    const info = torrentInfo(name, bytes.length, pieces);
    const torrentFile = torrentFileBytes(info, extras.trackers ?? this.options.trackers, extras.webSeeds ?? []);
    return {
      infoHash: sha1(bencode(info)).toString('hex'),
      name,
      length: bytes.length,
      pieceLength: info['piece length'],
      torrentFile: Buffer.from(torrentFile),
    };
  }

  /** Seeds each file from memory; resolves once every piece is checked and the torrents are announced. */
  async seed(files: SeedFile[]): Promise<SeededTorrent[]> {
    const client = await this.client();
    return Promise.all(files.map((file) => this.seedOne(client, file)));
  }

  /**
   * Downloads a torrent (magnet URI or .torrent bytes) into `dir` and keeps seeding it. Data already in `dir`
   * is checked piece by piece and kept, so a restarted download resumes. Rejects with TorrentError when
   * aborted or when the source is not the expected torrent.
   */
  async download(
    source: string | Uint8Array,
    dir: string,
    options: DownloadOptions = {},
    onProgress?: (progress: DownloadProgress) => void,
  ): Promise<DownloadResult> {
    options.signal?.throwIfAborted();
    const client = await this.client();
    // webtorrent refuses to add a torrent twice; a second download of one it holds follows that one.
    const known = options.expectedInfoHash ?? magnetInfoHash(source);
    // No await between this look-up and add(): two concurrent calls must not both add.
    const existing = known
      ? (this.downloads.get(known) ?? client.torrents.find((torrent) => torrent.infoHash === known))
      : undefined;
    if (existing) return this.follow(client, existing, options, onProgress);
    const torrent = client.add(
      typeof source === 'string' ? source : Buffer.from(source),
      this.addOptions({ path: dir }),
    );
    this.reports.set(torrent, guardAgainstCorruptPeers(torrent));
    if (known) {
      // Known before webtorrent parses the source, so a concurrent call for the same torrent finds it.
      this.downloads.set(known, torrent);
      torrent.once('close', () => this.downloads.delete(known));
    }
    return this.follow(client, torrent, options, onProgress);
  }

  /** Connects a torrent of this client to a peer at `host:port`. */
  async addPeer(infoHash: string, address: string): Promise<void> {
    const torrent = await (await this.client()).get(infoHash);
    if (!torrent) throw new Error(`no torrent ${infoHash} in this client`);
    torrent.addPeer(address);
  }

  /** Transfer counters of one torrent, or undefined when this client does not hold it. */
  stats(infoHash: string): TorrentStats | undefined {
    const torrent = this.clientValue?.torrents.find((candidate) => candidate.infoHash === infoHash);
    if (!torrent) return undefined;
    return {
      uploadedBytes: torrent.uploaded,
      downloadedBytes: torrent.downloaded,
      peers: torrent.numPeers,
      progress: torrent.progress,
    };
  }

  /** Stops seeding or downloading a torrent; files on disk stay. */
  async remove(infoHash: string): Promise<void> {
    const client = await this.clientPromise?.catch(() => undefined);
    if (client && (await client.get(infoHash))) await client.remove(infoHash, { destroyStore: false });
  }

  /** The TCP port peers connect to; starts the client. */
  async address(): Promise<{ port: number }> {
    const address = (await this.client()).address();
    if (!address) throw new Error('the torrent client is not listening');
    return { port: address.port };
  }

  /** Closes every connection and the listening port. Files on disk stay. */
  async destroy(): Promise<void> {
    const pending = this.clientPromise;
    this.clientPromise = undefined;
    this.clientValue = undefined;
    this.downloads.clear();
    if (!pending) return;
    const client = await pending.catch(() => undefined);
    if (client) await new Promise<void>((resolve) => client.destroy(() => resolve()));
  }

  onModuleDestroy(): Promise<void> {
    return this.destroy();
  }

  private client(): Promise<WebTorrent> {
    this.clientPromise ??= this.startClient();
    return this.clientPromise;
  }

  private async startClient(): Promise<WebTorrent> {
    // A real dynamic import: tsc (module nodenext) keeps it in the CommonJS output, and require() cannot
    // load a module with top-level await.
    const { default: WebTorrentClient } = await import('webtorrent');
    const nat = this.options.nat ?? false;
    const client = new WebTorrentClient({
      torrentPort: this.options.port,
      dht: this.options.dht,
      lsd: this.options.lsd,
      tracker: this.options.tracker ?? true,
      webSeeds: this.options.webSeeds ?? true,
      utp: this.options.utp ?? false,
      natUpnp: nat,
      natPmp: nat,
    });
    try {
      await once(client, 'listening');
    } catch (error) {
      this.clientPromise = undefined;
      throw new Error(`the torrent client cannot listen on port ${this.options.port}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    if (this.options.uploadLimitBytesPerSecond) client.throttleUpload(this.options.uploadLimitBytesPerSecond);
    this.clientValue = client;
    return client;
  }

  private async seedOne(client: WebTorrent, file: SeedFile): Promise<SeededTorrent> {
    const metadata = this.createTorrent(file.name, file.bytes);
    const existing = await client.get(metadata.infoHash);
    if (!existing) {
      // Cache slots 0: the store is memory already, a cache would only copy it.
      const store = memoryChunkStore(file.bytes);
      const torrent = client.add(metadata.torrentFile, this.addOptions({ store, storeCacheSlots: 0 }));
      await settle(torrent, () => torrent.done);
    }
    return { infoHash: metadata.infoHash, name: metadata.name };
  }

  private addOptions(extra: AddOptions): AddOptions {
    // Rarest first, not webtorrent's default of in order: peers that all ask the origin for the same first
    // pieces have nothing to give each other, and the origin ends up uploading a copy to each of them.
    return { announce: [...this.options.trackers], strategy: 'rarest', ...extra };
  }

  private async follow(
    client: WebTorrent,
    torrent: Torrent,
    options: DownloadOptions,
    onProgress?: (progress: DownloadProgress) => void,
  ): Promise<DownloadResult> {
    const abort = () => torrent.destroy();
    options.signal?.addEventListener('abort', abort, { once: true });
    const report = () => progressOf(torrent, this.reports.get(torrent));
    const timer = onProgress ? setInterval(() => onProgress(report()), options.progressIntervalMs ?? 1000) : null;
    try {
      await whenIdentified(torrent);
      if (options.expectedInfoHash && torrent.infoHash !== options.expectedInfoHash) {
        await client.remove(torrent.infoHash, { destroyStore: false });
        throw new TorrentError(
          'torrent-wrong-infohash',
          `got torrent ${torrent.infoHash}, expected ${options.expectedInfoHash}`,
        );
      }
      for (const peer of options.peers ?? []) torrent.addPeer(peer);
      await settle(torrent, () => torrent.done);
    } catch (error) {
      if (options.signal?.aborted) throw new TorrentError('torrent-aborted', 'the download was aborted');
      throw error instanceof TorrentError ? error : new TorrentError('torrent-failed', (error as Error).message);
    } finally {
      if (timer) clearInterval(timer);
      options.signal?.removeEventListener('abort', abort);
    }
    const last = report();
    onProgress?.(last);
    const name = torrent.name ?? '';
    return {
      infoHash: torrent.infoHash,
      name,
      path: path.join(torrent.path, name),
      length: torrent.length ?? 0,
      corruptPieces: last.corruptPieces,
      droppedPeers: last.droppedPeers,
    };
  }
}

/** The hex infohash a magnet URI names (`xt=urn:btih:<40 hex>`), if it is one. */
function magnetInfoHash(source: string | Uint8Array): string | undefined {
  if (typeof source !== 'string') return undefined;
  return /[?&]xt=urn:btih:([0-9a-f]{40})(?:&|$)/i.exec(source)?.[1]?.toLowerCase();
}

function sha1(bytes: Uint8Array): Buffer {
  return createHash('sha1').update(bytes).digest();
}

function progressOf(torrent: Torrent, guard: GuardReport | undefined): DownloadProgress {
  return {
    infoHash: torrent.infoHash,
    // Before the metadata arrives (a magnet URI) webtorrent knows neither name nor length.
    name: torrent.name ?? '',
    percent: Math.floor(torrent.progress * 1000) / 10,
    downloadedBytes: torrent.downloaded,
    totalBytes: torrent.length ?? 0,
    speedBytesPerSecond: Math.round(torrent.downloadSpeed),
    peers: torrent.numPeers,
    corruptPieces: guard?.corruptPieces ?? 0,
    droppedPeers: [...(guard?.droppedPeers ?? [])],
  };
}

/** Resolves once the torrent knows its infohash (a magnet or .torrent is parsed asynchronously). */
function whenIdentified(torrent: Torrent): Promise<void> {
  if (torrent.infoHash) return Promise.resolve();
  return settle(torrent, () => Boolean(torrent.infoHash), 'infoHash');
}

/** Resolves when `ready()` holds (checked now and on `event`), rejects on the torrent's error or close. */
function settle(torrent: Torrent, ready: () => boolean, event = 'done'): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const cleanup = () => {
      torrent.off(event, onEvent);
      torrent.off('error', onError);
      torrent.off('close', onClose);
    };
    const onEvent = () => (cleanup(), resolve());
    const onError = (error: Error | string) => (cleanup(), reject(error instanceof Error ? error : new Error(error)));
    const onClose = () => (cleanup(), reject(new Error('the torrent was closed')));
    if (ready()) return resolve();
    torrent.on(event, onEvent);
    torrent.on('error', onError);
    torrent.on('close', onClose);
  });
}
