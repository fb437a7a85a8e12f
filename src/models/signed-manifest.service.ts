import type { OnApplicationBootstrap } from '@nestjs/common';
import { Injectable } from '@nestjs/common';
import { Clock } from '../adapters/clock.adapter';
import { ServiceKeyService } from '../keys/service-key.service';
import type { SignedManifest, UnsignedManifest } from '../protocol/signed-manifest';
import { manifestSigningBytes } from '../protocol/signed-manifest';
import { ModelRegistryService } from './model-registry.service';
import { ModelTorrentsService } from './model-torrents.service';

/**
 * The manifest as published at GET /api/v1/models/manifest: every model with its infohash, magnet URI and
 * .torrent URL, signed with the service key (docs/peers.md). The models cannot change while the service
 * runs, so it is signed once, at start-up, and every request gets the same bytes.
 */
@Injectable()
export class SignedManifestService implements OnApplicationBootstrap {
  private value: SignedManifest | undefined;

  constructor(
    private readonly registry: ModelRegistryService,
    private readonly torrents: ModelTorrentsService,
    private readonly serviceKey: ServiceKeyService,
    private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    this.signed();
  }

  signed(): SignedManifest {
    this.value ??= this.sign();
    return this.value;
  }

  private sign(): SignedManifest {
    const manifest = this.registry.manifest();
    const unsigned: UnsignedManifest = {
      version: manifest.version,
      models: manifest.models.map((descriptor) => {
        const { metadata, magnetURI, torrentUrl } = this.torrents.get(descriptor.id);
        return { ...descriptor, infoHash: metadata.infoHash, magnetURI, torrentUrl };
      }),
      publicKey: this.serviceKey.publicKey,
      signedAt: this.clock.now().toISOString(),
    };
    return { ...unsigned, signature: this.serviceKey.sign(manifestSigningBytes(unsigned)) };
  }
}
