import { Controller, Get, Header, Headers, Param, Res } from '@nestjs/common';
import { ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { NotFoundError } from '../common/domain-error';
import type { RangeDecision } from './byte-range';
import { decideRange } from './byte-range';
import type { StoredModelFile } from './model-registry.service';
import { ModelRegistryService } from './model-registry.service';
import { ModelTorrentsService } from './model-torrents.service';
import { SignedManifestService } from './signed-manifest.service';

/**
 * A model file's name never changes its bytes within a deployment, and clients check the sha256 from the
 * manifest anyway; challenges can add `?v=<sha256>` to the URL so a new model under an old name is fetched
 * afresh.
 */
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** Licences and the manifest may change with a deployment. */
const SHORT_LIVED = 'public, max-age=300';

@ApiTags('models')
@Controller()
export class ModelsController {
  constructor(
    private readonly registry: ModelRegistryService,
    private readonly torrents: ModelTorrentsService,
    private readonly signedManifest: SignedManifestService,
  ) {}

  /**
   * Every model the service ships (id, file, sha256, size, licence, source, role, tensors) with its
   * infohash, magnet URI and .torrent URL, signed with the service key (see docs/peers.md).
   */
  @Get('api/v1/models/manifest')
  @Header('Cache-Control', SHORT_LIVED)
  manifest() {
    return this.signedManifest.signed();
  }

  /** A model's deterministic torrent as a .torrent file, for peers that cannot get it from another peer. */
  @Get('api/v1/models/:id/torrent')
  @ApiProduces('application/x-bittorrent')
  async torrent(@Param('id') modelId: string, @Res() reply: FastifyReply): Promise<void> {
    const entry = this.torrents.find(modelId);
    if (!entry) throw new NotFoundError('model-not-found', 'No model with that id is listed in the manifest');
    await reply
      .header('Content-Type', 'application/x-bittorrent')
      .header('Content-Disposition', `attachment; filename="${entry.metadata.name}.torrent"`)
      .header('Cache-Control', SHORT_LIVED)
      .send(entry.metadata.torrentFile);
  }

  /** A model file (or its licence) listed in the manifest, with ETag = sha256 and byte ranges. */
  @Get('models/:file')
  @ApiProduces('application/octet-stream')
  @ApiOkResponse({ description: 'the file; 206 for a satisfiable Range, 416 otherwise' })
  async file(
    @Param('file') name: string,
    @Headers('range') range: string | undefined,
    @Headers('if-range') ifRange: string | undefined,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const file = this.registry.file(name);
    if (!file) throw new NotFoundError('model-not-found', 'No model file of that name is listed in the manifest');
    const etag = `"${file.sha256}"`;
    if (etagMatches(ifNoneMatch, etag)) {
      await cacheHeaders(reply, file, etag).status(304).send();
      return;
    }
    // If-Range names the version the client already holds part of; another version gets the whole file.
    const decision: RangeDecision =
      ifRange !== undefined && ifRange.trim() !== etag ? { kind: 'full' } : decideRange(range, file.bytes.length);
    await sendFile(reply, file, etag, decision);
  }
}

async function sendFile(reply: FastifyReply, file: StoredModelFile, etag: string, decision: RangeDecision) {
  const size = file.bytes.length;
  if (decision.kind === 'unsatisfiable') {
    await reply
      .status(416)
      .header('Content-Range', `bytes */${size}`)
      .header('Cache-Control', 'no-store')
      .send({ statusCode: 416, code: 'range-not-satisfiable', message: `Range must lie within 0-${size - 1}` });
    return;
  }
  cacheHeaders(reply, file, etag).header('Content-Type', file.contentType);
  if (decision.kind === 'full') {
    await reply.status(200).send(file.bytes);
    return;
  }
  await reply
    .status(206)
    .header('Content-Range', `bytes ${decision.start}-${decision.end}/${size}`)
    .send(file.bytes.subarray(decision.start, decision.end + 1));
}

function cacheHeaders(reply: FastifyReply, file: StoredModelFile, etag: string): FastifyReply {
  const immutable = file.contentType === 'application/octet-stream';
  return reply
    .header('ETag', etag)
    .header('Cache-Control', immutable ? IMMUTABLE : SHORT_LIVED)
    .header('Accept-Ranges', 'bytes');
}

/** If-None-Match: `*`, or a list of (possibly weak) entity tags; weak comparison, as RFC 9110 asks. */
function etagMatches(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  return header.split(',').some((tag) => {
    const trimmed = tag.trim();
    return trimmed === '*' || trimmed.replace(/^W\//, '') === etag;
  });
}
