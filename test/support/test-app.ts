import type { LoggerService } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import * as os from 'node:os';
import * as path from 'node:path';
import { ManualClock } from '../../src/adapters/clock.adapter';
import { createApp } from '../../src/bootstrap';
import type { AppConfig } from '../../src/config/app-config';
import { loadConfig } from '../../src/config/app-config';
import type { DatabaseKind, TestDatabase } from './databases';
import { createTestDatabase } from './databases';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';

export interface TestApp {
  app: NestFastifyApplication;
  config: AppConfig;
  clock: ManualClock;
  /** Base URL of the app listening on an ephemeral loopback port. */
  baseUrl: string;
  database: TestDatabase;
  close(): Promise<void>;
  /** Stops the app but keeps its database, for a restart with `startTestApp(kind, env, { database })`. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Reuse this database (a restart) instead of creating a fresh one. */
  database?: TestDatabase;
  /** Listen on this loopback port instead of an ephemeral one (to name it in PUBLIC_URL beforehand). */
  port?: number;
  /** Where the app logs (default: nowhere), for tests that read what it logs. */
  logger?: LoggerService;
  /** The app's clock (default: a manual clock at the current time). */
  clock?: ManualClock;
}

/** Boots the real application on a fresh database of the given kind, listening on loopback. */
export async function startTestApp(
  kind: DatabaseKind,
  env: Record<string, string> = {},
  options: StartOptions = {},
): Promise<TestApp> {
  const database: TestDatabase = options.database ?? (await createTestDatabase(kind));
  const config = loadConfig({
    DATABASE_URL: database.url,
    ADMIN_TOKEN,
    DEMO_SITE: 'false',
    LOG_LEVEL: 'error',
    // Suites that need the swarm turn it on; the others skip opening a torrent port.
    TORRENT_ENABLED: 'false',
    // One service key for every test app, outside the checkout.
    DATA_DIR: path.join(os.tmpdir(), 'peerproof-test-data'),
    // The manual clock does not follow real time, so a real pause of the test process is no stall of it.
    PEER_STALL_GRACE_SECONDS: '0',
    // Most suites exercise jobs with unstaked peers; test/e2e/peer-admission.e2e-spec.ts covers the default.
    PEER_ADMISSION: 'open',
    // Suites that solve a challenge expect its audit; test/e2e/peer-canaries.e2e-spec.ts plants canaries itself.
    PEER_CANARY_RATE: '0',
    ...env,
  });
  const clock = options.clock ?? new ManualClock(Date.now());
  const app = await createApp(config, { clock, logger: options.logger ?? false });
  await app.listen({ port: options.port ?? 0, host: '127.0.0.1' });
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    app,
    config,
    clock,
    baseUrl: `http://127.0.0.1:${port}`,
    database,
    close: async () => {
      await app.close();
      await database.drop();
    },
    stop: () => app.close(),
  };
}
