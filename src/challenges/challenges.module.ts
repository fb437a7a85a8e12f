import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { InferenceModule } from '../inference/inference.module';
import { LivenessModule } from '../liveness/liveness.module';
import { PeersModule } from '../peers/peers.module';
import { SitesModule } from '../sites/sites.module';
import { TokensModule } from '../tokens/tokens.module';
import { ChallengeEntity } from './challenge.entity';
import { ChallengeWriter } from './challenge-writer.service';
import { ChallengesController } from './challenges.controller';
import { ChallengesService } from './challenges.service';
import { RiskTracker } from './risk-tracker.service';

@Module({
  imports: [
    TypeOrmModule.forFeature([ChallengeEntity]),
    SitesModule,
    TokensModule,
    InferenceModule,
    LivenessModule,
    PeersModule,
  ],
  controllers: [ChallengesController],
  providers: [ChallengesService, ChallengeWriter, RiskTracker],
  exports: [ChallengesService],
})
export class ChallengesModule {}
