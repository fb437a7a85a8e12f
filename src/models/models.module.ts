import { Module } from '@nestjs/common';
import { FileStoreAdapter } from '../adapters/file-store.adapter';
import type { OnnxOptions } from '../adapters/onnx.adapter';
import { DEFAULT_ONNX_OPTIONS, ONNX_OPTIONS, OnnxAdapter } from '../adapters/onnx.adapter';
import type { TorrentOptions } from '../adapters/torrent.adapter';
import { TORRENT_OPTIONS, TorrentAdapter } from '../adapters/torrent.adapter';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { KeysModule } from '../keys/keys.module';
import { ModelRegistryService } from './model-registry.service';
import { ModelRunnerService } from './model-runner.service';
import { ModelSeederService } from './model-seeder.service';
import { ModelTorrentsService } from './model-torrents.service';
import { ModelsController } from './models.controller';
import { SignedManifestService } from './signed-manifest.service';

/** The model files (verified, served over HTTP and seeded over BitTorrent) and onnxruntime sessions for them. */
@Module({
  imports: [KeysModule],
  controllers: [ModelsController],
  providers: [
    {
      provide: TORRENT_OPTIONS,
      inject: [APP_CONFIG],
      useFactory: ({ torrent }: AppConfig): TorrentOptions => ({
        port: torrent.port,
        dht: torrent.dht,
        lsd: torrent.lsd,
        trackers: torrent.trackers,
        // The service seeds; it never downloads, so web seeds and port mapping are of no use to it.
        tracker: torrent.trackers.length > 0,
        webSeeds: false,
      }),
    },
    TorrentAdapter,
    ModelTorrentsService,
    SignedManifestService,
    ModelSeederService,
    {
      provide: ONNX_OPTIONS,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig): OnnxOptions => ({ ...DEFAULT_ONNX_OPTIONS, device: config.inference.device }),
    },
    OnnxAdapter,
    FileStoreAdapter,
    ModelRegistryService,
    ModelRunnerService,
  ],
  exports: [OnnxAdapter, ModelRegistryService, ModelRunnerService, TorrentAdapter, ModelTorrentsService, SignedManifestService],
})
export class ModelsModule {}
