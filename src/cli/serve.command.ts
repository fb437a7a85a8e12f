import { Logger } from '@nestjs/common';
import { createApp, createLogger } from '../bootstrap';
import type { AppConfig } from '../config/app-config';
import { ServiceKeyService } from '../keys/service-key.service';
import { DemoSiteService } from '../sites/demo-site.service';

/** `peerproof serve`: the HTTP service until SIGINT/SIGTERM, then a graceful drain. */
export async function serve(config: AppConfig): Promise<void> {
  const logger = createLogger(config.logLevel);
  const app = await createApp(config, { logger });
  // After the drain, exit 0 (a clean stop) rather than re-raising the signal, which reads as a crash.
  app.enableShutdownHooks(['SIGINT', 'SIGTERM'], { useProcessExit: true });
  await app.listen({ port: config.http.port, host: config.http.host });
  const log = new Logger('serve');
  const database = config.database.type === 'sqlite' ? `SQLite ${config.database.path}` : 'PostgreSQL';
  log.log(`PeerProof listening on ${config.http.publicUrl} (${database})`);
  const key = app.get(ServiceKeyService).info();
  // Peer operators copy this into `peerproof peer --service-key`; it also signs the model manifest.
  process.stdout.write(`\n  Service key (ed25519, id ${key.keyId}): ${key.publicKey}\n`);
  if (config.demoSite) {
    const demo = await app.get(DemoSiteService).ensure();
    // The demo secret is printed on purpose: it only works for localhost and changes at every start.
    process.stdout.write(
      [
        '',
        `  Demo site (localhost only; the secret changes at every start):`,
        `    sitekey: ${demo.sitekey}`,
        `    secret:  ${demo.secret}`,
        `  Liveness demo site: sitekey ${demo.liveness.sitekey}, secret ${demo.liveness.secret}`,
        `  Try it:    ${config.http.publicUrl}/demo (liveness: ${config.http.publicUrl}/demo?level=liveness)`,
        `  API docs:  ${config.http.publicUrl}/docs`,
        '',
      ].join('\n') + '\n',
    );
  }
}
