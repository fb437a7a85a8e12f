/**
 * Runs every liveness check on one attempt's evidence and combines them into one score with reasons.
 * Plain TypeScript (no Nest), so the service, the evaluation tool and the benchmark share it. Crops live
 * only in this call's memory: nothing here logs or stores them.
 */
import type { JpegAdapter } from '../adapters/jpeg.adapter';
import type { LivenessEvidence } from '../protocol/liveness';
import { deriveLivenessScript, livenessEvidenceSchema } from '../protocol/liveness';
import type { CheckResult } from './check-result';
import { unavailable } from './check-result';
import { checkFaces } from './checks/face.check';
import { checkFlashes } from './checks/flash.check';
import { checkDeepfake, checkPresentation } from './checks/presentation.check';
import { checkPrompts } from './checks/prompts.check';
import { checkStructure } from './checks/structure.check';
import type { LivenessConfig } from './liveness-config';
import type { LivenessModelRunner } from './liveness-models';

export type CheckName = 'structure' | 'face' | 'prompts' | 'flash' | 'presentation' | 'deepfake';

/** Weights of the combined score; an unavailable check drops out and the rest are renormalised. */
export const CHECK_WEIGHTS: Record<Exclude<CheckName, 'structure'>, number> = {
  face: 0.15,
  prompts: 0.25,
  flash: 0.25,
  presentation: 0.3,
  deepfake: 0.05,
};

/** Checks whose failure fails the attempt whatever the other scores (Meso4 only below its own, low bar). */
const REQUIRED: readonly CheckName[] = ['face', 'prompts', 'flash', 'presentation', 'deepfake'];

export interface LivenessVerdict {
  passed: boolean;
  /** 0..1; below half the threshold whenever a required check failed. */
  score: number;
  /** The weighted mean before that cap, for threshold sweeps. */
  rawScore: number;
  /** A required check failed: no threshold lets this attempt pass. */
  vetoed: boolean;
  reasons: string[];
  checks: Record<CheckName, CheckResult>;
}

export class LivenessVerifier {
  constructor(
    private readonly runner: LivenessModelRunner,
    private readonly jpeg: JpegAdapter,
    private readonly config: LivenessConfig,
  ) {}

  /**
   * Verifies untrusted evidence (any JSON value) against the challenge whose nonce is `nonce`, passing at
   * `threshold` (a site's own) or the configured one.
   */
  async verify(input: unknown, nonce: string, threshold = this.config.threshold): Promise<LivenessVerdict> {
    const parsed = livenessEvidenceSchema.safeParse(input);
    if (!parsed.success) return this.rejected(['evidence-malformed']);
    const checks = await this.runChecks(parsed.data, nonce);
    return 'structure' in checks ? this.combine(checks, threshold) : checks.rejected;
  }

  private async runChecks(
    evidence: LivenessEvidence,
    nonce: string,
  ): Promise<Record<CheckName, CheckResult> | { rejected: LivenessVerdict }> {
    // The script comes from the challenge's nonce, never from the evidence: replayed evidence of another
    // challenge is judged against prompts and flashes it never saw.
    const script = deriveLivenessScript(nonce);
    const structure = checkStructure(evidence, script, nonce, this.jpeg);
    if (structure.result.status === 'fail') {
      return { rejected: this.rejected(structure.result.reasons, structure.result) };
    }

    const { crops } = evidence;
    const face = await checkFaces(this.runner, crops, structure.images, this.config.faceMinIou);
    // Without the server's detector the client's boxes are all there is: the face check says so.
    const boxes =
      face.result.status === 'unavailable'
        ? crops.map((crop, i) => pixelBox(crop.box, structure.images[i]))
        : face.faces;
    const passive = this.config.passiveChecks;
    return {
      structure: structure.result,
      face: face.result,
      prompts: checkPrompts(evidence.frames, script),
      flash: checkFlashes(crops, structure.images, boxes, script, this.config.flashMinCorrelation),
      presentation: passive
        ? await checkPresentation(this.runner, structure.images, boxes, this.config.antiSpoofMin)
        : unavailable('passive-checks-disabled'),
      deepfake: passive
        ? await checkDeepfake(this.runner, structure.images, boxes, this.config.deepfakeMin)
        : unavailable('passive-checks-disabled'),
    };
  }

  private combine(checks: Record<CheckName, CheckResult>, threshold: number): LivenessVerdict {
    let weighted = 0;
    let total = 0;
    for (const [name, weight] of Object.entries(CHECK_WEIGHTS) as [keyof typeof CHECK_WEIGHTS, number][]) {
      const score = checks[name].score;
      if (score === null) continue;
      weighted += weight * score;
      total += weight;
    }
    const rawScore = total > 0 ? weighted / total : 0;
    const failed = REQUIRED.filter((name) => checks[name].status === 'fail');
    const score = failed.length > 0 ? Math.min(rawScore, threshold / 2) : rawScore;
    const reasons = [...new Set(Object.values(checks).flatMap((check) => check.reasons))];
    if (total === 0) reasons.push('no-check-could-judge');
    const passed = total > 0 && failed.length === 0 && score >= threshold;
    if (!passed && failed.length === 0 && total > 0) reasons.push('score-below-threshold');
    return { passed, score, rawScore, vetoed: failed.length > 0 || total === 0, reasons, checks };
  }

  private rejected(reasons: string[], structure?: CheckResult): LivenessVerdict {
    const skipped = unavailable('structure-failed');
    return {
      passed: false,
      score: 0,
      rawScore: 0,
      vetoed: true,
      reasons,
      checks: {
        structure: structure ?? { score: 0, status: 'fail', reasons },
        face: skipped,
        prompts: skipped,
        flash: skipped,
        presentation: skipped,
        deepfake: skipped,
      },
    };
  }
}

function pixelBox(box: { x: number; y: number; w: number; h: number }, image: { width: number; height: number }) {
  return { x: box.x * image.width, y: box.y * image.height, w: box.w * image.width, h: box.h * image.height };
}
