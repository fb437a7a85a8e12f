import type { OnModuleInit } from '@nestjs/common';
import { Inject, Injectable, Logger } from '@nestjs/common';
import * as path from 'node:path';
import { CryptoAdapter } from '../adapters/crypto.adapter';
import { FileStoreAdapter } from '../adapters/file-store.adapter';
import { describeIssues } from '../common/zod-validation.pipe';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import type { ModelDescriptor, ModelManifest } from './model-manifest';
import { manifestSchema } from './model-manifest';

export const MANIFEST_FILE = 'manifest.json';

/** The models folder does not hold what the manifest promises; the service must not start. */
export class ModelIntegrityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelIntegrityError';
  }
}

/** A file the service serves from the models folder, held in memory as verified at start-up. */
export interface StoredModelFile {
  name: string;
  bytes: Buffer;
  /** Lowercase hex; for licence files, computed at start-up rather than taken from the manifest. */
  sha256: string;
  contentType: string;
}

export interface LoadedModel {
  descriptor: ModelDescriptor;
  file: StoredModelFile;
}

/**
 * Reads `manifest.json` from the models folder and checks every model's size and sha256 before the
 * service accepts a request. Files are read into memory once: the shipped models are small (BlazeFace is
 * 442 KB), and serving and loading the very bytes that were hashed leaves no window in which a file
 * swapped on disk after the check could reach a browser or onnxruntime.
 */
@Injectable()
export class ModelRegistryService implements OnModuleInit {
  private readonly logger = new Logger('models');
  private manifestValue: ModelManifest | undefined;
  private readonly models = new Map<string, LoadedModel>();
  private readonly files = new Map<string, StoredModelFile>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly fileStore: FileStoreAdapter,
    private readonly crypto: CryptoAdapter,
  ) {}

  async onModuleInit(): Promise<void> {
    const manifest = await this.readManifest();
    for (const descriptor of manifest.models) {
      const file = await this.readVerifiedModel(descriptor);
      this.files.set(file.name, file);
      this.models.set(descriptor.id, { descriptor, file });
      if (!this.files.has(descriptor.licenceFile)) this.files.set(descriptor.licenceFile, await this.readLicence(descriptor));
    }
    this.manifestValue = manifest;
    this.logger.log(`${manifest.models.length} model(s) verified in ${this.config.modelsDir}`);
  }

  /** The validated manifest, as published at /api/v1/models/manifest. */
  manifest(): ModelManifest {
    if (!this.manifestValue) throw new Error('model registry used before start-up finished');
    return this.manifestValue;
  }

  /** The model with this id, or undefined when the manifest does not list it. */
  find(modelId: string): LoadedModel | undefined {
    return this.models.get(modelId);
  }

  get(modelId: string): LoadedModel {
    const model = this.models.get(modelId);
    if (!model) throw new Error(`model ${modelId} is not in the manifest`);
    return model;
  }

  /** A servable file (a model or a licence listed in the manifest) by its exact name; nothing else. */
  file(name: string): StoredModelFile | undefined {
    return this.files.get(name);
  }

  private async readManifest(): Promise<ModelManifest> {
    const manifestPath = path.join(this.config.modelsDir, MANIFEST_FILE);
    const text = await this.readOrFail(manifestPath, 'the model manifest');
    let json: unknown;
    try {
      json = JSON.parse(text.toString('utf8'));
    } catch (error) {
      throw new ModelIntegrityError(`${manifestPath} is not valid JSON: ${(error as Error).message}`);
    }
    const parsed = manifestSchema.safeParse(json);
    if (!parsed.success) throw new ModelIntegrityError(`${manifestPath} is invalid: ${describeIssues(parsed.error)}`);
    return parsed.data;
  }

  private async readVerifiedModel(descriptor: ModelDescriptor): Promise<StoredModelFile> {
    const filePath = path.join(this.config.modelsDir, descriptor.file);
    const bytes = await this.readOrFail(filePath, `model ${descriptor.id}`);
    if (bytes.length !== descriptor.bytes) {
      throw new ModelIntegrityError(
        `model file ${filePath} has ${bytes.length} bytes, the manifest expects ${descriptor.bytes}`,
      );
    }
    const actual = this.crypto.sha256Hex(bytes);
    if (actual !== descriptor.sha256) {
      throw new ModelIntegrityError(
        `model file ${filePath} has sha256 ${actual}, the manifest expects ${descriptor.sha256}`,
      );
    }
    return { name: descriptor.file, bytes, sha256: actual, contentType: 'application/octet-stream' };
  }

  private async readLicence(descriptor: ModelDescriptor): Promise<StoredModelFile> {
    const filePath = path.join(this.config.modelsDir, descriptor.licenceFile);
    const bytes = await this.readOrFail(filePath, `the licence of model ${descriptor.id}`);
    const sha256 = this.crypto.sha256Hex(bytes);
    return { name: descriptor.licenceFile, bytes, sha256, contentType: 'text/plain; charset=utf-8' };
  }

  private async readOrFail(filePath: string, what: string): Promise<Buffer> {
    try {
      return await this.fileStore.read(filePath);
    } catch (error) {
      throw new ModelIntegrityError(`cannot read ${what} at ${filePath}: ${(error as Error).message}`);
    }
  }
}
