import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Command } from 'commander';
import { buildOpenApi, createApp } from '../bootstrap';
import { loadConfig } from '../config/app-config';

/** Generates the OpenAPI document from the code, for the committed `openapi.json`. */
export async function generateOpenApi(): Promise<string> {
  const config = loadConfig({
    DATABASE_URL: 'sqlite::memory:',
    PUBLIC_URL: 'http://localhost:8080',
    DEMO_SITE: 'false',
    // Describing the API needs no torrent port, and no service key in the working directory.
    TORRENT_ENABLED: 'false',
    DATA_DIR: path.join(os.tmpdir(), 'peerproof-openapi'),
  });
  const app = await createApp(config, { logger: false });
  try {
    return JSON.stringify(buildOpenApi(app, config), null, 2) + '\n';
  } finally {
    await app.close();
  }
}

export function openapiCommand(): Command {
  return new Command('openapi')
    .description('print the OpenAPI document (or write it with --out)')
    .option('--out <file>', 'write to this file')
    .action(async (options: { out?: string }) => {
      const document = await generateOpenApi();
      if (options.out) fs.writeFileSync(options.out, document);
      else process.stdout.write(document);
    });
}
