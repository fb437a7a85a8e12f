import { DynamicModule, Global, Module, Provider } from '@nestjs/common';
import { Clock } from './adapters/clock.adapter';
import { CryptoAdapter } from './adapters/crypto.adapter';
import { APP_CONFIG } from './config/app-config';
import type { AppConfig } from './config/app-config';
import { RateLimiter } from './edge/rate-limiter';
import { MetricsService } from './ops/metrics.service';

export interface CoreOverrides {
  clock?: Clock;
}

/** Config, adapters, metrics and the rate limiter: available to every feature module. */
@Global()
@Module({})
export class CoreModule {
  static forRoot(config: AppConfig, overrides: CoreOverrides = {}): DynamicModule {
    const providers: Provider[] = [
      { provide: APP_CONFIG, useValue: config },
      overrides.clock ? { provide: Clock, useValue: overrides.clock } : Clock,
      CryptoAdapter,
      MetricsService,
      RateLimiter,
    ];
    return { module: CoreModule, providers, exports: providers };
  }
}
