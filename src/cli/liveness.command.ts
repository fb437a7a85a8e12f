import { Logger } from '@nestjs/common';
import { Command } from 'commander';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import type * as AnalyzerModule from '../liveness/analysis/server-face-analyzer';
import type * as AttackEval from '../liveness/eval/attack-eval';
import type * as FaceEval from '../liveness/eval/face-analysis-eval';
import { CryptoAdapter } from '../adapters/crypto.adapter';
import { FileStoreAdapter } from '../adapters/file-store.adapter';
import { JpegAdapter } from '../adapters/jpeg.adapter';
import { OnnxAdapter } from '../adapters/onnx.adapter';
import type { AppConfig } from '../config/app-config';
import { formatPassiveReport } from '../liveness/eval/passive-report';
import type { ScoredFrame } from '../liveness/eval/passive-samples';
import { listSamples, scoreSample } from '../liveness/eval/passive-samples';
import { ANTI_SPOOF_MODELS, DEEPFAKE_MODEL } from '../liveness/passive/passive-models';
import { LIVENESS_MODELS } from '../liveness/liveness-models';
import { OnnxLivenessRunner } from '../liveness/onnx-liveness-runner';
import { ModelRegistryService } from '../models/model-registry.service';
import { CliError } from './cli-error';

/**
 * The attack kit and the face analysis load the whole liveness stack: only the commands that analyse faces
 * load them, so every other CLI command (sites, ledger, peer) starts as fast as before.
 */
const load = createRequire(__filename);

function loadAttackEval(): typeof AttackEval {
  return load('../liveness/eval/attack-eval') as typeof AttackEval;
}

function loadFaceAnalysis() {
  const { ServerFaceAnalyzer } = load('../liveness/analysis/server-face-analyzer') as typeof AnalyzerModule;
  const evaluation = load('../liveness/eval/face-analysis-eval') as typeof FaceEval;
  return { ServerFaceAnalyzer, ...evaluation };
}

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
    .description('APCER per attack of the attack kit, through the real service and its HTTP API (docs/liveness.md)')
    .option('--attempts <n>', 'attempts per attack', '30')
    .option('--only <ids>', 'comma-separated attack ids (a,b,c,d,e,f-node,g,h,i,i-lit)')
    .option('--fixtures <dir>', 'the face stills and clips', 'test/fixtures')
    .option('--json', 'print the outcomes as JSON instead')
    .option('--end-on-failure', 'end each attempt at its first failed step, as production does (default: analyse all)')
    .action(
      async (options: {
        attempts: string;
        only?: string;
        fixtures: string;
        json?: boolean;
        endOnFailure?: boolean;
      }) => {
        // Reports go to stdout: keep Nest's start-up notes out of them.
        Logger.overrideLogger(['error', 'warn']);
        const { evaluateAttacks, formatAttackReport } = loadAttackEval();
        const outcomes = await evaluateAttacks({
          attempts: Number(options.attempts),
          only: options.only?.split(','),
          fixtures: path.resolve(options.fixtures),
          endOnFailure: options.endOnFailure ?? false,
          progress: (line) => process.stderr.write(`${line}\n`),
        });
        process.stdout.write(
          options.json ? `${JSON.stringify(outcomes, null, 1)}\n` : `${formatAttackReport(outcomes)}\n`,
        );
      },
    );
  command
    .command('eval-passive')
    .description('P(real), BPCER and APCER of the passive models on real live frames cut as the v2 widget cuts them')
    .option('--live <dir>', 'real recordings of people: folders of frame_NNN.jpg', '../shared/fixtures/live-faces')
    .option(
      '--faces <dir>',
      'the Silent-Face and MesoNet samples (image_T*, image_F1/F2, mesonet_*)',
      '../shared/fixtures/faces',
    )
    .option('--step <n>', 'every n-th frame of each clip', '1')
    .option('--json', "print every frame's readings as JSON instead")
    .option('--readings <file>', 'report on readings saved by --json instead of running the models')
    .action(async (options: { live: string; faces: string; step: string; json?: boolean; readings?: string }) => {
      const settings = config();
      if (options.readings) {
        const saved = JSON.parse(fs.readFileSync(options.readings, 'utf8')) as ScoredFrame[];
        process.stdout.write(`${formatPassiveReport(saved, settings.liveness.passive)}\n`);
        return;
      }
      const step = Number(options.step);
      if (!Number.isInteger(step) || step < 1)
        throw new CliError('invalid-argument', '--step must be a whole number of at least 1');
      for (const dir of [options.live, options.faces]) {
        if (!fs.existsSync(dir))
          throw new CliError('not-found', `${dir} does not exist (see docs/liveness-passive.md, "Evaluation")`);
      }
      const { runner, onnx } = await livenessRunner(settings);
      try {
        const needed = [LIVENESS_MODELS.faceDetector, ...ANTI_SPOOF_MODELS.map((m) => m.id), DEEPFAKE_MODEL];
        const missing = needed.filter((id) => !runner.has(id));
        if (missing.length > 0) throw new CliError('models-missing', `models not installed: ${missing.join(', ')}`);
        const jpeg = new JpegAdapter();
        const frames = [];
        for (const sample of listSamples(path.resolve(options.live), path.resolve(options.faces), step)) {
          frames.push(await scoreSample(runner, jpeg, sample));
        }
        process.stdout.write(
          options.json ? `${JSON.stringify(frames)}\n` : `${formatPassiveReport(frames, settings.liveness.passive)}\n`,
        );
      } finally {
        await onnx.release();
      }
    });
  command
    .command('eval-face-analysis')
    .description("the server's face analysis (detect, measure, describe) against the labelled real recordings")
    .option('--live <dir>', 'real recordings of people: folders of frame_NNN.jpg', '../shared/fixtures/live-faces')
    .option('--step <n>', 'every n-th labelled frame', '1')
    .action(async (options: { live: string; step: string }) => {
      const step = Number(options.step);
      if (!Number.isInteger(step) || step < 1)
        throw new CliError('invalid-argument', '--step must be a whole number of at least 1');
      if (!fs.existsSync(options.live)) throw new CliError('not-found', `${options.live} does not exist`);
      const settings = config();
      const registry = new ModelRegistryService(settings, new FileStoreAdapter(), new CryptoAdapter());
      await registry.onModuleInit();
      const onnx = new OnnxAdapter({ device: 'cpu', intraOpNumThreads: 1, workers: 1 });
      const { ServerFaceAnalyzer, analyseLabelledFrames, formatFaceAnalysisReport } = loadFaceAnalysis();
      try {
        const analyzer = await ServerFaceAnalyzer.fromRegistry(registry, onnx);
        const { frames, timings } = await analyseLabelledFrames(
          analyzer,
          new JpegAdapter(),
          path.resolve(options.live),
          step,
        );
        process.stdout.write(`${formatFaceAnalysisReport(frames, timings)}\n`);
      } finally {
        await onnx.release();
      }
    });
  return command;
}
