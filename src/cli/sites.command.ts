import { Command, Option } from 'commander';
import type { AppConfig } from '../config/app-config';
import { DIFFICULTIES, VERIFICATION_LEVELS } from '../sites/site.entity';
import type { SiteResponseDto } from '../sites/sites.dto';
import { createSiteSchema, sitekeyParamSchema } from '../sites/sites.dto';
import { SitesModule } from '../sites/sites.module';
import { SitesService } from '../sites/sites.service';
import { withFeature, parseArgument as parse } from './app-context';

function withSites<T>(config: AppConfig, work: (sites: SitesService) => Promise<T>): Promise<T> {
  return withFeature(config, SitesModule, (context) => work(context.get(SitesService)));
}

function printSite(site: SiteResponseDto & { secret?: string }): void {
  const lines = [
    `sitekey:    ${site.sitekey}`,
    `name:       ${site.name}`,
    `hostnames:  ${site.hostnames.join(', ')}`,
    `level:      ${site.level}`,
    `threshold:  ${site.scoreThreshold}`,
    `difficulty: ${site.difficulty}`,
    `reviewed:   ${site.reviewLevels.length > 0 ? site.reviewLevels.join(', ') : 'no level'}`,
  ];
  if (site.level === 'liveness') {
    lines.push(
      `liveness threshold: ${site.livenessThreshold ?? 'service default'}`,
      `camera-less fallback: ${site.livenessFallback ? 'compute level allowed' : 'no'}`,
    );
  }
  if (site.secret) lines.push(`secret:     ${site.secret}`, '', 'Store the secret now: it is shown only once.');
  process.stdout.write(lines.join('\n') + '\n');
}

export function sitesCommand(loadConfig: () => AppConfig): Command {
  const sites = new Command('sites').description('manage the sites that may use this service');

  sites
    .command('create')
    .description('register a site and print its sitekey and secret')
    .requiredOption('--hostname <hostname...>', 'allowed hostname (repeatable; *.example.com for subdomains)')
    .option('--name <name>', 'display name')
    .addOption(
      new Option('--level <level>', 'required verification level').choices(VERIFICATION_LEVELS).default('compute'),
    )
    .option('--score-threshold <number>', 'minimum score, 0..1', '0.5')
    .addOption(new Option('--difficulty <difficulty>', 'inference difficulty').choices(DIFFICULTIES).default('normal'))
    .option('--liveness-threshold <number>', 'liveness score needed, 0..1 (default: LIVENESS_THRESHOLD)')
    .option('--liveness-fallback', 'let visitors without a camera pass a compute challenge instead')
    .addOption(
      new Option('--review <level...>', 'levels whose passes a committee of peers reviews').choices(
        VERIFICATION_LEVELS,
      ),
    )
    .option('--json', 'print JSON')
    .action(async (options) => {
      const dto = parse(createSiteSchema, {
        name: options.name,
        hostnames: options.hostname,
        level: options.level,
        scoreThreshold: Number(options.scoreThreshold),
        difficulty: options.difficulty,
        livenessThreshold: options.livenessThreshold === undefined ? null : Number(options.livenessThreshold),
        livenessFallback: options.livenessFallback === true,
        reviewLevels: options.review ?? [],
      });
      const site = await withSites(loadConfig(), (service) => service.create(dto));
      if (options.json) process.stdout.write(JSON.stringify(site, null, 2) + '\n');
      else printSite(site);
    });

  sites
    .command('list')
    .description('list sites (secrets are never shown)')
    .option('--json', 'print JSON')
    .action(async (options) => {
      const list = await withSites(loadConfig(), (service) => service.list());
      if (options.json) return void process.stdout.write(JSON.stringify(list, null, 2) + '\n');
      if (list.length === 0) return void process.stdout.write('no sites\n');
      for (const site of list) {
        process.stdout.write(
          `${site.sitekey}  ${site.level.padEnd(8)}  ${site.name}  [${site.hostnames.join(', ')}]\n`,
        );
      }
    });

  sites
    .command('rotate-secret')
    .description('issue a new secret; the old one keeps working for SECRET_ROTATION_GRACE_SECONDS')
    .argument('<sitekey>')
    .option('--now', 'revoke the old secret immediately (for a leaked secret)')
    .option('--json', 'print JSON')
    .action(async (sitekey: string, options) => {
      const key = parse(sitekeyParamSchema, sitekey);
      const site = await withSites(loadConfig(), (service) =>
        service.rotateSecret(key, { invalidatePrevious: options.now === true }),
      );
      if (options.json) process.stdout.write(JSON.stringify(site, null, 2) + '\n');
      else printSite(site);
    });

  sites
    .command('delete')
    .description('delete a site and its unredeemed tokens')
    .argument('<sitekey>')
    .action(async (sitekey: string) => {
      const key = parse(sitekeyParamSchema, sitekey);
      await withSites(loadConfig(), (service) => service.remove(key));
      process.stdout.write(`deleted ${key}\n`);
    });

  return sites;
}
