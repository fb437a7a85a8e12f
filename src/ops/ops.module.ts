import { Module } from '@nestjs/common';
import { ChallengesModule } from '../challenges/challenges.module';
import { LedgerModule } from '../ledger/ledger.module';
import { PeersModule } from '../peers/peers.module';
import { TokensModule } from '../tokens/tokens.module';
import { HousekeepingService } from './housekeeping.service';
import { OpsController } from './ops.controller';

@Module({
  imports: [TokensModule, ChallengesModule, PeersModule, LedgerModule],
  controllers: [OpsController],
  providers: [HousekeepingService],
})
export class OpsModule {}
