import { Inject, Injectable, Logger } from '@nestjs/common';
import type { OnModuleInit } from '@nestjs/common';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { Clock } from '../adapters/clock.adapter';
import { FileStoreAdapter } from '../adapters/file-store.adapter';
import { DomainError, NotFoundError } from '../common/domain-error';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import type { WidgetManifest, WidgetManifestEntry } from './widget-asset';
import {
  IMMUTABLE_CACHE,
  SHORT_CACHE,
  chooseEncoding,
  contentTypeFor,
  etagFor,
  isWidgetManifest,
  storedName,
} from './widget-asset';

/** What the controller sends for one request: headers, and a body unless the client's copy is current. */
export interface WidgetFileAnswer {
  headers: Record<string, string>;
  etag: string;
  open(): Readable;
}

/** How often the manifest's modification time is checked, so a rebuild is picked up without a restart. */
const RECHECK_MS = 1000;

/**
 * The built widget under WIDGET_DIR (widget/dist by default). Only files listed in the build's manifest
 * are served, so a request can never name anything else on disk. Without a build the service still runs
 * and answers 503 `widget-not-built`; a later `npm run build:widget` is picked up within a second.
 */
@Injectable()
export class WidgetAssetsService implements OnModuleInit {
  private readonly logger = new Logger('widget');
  private readonly manifestPath: string;
  private loaded: { manifest: WidgetManifest; mtimeMs: number } | null = null;
  private checkedAt = Number.NEGATIVE_INFINITY;
  private problem: string | null = null;

  constructor(
    private readonly files: FileStoreAdapter,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.manifestPath = path.join(config.widgetDir, 'manifest.json');
  }

  async onModuleInit(): Promise<void> {
    await this.refresh();
  }

  async answer(file: string, acceptEncoding: string | undefined): Promise<WidgetFileAnswer> {
    const entry = await this.entry(file);
    const encoding = chooseEncoding(acceptEncoding, entry);
    const stored = path.join(this.config.widgetDir, storedName(file, encoding));
    // The length on disk, not the manifest's: a wrong Content-Length would leave a browser waiting forever.
    const { size } = await this.files.stat(stored).catch(() => {
      throw new NotFoundError('widget-file-not-found', 'No widget file of that name');
    });
    const etag = etagFor(entry, encoding);
    const headers: Record<string, string> = {
      'Content-Type': contentTypeFor(file),
      'Content-Length': String(size),
      'Cache-Control': entry.immutable ? IMMUTABLE_CACHE : SHORT_CACHE,
      ETag: etag,
      'X-Content-Type-Options': 'nosniff',
      // Pages that are cross-origin isolated (COEP) may load the widget from another origin.
      'Cross-Origin-Resource-Policy': 'cross-origin',
      ...(Object.keys(entry.encodings).length > 0 && { Vary: 'Accept-Encoding' }),
      ...(encoding && { 'Content-Encoding': encoding }),
    };
    return { headers, etag, open: () => this.files.stream(stored) };
  }

  private async entry(file: string): Promise<WidgetManifestEntry> {
    if (this.clock.nowMs() - this.checkedAt >= RECHECK_MS) await this.refresh();
    const manifest = this.loaded?.manifest;
    if (!manifest) {
      throw new DomainError('widget-not-built', 'The widget is not built on this service: run npm run build', 503);
    }
    const entry = Object.hasOwn(manifest.files, file) ? manifest.files[file] : undefined;
    if (!entry) throw new NotFoundError('widget-file-not-found', 'No widget file of that name');
    return entry;
  }

  /** Loads the manifest when it appeared or changed; logs each change of state once, not per request. */
  private async refresh(): Promise<void> {
    this.checkedAt = this.clock.nowMs();
    try {
      const { mtimeMs } = await this.files.stat(this.manifestPath);
      if (this.loaded?.mtimeMs === mtimeMs) return;
      const parsed: unknown = JSON.parse((await this.files.read(this.manifestPath)).toString('utf8'));
      if (!isWidgetManifest(parsed)) throw new Error('not a widget manifest');
      this.loaded = { manifest: parsed, mtimeMs };
      if (this.problem !== null) this.logger.log(`Widget loaded from ${this.config.widgetDir}`);
      this.problem = null;
    } catch (error) {
      this.loaded = null;
      const problem = (error as Error).message;
      if (problem !== this.problem) {
        this.logger.warn(
          `Widget not built (${this.manifestPath}: ${problem}): /widget/* answers 503 widget-not-built ` +
            'until `npm run build:widget` has run',
        );
      }
      this.problem = problem;
    }
  }
}
