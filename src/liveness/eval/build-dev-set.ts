/**
 * Builds a labelled development and test set from real face photos (docs/liveness.md, "Evaluation").
 * The split is by source photo: no photo lends faces to both halves, so thresholds chosen on `dev` are
 * judged on faces they never saw. Every sample is a folder of crops and a summary JSON; the spoof photos
 * also go in as single images for the passive model.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { JpegAdapter } from '../../adapters/jpeg.adapter';
import { deriveLivenessScript } from '../../protocol/liveness';
import { Xoshiro128StarStar } from '../../protocol/prng';
import type { LivenessModelRunner } from '../liveness-models';
import { detectFaces } from '../liveness-models';
import { SUMMARY_FILE } from './evaluate';
import type { SynthesisOptions } from './synthesise';
import { synthEvidence } from './synthesise';

export interface SplitSources {
  /** Photos of live people: live attempts, and the faces of print, replay and colour-edit attacks. */
  live: string[];
  /** Photos of presentation attacks (a printed photo, a screen replay), lit to follow the flashes. */
  spoof: string[];
  /** Face-swap frames, lit to follow the flashes. */
  deepfake: string[];
}

export const DEFAULT_SPLITS: Record<'dev' | 'test', SplitSources> = {
  dev: { live: ['image_T1.jpg', 'mesonet_real00240.jpg'], spoof: ['image_F1.jpg'], deepfake: ['mesonet_df00204.jpg'] },
  test: {
    live: ['image_T2_small.jpg', 'astronaut.jpg', 'mesonet_real00772.jpg'],
    spoof: ['image_F2.jpg'],
    deepfake: ['mesonet_df01254.jpg'],
  },
};

/** Attack types built from a live photo, each changing one thing of a live attempt. */
const FROM_LIVE: Record<string, (other: ReturnType<typeof deriveLivenessScript>) => SynthesisOptions> = {
  live: () => ({}),
  // A photo held up to the camera while a script injects perfect landmark summaries: no reflectance.
  print: () => ({ flashesFrom: null, warp: true }),
  // Another session's recording: its prompts and its flashes, not this challenge's.
  replay: (other) => ({ promptsFrom: other, flashesFrom: other }),
  // Crops edited to follow this challenge's flashes, the colour laid over the whole picture.
  'colour-edit': () => ({ tint: 'paint', strength: 0.12 }),
};

export interface BuildOptions {
  facesDir: string;
  outDir: string;
  /** Attempts per source photo and attack type. */
  perSource: number;
  splits?: Record<string, SplitSources>;
}

export async function buildDevSet(
  runner: LivenessModelRunner,
  jpeg: JpegAdapter,
  options: BuildOptions,
): Promise<Record<string, Record<string, number>>> {
  const counts: Record<string, Record<string, number>> = {};
  let serial = 0;
  const nextNonce = () => {
    // Deterministic nonces: the same command builds the same set.
    const rng = Xoshiro128StarStar.forInput('5eed5eed5eed5eed5eed5eed5eed5eed', serial++);
    return [0, 1, 2, 3].map(() => rng.nextUint32().toString(16).padStart(8, '0')).join('');
  };
  for (const [split, sources] of Object.entries(options.splits ?? DEFAULT_SPLITS)) {
    const tally: Record<string, number> = {};
    counts[split] = tally;
    const write = (label: string, name: string, challengeNonce: string, evidence: ReturnType<typeof synthEvidence>) => {
      const dir = path.join(options.outDir, split, label, name);
      fs.mkdirSync(dir, { recursive: true });
      const crops = evidence.crops.map(({ jpeg: data, ...crop }, i) => {
        const file = `crop-${i}.jpg`;
        fs.writeFileSync(path.join(dir, file), Buffer.from(data, 'base64'));
        return { ...crop, file };
      });
      fs.writeFileSync(
        path.join(dir, SUMMARY_FILE),
        JSON.stringify({ challengeNonce, evidence: { ...evidence, crops } }, null, 1),
      );
      tally[label] = (tally[label] ?? 0) + 1;
    };
    const load = async (file: string) => {
      const image = jpeg.decode(fs.readFileSync(path.join(options.facesDir, file)));
      const [face] = await detectFaces(runner, image);
      if (!face) throw new Error(`no face found in ${file}`);
      return { image, face, stem: file.replace(/\.jpe?g$/i, '') };
    };
    for (const file of sources.live) {
      const { image, face, stem } = await load(file);
      for (const [label, optionsFor] of Object.entries(FROM_LIVE)) {
        for (let i = 0; i < options.perSource; i++) {
          const nonce = nextNonce();
          const other = deriveLivenessScript(nextNonce());
          write(label, `${stem}-${i}`, nonce, synthEvidence(jpeg, image, face, nonce, optionsFor(other)));
        }
      }
    }
    for (const [label, files] of [
      ['spoof-photo', sources.spoof],
      ['deepfake', sources.deepfake],
    ] as const) {
      for (const file of files) {
        const { image, face, stem } = await load(file);
        for (let i = 0; i < options.perSource; i++) {
          const nonce = nextNonce();
          write(label, `${stem}-${i}`, nonce, synthEvidence(jpeg, image, face, nonce));
        }
        if (label === 'spoof-photo') {
          fs.copyFileSync(path.join(options.facesDir, file), path.join(options.outDir, split, label, file));
          tally[label]++;
        }
      }
    }
  }
  return counts;
}
