import { Logger } from '@nestjs/common';
import { Command } from 'commander';
import { IdentityError, loadIdentity } from '../peers/peer-runtime/peer-identity';
import type { PeerLog } from '../peers/peer-runtime/peer-log';
import { createPeerLog, formatBytes } from '../peers/peer-runtime/peer-log';
import { PeerRuntime } from '../peers/peer-runtime/peer-runtime';
import type { PeerStatus } from '../peers/peer-runtime/peer-status';
import { healthy, localStatus, withServiceView } from '../peers/peer-runtime/peer-status';
import { ServiceClient, ServiceError, ServiceUnreachableError } from '../peers/peer-runtime/service-client';
import { ManifestVerificationError } from '../protocol/signed-manifest';
import { CliError } from './cli-error';
import type { PeerOptions, RawPeerOptions } from './peer-options';
import { parseDataDir, parsePeerOptions, parseServiceUrl } from './peer-options';

/** Exit codes beyond 2 (bad arguments): the service cannot be used, or cannot be trusted. */
const EXIT_SERVICE = 3;
const EXIT_UNTRUSTED = 4;

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** `peerproof peer` (run a verifier peer) and `peerproof peer status`. */
export function peerCommand(): Command {
  const peer = new Command('peer').description('run a verifier peer, or show its status (docs/peers.md)');
  peer
    .command('run', { isDefault: true })
    .description('register, fetch the signed models through the swarm, seed them and answer jobs until stopped')
    .option('--service <url>', 'the PeerProof service')
    .option('--service-key <publicKey>', "the service's Ed25519 public key (base64url), from a source you trust")
    .option('--data <dir>', 'folder for the peer key, models and pending verdicts')
    .option('--stake <n>', 'keep at least this many reputation units bonded, staked from the granted free balance')
    .option('--port <port>', 'BitTorrent TCP port (0 = any free port)', '6882')
    .option('--device <device>', 'onnxruntime provider: cpu or cuda', 'cpu')
    .option('--torrent-peer <host:port>', 'a BitTorrent peer to connect to (repeatable), e.g. the service', collect)
    .option('--no-dht', 'do not use the BitTorrent DHT')
    .option('--no-lsd', 'do not use local service discovery')
    .option('--json', 'log JSON lines instead of text')
    .action((raw: RawPeerOptions) => runPeer(parsePeerOptions(raw)));
  peer
    .command('status')
    .description("the peer's identity, the models on disk checked against the signed manifest, the service's view")
    .option('--data <dir>', 'the peer data folder')
    .option('--service <url>', 'also ask this service how it lists the peer')
    .option('--json', 'print JSON')
    .action((raw: { data?: string; service?: string; json?: boolean }) => printStatus(raw));
  return peer;
}

async function runPeer(options: PeerOptions): Promise<void> {
  // onnxruntime's adapter logs through Nest; the peer prints its own lines (JSON with --json).
  Logger.overrideLogger(false);
  const log = createPeerLog({ json: options.json });
  const runtime = await startRuntime(options, log);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  log.info('stopping', 'stopping: closing connections and the swarm');
  await runtime.stop();
}

async function startRuntime(options: PeerOptions, log: PeerLog): Promise<PeerRuntime> {
  let runtime: PeerRuntime | undefined;
  try {
    runtime = new PeerRuntime({
      serviceUrl: options.serviceUrl,
      serviceKey: options.serviceKey,
      dataDir: options.dataDir,
      device: options.device,
      torrent: {
        port: options.torrentPort,
        dht: options.dht,
        lsd: options.lsd,
        trackers: [],
        tracker: true,
        webSeeds: true,
      },
      torrentPeers: options.torrentPeers,
      stake: options.stake,
      log,
    });
    await runtime.start();
    log.info('serving', `serving jobs; seeding on port ${await runtime.torrentPort()}`, {
      torrentPort: await runtime.torrentPort(),
    });
    return runtime;
  } catch (error) {
    await runtime?.stop();
    throw asCliError(error);
  }
}

function asCliError(error: unknown): unknown {
  if (error instanceof ManifestVerificationError) {
    return new CliError(error.code, `refusing the service's model manifest: ${error.message}`, EXIT_UNTRUSTED);
  }
  if (error instanceof IdentityError) return new CliError(error.code, error.message, 1);
  if (error instanceof ServiceUnreachableError) return new CliError(error.code, error.message, EXIT_SERVICE);
  if (error instanceof ServiceError) return new CliError(error.code, error.message, EXIT_SERVICE);
  return error;
}

async function printStatus(raw: { data?: string; service?: string; json?: boolean }): Promise<void> {
  const dataDir = parseDataDir(raw.data);
  const serviceUrl = raw.service === undefined ? undefined : parseServiceUrl(raw.service);
  let status: PeerStatus;
  try {
    status = localStatus(dataDir);
    if (serviceUrl) {
      const client = new ServiceClient(serviceUrl, loadIdentity(dataDir));
      try {
        status = await withServiceView(status, client);
      } finally {
        client.close();
      }
    }
  } catch (error) {
    throw asCliError(error);
  }
  process.stdout.write(raw.json ? JSON.stringify(status) + '\n' : describeStatus(status));
  if (!healthy(status)) process.exitCode = 1;
}

function describeStatus(status: PeerStatus): string {
  const lines = [`peer ${status.peer.id} (key id ${status.peer.keyId})`, `  data     ${status.dataDir}`];
  lines.push(`  service  ${status.service ? `${status.service.url}, key ${status.service.key}` : 'never contacted'}`);
  if (status.manifest) {
    const verdict = status.manifest.verified ? 'signature verified' : `NOT VERIFIED: ${status.manifest.error}`;
    lines.push(`  manifest signed at ${status.manifest.signedAt}, ${verdict}`);
  }
  for (const model of status.models) {
    lines.push(`  model    ${model.id}  ${formatBytes(model.bytes)}  ${model.state}  sha256 ${model.sha256}`);
  }
  if (status.serviceView === null) lines.push('  the service does not list this peer');
  if (status.serviceView) {
    const view = status.serviceView;
    lines.push(
      `  service view: registered ${view.registeredAt}, last seen ${view.lastSeenAt}, ` +
        `${view.jobsAnswered} job(s) answered, ${view.models.length} model(s) held`,
    );
  }
  return lines.join('\n') + '\n';
}
