import type { DynamicModule, INestApplicationContext, Type } from '@nestjs/common';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { z } from 'zod';
import { describeIssues } from '../common/zod-validation.pipe';
import type { AppConfig } from '../config/app-config';
import { CoreModule } from '../core.module';
import { databaseModule } from '../database/database.module';
import { CliError } from './cli-error';

@Module({})
class CliModule {
  static forRoot(config: AppConfig, feature: Type<unknown>): DynamicModule {
    return { module: CliModule, imports: [CoreModule.forRoot(config), databaseModule(config.database), feature] };
  }
}

/** Runs a CLI command against the configured database through one feature module's services, no HTTP. */
export async function withFeature<T>(
  config: AppConfig,
  feature: Type<unknown>,
  work: (context: INestApplicationContext) => Promise<T>,
): Promise<T> {
  const context = await NestFactory.createApplicationContext(CliModule.forRoot(config, feature), {
    logger: ['fatal', 'error'],
    abortOnError: false,
  });
  try {
    return await work(context);
  } finally {
    await context.close();
  }
}

/** Validates a command-line argument with the same schema the HTTP API uses. */
export function parseArgument<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw new CliError('invalid-argument', describeIssues(result.error));
  return result.data;
}
