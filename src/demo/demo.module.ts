import { Module } from '@nestjs/common';
import { SitesModule } from '../sites/sites.module';
import { TokensModule } from '../tokens/tokens.module';
import { DemoController } from './demo.controller';
import { DemoService } from './demo.service';

/** The demo signup page (`GET /demo`) and its backend (`POST /demo/signup`), on while DEMO_SITE is. */
@Module({
  imports: [SitesModule, TokensModule],
  controllers: [DemoController],
  providers: [DemoService],
})
export class DemoModule {}
