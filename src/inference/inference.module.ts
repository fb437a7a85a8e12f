import { Module } from '@nestjs/common';
import { ModelsModule } from '../models/models.module';
import { InferenceService } from './inference.service';

@Module({
  imports: [ModelsModule],
  providers: [InferenceService],
  exports: [InferenceService],
})
export class InferenceModule {}
