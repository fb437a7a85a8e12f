/** Jest globalTeardown of the e2e project: stops the embedded PostgreSQL the setup started, if it did. */
export default async function stopPostgresForRun() {
  const server = globalThis.__peerproofEmbeddedPostgres;
  if (!server) return;
  globalThis.__peerproofEmbeddedPostgres = undefined;
  await server.stop();
}
