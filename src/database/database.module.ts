import type { DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { DataSourceOptions } from 'typeorm';
import { DataSource } from 'typeorm';
import type { DatabaseConfig } from '../config/app-config';
import { dataSourceOptions } from './data-source';

/** Any number: every PeerProof process migrating one PostgreSQL database takes this lock first. */
const MIGRATION_LOCK = 0x5050_6d67;

/**
 * The TypeORM connection, with migrations run before anything else uses it. On PostgreSQL several
 * instances may start at once, so migrations run under a session advisory lock: the first migrates, the
 * others wait and then find nothing to do, instead of racing to create the same tables.
 */
export function databaseModule(database: DatabaseConfig): DynamicModule {
  return TypeOrmModule.forRootAsync({
    useFactory: () => ({ ...dataSourceOptions(database), migrationsRun: false }),
    dataSourceFactory: async (options) => migrated(new DataSource(options as DataSourceOptions)),
  });
}

async function migrated(dataSource: DataSource): Promise<DataSource> {
  await dataSource.initialize();
  if (dataSource.options.type !== 'postgres') {
    await dataSource.runMigrations({ transaction: 'each' });
    return dataSource;
  }
  const lock = dataSource.createQueryRunner();
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await dataSource.runMigrations({ transaction: 'each' });
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    await lock.release();
  }
  return dataSource;
}
