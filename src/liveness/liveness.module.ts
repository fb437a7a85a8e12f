import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { JpegAdapter } from '../adapters/jpeg.adapter';
import { ChallengeEntity } from '../challenges/challenge.entity';
import { ModelsModule } from '../models/models.module';
import { SitesModule } from '../sites/sites.module';
import { FACE_ANALYZER } from './analysis/face-analyzer.token';
import { LivenessAttemptEntity } from './attempts/liveness-attempt.entity';
import { LivenessAttemptsService } from './attempts/liveness-attempts.service';
import { LivenessService } from './liveness.service';

/** Liveness v2 (docs/liveness.md): attempts, step by step, analysed by the server's own face analysis. */
@Module({
  imports: [TypeOrmModule.forFeature([LivenessAttemptEntity, ChallengeEntity]), ModelsModule, SitesModule],
  providers: [
    JpegAdapter,
    LivenessService,
    LivenessAttemptsService,
    // No face engine is installed yet: the face, identity and prompt checks report unavailable.
    { provide: FACE_ANALYZER, useValue: null },
  ],
  exports: [LivenessService, LivenessAttemptsService],
})
export class LivenessModule {}
