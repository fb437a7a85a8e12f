import 'reflect-metadata';
import * as fs from 'node:fs';
import { Command, CommanderError } from 'commander';
import { ConfigError, loadConfig } from '../config/app-config';
import { DomainError } from '../common/domain-error';
import { CliError } from './cli-error';
import { ledgerCommand } from './ledger.command';
import { livenessCommand } from './liveness.command';
import { openapiCommand } from './openapi.command';
import { peerCommand } from './peer.command';
import { peersCommand } from './peers.command';
import { serve } from './serve.command';
import { sitesCommand } from './sites.command';

const home = process.env.PEERPROOF_HOME ?? process.cwd();
const config = () => loadConfig(process.env, home);

const program = new Command('peerproof')
  .description('PeerProof: human verification without CAPTCHAs')
  .version(JSON.parse(fs.readFileSync(`${home}/package.json`, 'utf8')).version)
  .exitOverride()
  .showHelpAfterError();

program
  .command('serve')
  .description('run the HTTP service (configured by environment variables; see README)')
  .action(() => serve(config()));
program.addCommand(sitesCommand(config));
program.addCommand(peersCommand(config));
program.addCommand(peerCommand());
program.addCommand(ledgerCommand());
program.addCommand(livenessCommand(config));
program.addCommand(openapiCommand());
// addCommand() does not pass settings down: without this, a bad option of a subcommand exits 1 on its own.
forEachCommand(program, (command) => command.exitOverride().showHelpAfterError());

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? 0 : 2);
  if (error instanceof ConfigError) {
    process.stderr.write(`peerproof: ${error.message}\n`);
    process.exit(78);
  }
  if (error instanceof CliError || error instanceof DomainError) {
    process.stderr.write(`peerproof: error [${error.code}]: ${error.message}\n`);
    process.exit(error instanceof CliError ? error.exitCode : 1);
  }
  process.stderr.write(`peerproof: ${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(1);
});

function forEachCommand(command: Command, apply: (command: Command) => void): void {
  apply(command);
  for (const sub of command.commands) forEachCommand(sub, apply);
}
