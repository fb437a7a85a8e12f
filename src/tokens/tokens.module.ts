import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LivenessModule } from '../liveness/liveness.module';
import { PeersModule } from '../peers/peers.module';
import { SitesModule } from '../sites/sites.module';
import { SiteverifyController } from './siteverify.controller';
import { SiteverifyService } from './siteverify.service';
import { TokenEntity } from './token.entity';
import { TokensService } from './tokens.service';

@Module({
  imports: [TypeOrmModule.forFeature([TokenEntity]), SitesModule, PeersModule, LivenessModule],
  controllers: [SiteverifyController],
  providers: [TokensService, SiteverifyService],
  exports: [TokensService, SiteverifyService],
})
export class TokensModule {}
