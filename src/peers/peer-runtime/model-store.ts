/**
 * The peer's copies of the models the service signed: downloaded through the swarm into `DIR/models`, kept
 * seeding, and checked against the signed sha256 before anything loads them. A file on disk that does not
 * match is refused (never loaded) and repaired by the torrent, whose piece hashes keep the good pieces.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DownloadProgress, TorrentAdapter } from '../../adapters/torrent.adapter';
import type { PublishedModel } from '../../protocol/signed-manifest';
import type { PeerLog } from './peer-log';
import { formatBytes } from './peer-log';

export interface HeldModel {
  descriptor: PublishedModel;
  /** The verified bytes: what is loaded into onnxruntime, so what runs is what was hashed. */
  bytes: Uint8Array;
  path: string;
  /** Where the verified copy came from this time. */
  origin: 'disk' | 'downloaded' | 'repaired';
}

/** A model file that still does not match its signed sha256 after a download. */
export class ModelIntegrityError extends Error {
  readonly code = 'model-integrity';
}

export interface ModelSource {
  /** The .torrent of a model (its infohash is checked against the signed one); null to use the magnet URI. */
  torrentFile(model: PublishedModel): Promise<Uint8Array | null>;
}

export type FileCheck =
  { state: 'verified'; bytes: Uint8Array } | { state: 'missing' } | { state: 'mismatch'; sha256: string };

/** Where a peer keeps its model files. */
export function modelsDir(dataDir: string): string {
  return path.join(dataDir, 'models');
}

export function sha256File(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Compares a model file on disk with the signed manifest. */
export function checkModelFile(dir: string, model: PublishedModel): FileCheck {
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(path.join(dir, model.file));
  } catch {
    return { state: 'missing' };
  }
  const sha256 = sha256File(bytes);
  return sha256 === model.sha256 ? { state: 'verified', bytes } : { state: 'mismatch', sha256 };
}

export class ModelStore {
  readonly dir: string;

  constructor(
    dataDir: string,
    private readonly torrent: TorrentAdapter,
    private readonly source: ModelSource,
    private readonly log: PeerLog,
    /** `host:port` of peers to connect to besides what DHT, trackers and LSD find. */
    private readonly peers: string[] = [],
  ) {
    this.dir = modelsDir(dataDir);
  }

  /**
   * Makes sure a verified copy of `model` is on disk and seeding. A file already there and intact is not
   * downloaded again (the torrent checks it piece by piece and starts seeding at once). Cheap to repeat:
   * the runtime calls it at every manifest refresh, which also catches a file changed on disk meanwhile.
   */
  async ensure(model: PublishedModel, signal?: AbortSignal): Promise<HeldModel> {
    fs.mkdirSync(this.dir, { recursive: true });
    const before = checkModelFile(this.dir, model);
    if (before.state === 'mismatch') {
      this.log.warn(
        'model-refused',
        `refusing ${model.file}: its sha256 on disk is ${before.sha256}, the signed manifest says ${model.sha256}; ` +
          'not loading it, repairing it from the swarm',
        { model: model.id, expected: model.sha256, actual: before.sha256 },
      );
      // A torrent already seeding this file would report it complete without reading it again.
      await this.torrent.remove(model.infoHash);
      // Pieces repair bytes in place; a file of the wrong length is started afresh.
      const file = path.join(this.dir, model.file);
      if (fs.statSync(file).size !== model.bytes) fs.rmSync(file, { force: true });
    }
    await this.download(model, before.state !== 'verified', signal);
    const after = checkModelFile(this.dir, model);
    if (after.state !== 'verified') {
      const actual = after.state === 'mismatch' ? after.sha256 : 'missing';
      throw new ModelIntegrityError(`${model.file} does not match the signed sha256 after download (got ${actual})`);
    }
    const origin = before.state === 'verified' ? 'disk' : before.state === 'missing' ? 'downloaded' : 'repaired';
    return { descriptor: model, bytes: after.bytes, path: path.join(this.dir, model.file), origin };
  }

  /** Stops seeding models the manifest no longer lists; their files stay. */
  async forget(model: PublishedModel): Promise<void> {
    await this.torrent.remove(model.infoHash);
  }

  private async download(model: PublishedModel, report: boolean, signal?: AbortSignal): Promise<void> {
    const torrentFile = await this.source.torrentFile(model).catch(() => null);
    const started = Date.now();
    const result = await this.torrent.download(
      torrentFile ?? model.magnetURI,
      this.dir,
      { peers: this.peers, expectedInfoHash: model.infoHash, signal },
      report ? (progress) => this.progress(model, progress) : undefined,
    );
    if (result.corruptPieces > 0) {
      this.log.warn('corrupt-pieces', `${model.id}: ${result.corruptPieces} corrupt piece(s) fetched again`, {
        model: model.id,
        droppedPeers: result.droppedPeers,
      });
    }
    if (report) {
      this.log.info('model-downloaded', `${model.id}: downloaded in ${((Date.now() - started) / 1000).toFixed(1)} s`, {
        model: model.id,
        bytes: result.length,
      });
    }
  }

  private progress(model: PublishedModel, progress: DownloadProgress): void {
    this.log.info(
      'download-progress',
      `${model.id}: ${progress.percent.toFixed(1)}% of ${formatBytes(progress.totalBytes || model.bytes)}, ` +
        `${progress.peers} peer(s), ${formatBytes(progress.speedBytesPerSecond)}/s`,
      {
        model: model.id,
        percent: progress.percent,
        downloadedBytes: progress.downloadedBytes,
        totalBytes: progress.totalBytes || model.bytes,
        peers: progress.peers,
        bytesPerSecond: progress.speedBytesPerSecond,
      },
    );
  }
}
