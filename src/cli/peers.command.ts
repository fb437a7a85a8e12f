import { Command } from 'commander';
import type { AppConfig } from '../config/app-config';
import { grantSchema } from '../ledger/ledger-admin.controller';
import { LedgerModule } from '../ledger/ledger.module';
import { LedgerService } from '../ledger/ledger.service';
import { parseArgument, withFeature } from './app-context';

/** Operator commands about verifier peers, run on the service's machine against its database. */
export function peersCommand(loadConfig: () => AppConfig): Command {
  const peers = new Command('peers').description('operate on verifier peers (on the service machine)');
  peers
    .command('grant')
    .description('grant a peer initial stake: a public ledger entry')
    .argument('<peer>', 'peer id')
    .argument('<amount>', 'whole reputation units')
    .option('--json', 'print JSON')
    .action(async (peer: string, amount: string, options: { json?: boolean }) => {
      const dto = parseArgument(grantSchema, { peer, amount: /^\d+$/.test(amount) ? Number(amount) : amount });
      const result = await withFeature(loadConfig(), LedgerModule, (context) =>
        context.get(LedgerService).append([{ kind: 'grant', peer: dto.peer, amount: dto.amount }]),
      );
      if (options.json) return void process.stdout.write(JSON.stringify(result) + '\n');
      process.stdout.write(
        `granted ${dto.amount} to ${dto.peer}: entry ${result.entries[0].seq}, ledger size ${result.head.size}, root ${result.head.root}\n`,
      );
    });
  return peers;
}
