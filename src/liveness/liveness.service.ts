import type { OnApplicationBootstrap } from '@nestjs/common';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { JpegAdapter } from '../adapters/jpeg.adapter';
import { OnnxAdapter } from '../adapters/onnx.adapter';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { ModelRegistryService } from '../models/model-registry.service';
import type { LivenessVerdict } from './liveness-verifier';
import { LivenessVerifier } from './liveness-verifier';
import { LIVENESS_MODEL_IDS, OnnxLivenessRunner } from './onnx-liveness-runner';

/**
 * The liveness checks inside the service. Evidence is held in memory for the length of one `verify` call;
 * only the verdict (scores and reason codes) leaves it: crops are never logged or stored.
 */
@Injectable()
export class LivenessService implements OnApplicationBootstrap {
  private readonly logger = new Logger('liveness');
  private verifier: LivenessVerifier | undefined;
  private runner: OnnxLivenessRunner | undefined;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly registry: ModelRegistryService,
    private readonly onnx: OnnxAdapter,
    private readonly jpeg: JpegAdapter,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const runner = this.ensureRunner();
    await runner.loadAll();
    const missing = LIVENESS_MODEL_IDS.filter((id) => !runner.has(id));
    if (missing.length > 0)
      this.logger.warn(`liveness models not installed (checks unavailable): ${missing.join(', ')}`);
  }

  /** Checks one attempt's evidence against the challenge nonce it was recorded for, at a site's threshold. */
  verify(evidence: unknown, nonce: string, threshold?: number): Promise<LivenessVerdict> {
    this.verifier ??= new LivenessVerifier(this.ensureRunner(), this.jpeg, this.config.liveness);
    return this.verifier.verify(evidence, nonce, threshold);
  }

  private ensureRunner(): OnnxLivenessRunner {
    this.runner ??= new OnnxLivenessRunner(this.onnx, (id) => this.registry.find(id));
    return this.runner;
  }
}
