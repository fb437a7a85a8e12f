import type { OnApplicationBootstrap } from '@nestjs/common';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { JpegAdapter } from '../adapters/jpeg.adapter';
import { OnnxAdapter } from '../adapters/onnx.adapter';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { ModelRegistryService } from '../models/model-registry.service';
import type { FaceAnalyzerLoader } from './analysis/face-analyzer.token';
import { FACE_ANALYZER } from './analysis/face-analyzer.token';
import { StepAnalyser } from './analysis/step-analyser';
import { LIVENESS_MODEL_IDS, OnnxLivenessRunner } from './onnx-liveness-runner';

/**
 * The liveness analysis inside the service: the passive models' runner and the server's face analyzer,
 * put together as the StepAnalyser the attempt flow runs on each step's frames. Frames are held in memory
 * for the length of one step's analysis; nothing here logs or stores them.
 */
@Injectable()
export class LivenessService implements OnApplicationBootstrap {
  private readonly logger = new Logger('liveness');
  private runner: OnnxLivenessRunner | undefined;
  private stepAnalyser: Promise<StepAnalyser> | undefined;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly registry: ModelRegistryService,
    private readonly onnx: OnnxAdapter,
    private readonly jpeg: JpegAdapter,
    @Inject(FACE_ANALYZER) private readonly loadAnalyzer: FaceAnalyzerLoader,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const runner = this.ensureRunner();
    await runner.loadAll();
    const missing = LIVENESS_MODEL_IDS.filter((id) => !runner.has(id));
    if (missing.length > 0)
      this.logger.warn(`liveness models not installed (checks unavailable): ${missing.join(', ')}`);
  }

  /**
   * The analyser of attempt steps. The face analysis (its networks converted to ONNX, ~0.5 s of CPU) loads on
   * the first step, not at start-up: most instances and tests never see a liveness attempt.
   */
  analyser(): Promise<StepAnalyser> {
    this.stepAnalyser ??= this.loadAnalyzer()
      .catch((error: unknown) => {
        this.logger.warn(`face analysis unavailable, every liveness attempt fails: ${String(error)}`);
        return null;
      })
      .then(
        (analyzer) =>
          new StepAnalyser(this.jpeg, analyzer, this.ensureRunner(), {
            enabled: this.config.liveness.passiveChecks,
            config: this.config.liveness.passive,
          }),
      );
    return this.stepAnalyser;
  }

  private ensureRunner(): OnnxLivenessRunner {
    this.runner ??= new OnnxLivenessRunner(this.onnx, (id) => this.registry.find(id));
    return this.runner;
  }
}
