/**
 * Jest globalSetup of the e2e project: without PEERPROOF_TEST_POSTGRES_URL (and unless the PostgreSQL half
 * is skipped), starts one embedded PostgreSQL for the whole run and hands its URL to the test workers, which
 * inherit this process's environment.
 */
import { performance } from 'node:perf_hooks';

export default async function startPostgresForRun() {
  if (process.env.PEERPROOF_TEST_SKIP_POSTGRES === '1' || process.env.PEERPROOF_TEST_POSTGRES_URL) return;
  const started = performance.now();
  const { startEmbeddedPostgres } = await import('./embedded-postgres.mjs');
  const server = await startEmbeddedPostgres();
  globalThis.__peerproofEmbeddedPostgres = server;
  process.env.PEERPROOF_TEST_POSTGRES_URL = server.url;
  process.stderr.write(`\nembedded PostgreSQL started in ${Math.round(performance.now() - started)} ms\n`);
}
