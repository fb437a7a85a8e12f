import { DynamicModule, Module } from '@nestjs/common';
import type { AppConfig } from './config/app-config';
import { CoreModule, CoreOverrides } from './core.module';
import { databaseModule } from './database/database.module';
import { DemoModule } from './demo/demo.module';
import { ChallengesModule } from './challenges/challenges.module';
import { LedgerModule } from './ledger/ledger.module';
import { LivenessModule } from './liveness/liveness.module';
import { ModelsModule } from './models/models.module';
import { OpsModule } from './ops/ops.module';
import { PeersModule } from './peers/peers.module';
import { SitesModule } from './sites/sites.module';
import { TokensModule } from './tokens/tokens.module';
import { WidgetModule } from './widget/widget.module';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, overrides: CoreOverrides = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CoreModule.forRoot(config, overrides),
        databaseModule(config.database),
        SitesModule,
        TokensModule,
        ModelsModule,
        LivenessModule,
        LedgerModule,
        PeersModule,
        ChallengesModule,
        OpsModule,
        WidgetModule,
        DemoModule,
      ],
    };
  }
}
