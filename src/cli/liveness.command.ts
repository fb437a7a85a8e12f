import { Logger } from '@nestjs/common';
import { Command } from 'commander';
import * as path from 'node:path';
import { CryptoAdapter } from '../adapters/crypto.adapter';
import { FileStoreAdapter } from '../adapters/file-store.adapter';
import { JpegAdapter } from '../adapters/jpeg.adapter';
import { OnnxAdapter } from '../adapters/onnx.adapter';
import type { AppConfig } from '../config/app-config';
import { buildDevSet } from '../liveness/eval/build-dev-set';
import { formatReport, scoreFolder } from '../liveness/eval/evaluate';
import { OnnxLivenessRunner } from '../liveness/onnx-liveness-runner';
import { ModelRegistryService } from '../models/model-registry.service';

/** The shipped liveness models, verified against the manifest, outside the HTTP service. */
async function livenessRunner(config: AppConfig): Promise<{ runner: OnnxLivenessRunner; onnx: OnnxAdapter }> {
  // Reports go to stdout (and may be piped as JSON): keep Nest's start-up notes out of them.
  Logger.overrideLogger(['error', 'warn']);
  const registry = new ModelRegistryService(config, new FileStoreAdapter(), new CryptoAdapter());
  await registry.onModuleInit();
  const onnx = new OnnxAdapter({ device: config.inference.device, intraOpNumThreads: 1 });
  const runner = new OnnxLivenessRunner(onnx, (id) => registry.find(id));
  await runner.loadAll();
  return { runner, onnx };
}

export function livenessCommand(config: () => AppConfig): Command {
  const command = new Command('liveness').description('evaluate the liveness checks (docs/liveness.md)');
  command
    .command('eval')
    .description('APCER per attack type, BPCER and ACER over a labelled folder (live/, print/, replay/, …)')
    .argument('<folder>', 'one folder per label; each sample a folder (summary.json + crops) or a JPEG')
    .option('--threshold <t>', 'threshold to report at (default: LIVENESS_THRESHOLD)')
    .option('--json', 'print the scores of every sample as JSON instead')
    .action(async (folder: string, options: { threshold?: string; json?: boolean }) => {
      const settings = config();
      const { runner, onnx } = await livenessRunner(settings);
      try {
        const samples = await scoreFolder(path.resolve(folder), runner, new JpegAdapter(), settings.liveness);
        const threshold = options.threshold === undefined ? settings.liveness.threshold : Number(options.threshold);
        process.stdout.write(
          options.json ? `${JSON.stringify(samples, null, 1)}\n` : `${formatReport(samples, threshold)}\n`,
        );
      } finally {
        await onnx.release();
      }
    });
  command
    .command('build-dev-set')
    .description('synthesise labelled dev and test sets from real face photos, split by source photo')
    .argument('<out>', 'folder to write dev/ and test/ into')
    .option('--faces <dir>', 'folder of source photos', 'test/fixtures/faces')
    .option('--per-source <n>', 'attempts per source photo and attack type', '4')
    .action(async (out: string, options: { faces: string; perSource: string }) => {
      const { runner, onnx } = await livenessRunner(config());
      try {
        const counts = await buildDevSet(runner, new JpegAdapter(), {
          facesDir: path.resolve(options.faces),
          outDir: path.resolve(out),
          perSource: Number(options.perSource),
        });
        process.stdout.write(`${JSON.stringify(counts)}\n`);
      } finally {
        await onnx.release();
      }
    });
  return command;
}
