import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Command } from 'commander';
import { ed25519KeyId, isEd25519PublicKey, verifyEd25519 } from '../adapters/ed25519';
import type { LedgerSource } from '../ledger/ledger-audit';
import { auditLedger } from '../ledger/ledger-audit';
import type { AuditOptions } from '../ledger/ledger-audit';
import { witnessedHeadSchema } from '../protocol/witness';
import type { TreeHead } from '../protocol/tree-head';
import { CliError } from './cli-error';

const REQUEST_TIMEOUT_MS = 30_000;

/** The ledger's public HTTP API as an audit source; every answer is checked by the auditor, not trusted. */
export function httpLedgerSource(serviceUrl: string): LedgerSource {
  const get = async <T>(route: string): Promise<T> => {
    let response: Response;
    try {
      response = await fetch(`${serviceUrl}/api/v1/ledger/${route}`, {
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      throw new CliError('service-unreachable', `${serviceUrl}: ${(error as Error).message}`, 3);
    }
    if (!response.ok) throw new CliError('bad-response', `GET ${route} answered ${response.status}`, 3);
    return (await response.json()) as T;
  };
  return {
    head: () => get('head'),
    entries: async (start, end) => (await get<{ entries: [] }>(`entries?start=${start}&end=${end}`)).entries,
    consistency: async (first, second) =>
      (await get<{ proof: string[] }>(`proof/consistency?first=${first}&second=${second}`)).proof,
    balances: async () => (await get<{ balances: Record<string, never> }>('balances')).balances,
  };
}

function parseServiceUrl(value: string, option = '--service'): string {
  try {
    const url = new URL(value);
    if (url.protocol === 'http:' || url.protocol === 'https:') return url.toString().replace(/\/+$/, '');
  } catch {
    // reported below
  }
  throw new CliError('invalid-argument', `${option} must be an http(s) URL, got "${value}"`);
}

function defaultStateFile(publicKey: string): string {
  const base = process.env.XDG_STATE_HOME ?? path.join(os.homedir(), '.local', 'state');
  return path.join(base, 'peerproof', `ledger-${ed25519KeyId(publicKey)}.json`);
}

function readPreviousHead(file: string): TreeHead | undefined {
  if (!fs.existsSync(file)) return undefined;
  try {
    const head = JSON.parse(fs.readFileSync(file, 'utf8')) as TreeHead;
    if (Number.isSafeInteger(head.size) && /^[0-9a-f]{64}$/.test(head.root)) return head;
  } catch {
    // reported below
  }
  throw new CliError('bad-state-file', `${file} is not a tree head saved by peerproof; move it away to start over`);
}

interface VerifyOptions {
  service: string;
  serviceKey: string;
  state?: string;
  json?: boolean;
  witnessedHead?: string;
  witnessedFrom?: string;
  witness?: string[];
  minWitnesses: string;
}

/**
 * The witnessed head from --witnessed-from: any URL serving one, such as the audited service's
 * `/api/v1/ledger/witnessed-head`. Fetching it from the service itself is safe: its co-signatures are
 * checked against the trusted keys here, and the service cannot make witnesses sign another history.
 */
async function fetchWitnessedHead(url: string): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  } catch (error) {
    throw new CliError('service-unreachable', `${url}: ${(error as Error).message}`, 3);
  }
  if (!response.ok) throw new CliError('bad-response', `GET ${url} answered ${response.status}`, 3);
  // The service's own signature may come along; the witnesses' co-signatures are what count here.
  const { size, root, timestamp, cosignatures } = (await response.json()) as Record<string, unknown>;
  return { size, root, timestamp, cosignatures };
}

/** --witnessed-head FILE or --witnessed-from URL, with the trusted --witness keys, checked before the log is read. */
async function witnessedOption(options: VerifyOptions): Promise<AuditOptions['witnessed']> {
  if (options.witnessedHead && options.witnessedFrom) {
    throw new CliError('invalid-argument', '--witnessed-head and --witnessed-from: give one of them');
  }
  if (!options.witnessedHead && !options.witnessedFrom) {
    if (options.witness?.length)
      throw new CliError('invalid-argument', '--witness needs --witnessed-head or --witnessed-from');
    return undefined;
  }
  if (options.witnessedFrom) parseServiceUrl(options.witnessedFrom, '--witnessed-from');
  const witnesses = options.witness ?? [];
  if (witnesses.length === 0 || !witnesses.every(isEd25519PublicKey)) {
    throw new CliError('invalid-argument', '--witnessed-head needs --witness keys (43-character base64url Ed25519)');
  }
  const minWitnesses = Number(options.minWitnesses);
  if (!Number.isInteger(minWitnesses) || minWitnesses < 1 || minWitnesses > witnesses.length) {
    throw new CliError(
      'invalid-argument',
      '--min-witnesses must be a whole number from 1 to the number of --witness keys',
    );
  }
  const source = options.witnessedHead ? '--witnessed-head' : '--witnessed-from';
  const json = options.witnessedHead
    ? (JSON.parse(fs.readFileSync(options.witnessedHead, 'utf8')) as unknown)
    : await fetchWitnessedHead(options.witnessedFrom!);
  const parsed = witnessedHeadSchema.safeParse(json);
  if (!parsed.success) throw new CliError('invalid-argument', `${source}: ${parsed.error.issues[0]?.message}`);
  return { head: parsed.data, witnesses, minWitnesses, verify: verifyEd25519 };
}

export function ledgerCommand(): Command {
  const ledger = new Command('ledger').description('audit the public reputation ledger');
  ledger
    .command('verify')
    .description('download the ledger, recompute its Merkle root and balances, and check them against the signed head')
    .requiredOption('--service <url>', 'the PeerProof service')
    .requiredOption(
      '--service-key <publicKey>',
      "the service's Ed25519 public key (base64url), from a source you trust",
    )
    .option('--state <file>', 'where the last verified head is kept (default: per key, under ~/.local/state/peerproof)')
    .option('--witnessed-head <file>', 'a head co-signed by witnesses (JSON {size, root, timestamp, cosignatures})')
    .option('--witnessed-from <url>', 'fetch the witnessed head, e.g. SERVICE/api/v1/ledger/witnessed-head')
    .option('--witness <publicKey...>', 'a witness (peer) key you trust to co-sign heads; repeatable')
    .option('--min-witnesses <n>', 'co-signatures of trusted witnesses the witnessed head needs', '1')
    .option('--json', 'print the result as JSON')
    .action(async (options: VerifyOptions) => {
      const serviceUrl = parseServiceUrl(options.service);
      if (!isEd25519PublicKey(options.serviceKey)) {
        throw new CliError('invalid-argument', '--service-key must be a 43-character base64url Ed25519 public key');
      }
      const stateFile = options.state ?? defaultStateFile(options.serviceKey);
      const previous = readPreviousHead(stateFile);
      const result = await auditLedger(httpLedgerSource(serviceUrl), {
        previous,
        verifySignature: (bytes, signature) => verifyEd25519(options.serviceKey, bytes, signature),
        witnessed: await witnessedOption(options),
      });
      if (options.json) process.stdout.write(JSON.stringify(result) + '\n');
      if (!result.ok) {
        if (!options.json)
          process.stderr.write(`peerproof: ledger verification FAILED [${result.code}]: ${result.message}\n`);
        process.exitCode = 1;
        return;
      }
      fs.mkdirSync(path.dirname(stateFile), { recursive: true });
      const { size, root, timestamp } = result.head;
      fs.writeFileSync(stateFile, JSON.stringify({ size, root, timestamp }) + '\n');
      if (!options.json) {
        const since = previous ? `, consistent with the ${previous.size} entries verified before` : '';
        process.stdout.write(
          `ledger OK: ${size} entries, root ${root}${since}; balances of ${result.peers} peers match the log\n`,
        );
      }
    });
  return ledger;
}
