import { Module } from '@nestjs/common';
import { ChallengesModule } from '../challenges/challenges.module';
import { LedgerModule } from '../ledger/ledger.module';
import { PeersModule } from '../peers/peers.module';
import { TokensModule } from '../tokens/tokens.module';
import { HousekeepingService } from './housekeeping.service';
import { LivenessModule } from '../liveness/liveness.module';
import { OpsController } from './ops.controller';

@Module({
  imports: [TokensModule, ChallengesModule, PeersModule, LedgerModule, LivenessModule],
  controllers: [OpsController],
  providers: [HousekeepingService],
})
export class OpsModule {}
