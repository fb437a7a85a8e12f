import { Inject, Injectable } from '@nestjs/common';
import type { TorrentMetadata } from '../adapters/torrent.adapter';
import { TorrentAdapter } from '../adapters/torrent.adapter';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { magnetUri } from '../protocol/deterministic-torrent';
import { ModelRegistryService } from './model-registry.service';

export interface ModelTorrent {
  modelId: string;
  metadata: TorrentMetadata;
  magnetURI: string;
  /** Where the .torrent file is served (GET /api/v1/models/:id/torrent). */
  torrentUrl: string;
}

/**
 * The deterministic torrent of every model, with this deployment's web seed (its own /models/:file route)
 * and trackers. Built once from the registry's verified bytes; the infohash does not depend on either.
 */
@Injectable()
export class ModelTorrentsService {
  private readonly torrents = new Map<string, ModelTorrent>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly registry: ModelRegistryService,
    private readonly torrent: TorrentAdapter,
  ) {}

  /** The torrent of a model in the manifest; undefined for an unknown id. */
  find(modelId: string): ModelTorrent | undefined {
    if (!this.registry.find(modelId)) return undefined;
    let entry = this.torrents.get(modelId);
    if (!entry) {
      entry = this.build(modelId);
      this.torrents.set(modelId, entry);
    }
    return entry;
  }

  get(modelId: string): ModelTorrent {
    const entry = this.find(modelId);
    if (!entry) throw new Error(`model ${modelId} is not in the manifest`);
    return entry;
  }

  private build(modelId: string): ModelTorrent {
    const { descriptor, file } = this.registry.get(modelId);
    const { publicUrl } = this.config.http;
    const webSeed = `${publicUrl}/models/${descriptor.file}`;
    const trackers = this.config.torrent.trackers;
    const metadata = this.torrent.createTorrent(descriptor.file, file.bytes, { webSeeds: [webSeed], trackers });
    return {
      modelId,
      metadata,
      magnetURI: magnetUri({ infoHash: metadata.infoHash, name: descriptor.file, trackers, webSeeds: [webSeed] }),
      torrentUrl: `${publicUrl}/api/v1/models/${encodeURIComponent(modelId)}/torrent`,
    };
  }
}
