import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';

/**
 * The databases every e2e suite runs against. PostgreSQL is part of the suite: it is skipped only when
 * PEERPROOF_TEST_SKIP_POSTGRES=1 says so. PEERPROOF_TEST_POSTGRES_URL names a server; without it the e2e
 * project's globalSetup starts an embedded one for the run (test/support/embedded-postgres.mjs) and sets it.
 */
export type DatabaseKind = 'sqlite' | 'postgres';

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

export function databaseKinds(): DatabaseKind[] {
  return process.env.PEERPROOF_TEST_SKIP_POSTGRES === '1' ? ['sqlite'] : ['sqlite', 'postgres'];
}

export async function createTestDatabase(kind: DatabaseKind): Promise<TestDatabase> {
  return kind === 'sqlite' ? createSqlite() : createPostgres();
}

function createSqlite(): TestDatabase {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'peerproof-test-'));
  return {
    url: `sqlite:${path.join(dir, 'test.sqlite')}`,
    drop: async () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

async function createPostgres(): Promise<TestDatabase> {
  const adminUrl = process.env.PEERPROOF_TEST_POSTGRES_URL;
  if (!adminUrl) {
    throw new Error(
      'PostgreSQL tests need PEERPROOF_TEST_POSTGRES_URL (a role allowed to CREATE DATABASE), which the e2e ' +
        "project's globalSetup sets when it starts its embedded server; set PEERPROOF_TEST_SKIP_POSTGRES=1 " +
        'to run on SQLite only',
    );
  }
  const name = `peerproof_test_${randomBytes(6).toString('hex')}`;
  await withClient(adminUrl, (client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      await withClient(adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
