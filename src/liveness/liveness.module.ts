import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { JpegAdapter } from '../adapters/jpeg.adapter';
import { OnnxAdapter } from '../adapters/onnx.adapter';
import { ModelRegistryService } from '../models/model-registry.service';
import { ChallengeEntity } from '../challenges/challenge.entity';
import { ModelsModule } from '../models/models.module';
import { SitesModule } from '../sites/sites.module';
import type { FaceAnalyzerLoader } from './analysis/face-analyzer.token';
import { FACE_ANALYZER } from './analysis/face-analyzer.token';
import { ServerFaceAnalyzer } from './analysis/server-face-analyzer';
import { LivenessAttemptEntity } from './attempts/liveness-attempt.entity';
import { LivenessAttemptsService } from './attempts/liveness-attempts.service';
import { LivenessService } from './liveness.service';
import { EvidenceVaultService } from './review/evidence-vault.service';
import { LivenessEvidenceEntity } from './review/liveness-evidence.entity';
import { LivenessReviewsService } from './review/liveness-reviews.service';
import { PeersModule } from '../peers/peers.module';
import { KeysModule } from '../keys/keys.module';

/** Liveness v2 (docs/liveness.md): attempts, step by step, analysed by the server's own face analysis. */
@Module({
  imports: [
    TypeOrmModule.forFeature([LivenessAttemptEntity, LivenessEvidenceEntity, ChallengeEntity]),
    ModelsModule,
    SitesModule,
    PeersModule,
    KeysModule,
  ],
  providers: [
    JpegAdapter,
    LivenessService,
    LivenessAttemptsService,
    LivenessReviewsService,
    EvidenceVaultService,
    {
      provide: FACE_ANALYZER,
      useFactory:
        (registry: ModelRegistryService, onnx: OnnxAdapter): FaceAnalyzerLoader =>
        () =>
          ServerFaceAnalyzer.fromRegistry(registry, onnx),
      inject: [ModelRegistryService, OnnxAdapter],
    },
  ],
  exports: [LivenessService, LivenessAttemptsService, EvidenceVaultService],
})
export class LivenessModule {}
