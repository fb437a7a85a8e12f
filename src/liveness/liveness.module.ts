import { Module } from '@nestjs/common';
import { JpegAdapter } from '../adapters/jpeg.adapter';
import { ModelsModule } from '../models/models.module';
import { LivenessService } from './liveness.service';

/** Server-side liveness checks (docs/liveness.md); the challenge flow calls LivenessService.verify. */
@Module({
  imports: [ModelsModule],
  providers: [JpegAdapter, LivenessService],
  exports: [LivenessService],
})
export class LivenessModule {}
