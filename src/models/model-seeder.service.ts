import type { OnApplicationBootstrap } from '@nestjs/common';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { TorrentAdapter } from '../adapters/torrent.adapter';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { ModelRegistryService } from './model-registry.service';
import { ModelTorrentsService } from './model-torrents.service';

/**
 * Seeds every model in the manifest from the registry's verified in-memory bytes, so peers fetch models
 * from each other and the service uploads about one copy however many join. The torrent adapter closes
 * the client (and its port) when the application shuts down.
 */
@Injectable()
export class ModelSeederService implements OnApplicationBootstrap {
  private readonly logger = new Logger('torrent');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly registry: ModelRegistryService,
    private readonly torrents: ModelTorrentsService,
    private readonly torrent: TorrentAdapter,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.torrent.enabled) {
      this.logger.log('seeding off (TORRENT_ENABLED=false); models are served over HTTP only');
      return;
    }
    const models = this.registry.manifest().models;
    const seeded = await this.torrent.seed(
      models.map((model) => ({ name: model.file, bytes: this.registry.get(model.id).file.bytes })),
    );
    const { port } = await this.torrent.address();
    seeded.forEach((torrent, index) => {
      const expected = this.torrents.get(models[index].id).metadata.infoHash;
      // Both come from the same deterministic builder; a difference would mean the manifest lies.
      if (torrent.infoHash !== expected) throw new Error(`seeded ${torrent.name} as ${torrent.infoHash}, not ${expected}`);
      this.logger.log(`seeding ${models[index].id} (${torrent.name}) infohash ${torrent.infoHash}`);
    });
    const { dht, lsd, trackers } = this.config.torrent;
    this.logger.log(`torrent port ${port}; DHT ${onOff(dht)}, LSD ${onOff(lsd)}, ${trackers.length} tracker(s)`);
  }
}

const onOff = (value: boolean) => (value ? 'on' : 'off');
