/**
 * The peer's half of a liveness review (docs/ledger.md, "Liveness reviews"): opens the frames sealed for
 * this peer, and judges them with the service's own verifier (StepAnalyser and the attempt verdict) running
 * the models this peer fetched through the swarm and checked against the signed manifest. The frames live
 * in this call's memory only: never written to disk, never logged.
 */
import { JpegAdapter } from '../../adapters/jpeg.adapter';
import { ServerFaceAnalyzer } from '../../liveness/analysis/server-face-analyzer';
import { StepAnalyser } from '../../liveness/analysis/step-analyser';
import { OnnxLivenessRunner } from '../../liveness/onnx-liveness-runner';
import { reviewAttempt } from '../../liveness/review/review-attempt';
import { FACE_ANALYSIS_MODEL_IDS } from '../../liveness/review/review-models';
import type { LivenessReviewEvidence } from '../../protocol/liveness-review';
import { REVIEW_FAIL, REVIEW_PASS, reviewContext, sealedAttemptSchema } from '../../protocol/liveness-review';
import type { Verdict } from '../../protocol/peer-protocol';
import type { ModelRunners } from './model-runners';
import type { PeerIdentity } from './peer-identity';

/** What the protocol lets a verdict carry. */
const MAX_REASONS = 16;

export class LivenessReviewer {
  private analyzer: Promise<ServerFaceAnalyzer> | undefined;
  private readonly jpeg = new JpegAdapter();

  constructor(
    private readonly runners: ModelRunners,
    private readonly identity: Pick<PeerIdentity, 'open'>,
  ) {}

  /** Whether every face-analysis model is held, so reviews can be judged here. */
  ready(): boolean {
    return FACE_ANALYSIS_MODEL_IDS.every((id) => this.runners.model(id) !== undefined);
  }

  /**
   * Loads the face analysis and the passive models ahead of the first review, so that one is not slower
   * than the rest (their sessions would otherwise be created inside the first commit window).
   */
  async warm(): Promise<void> {
    await this.faceAnalyzer();
    await this.passiveRunner().loadAll();
  }

  /** Throws SealedBoxError (not sealed for this peer), a ZodError or ReviewEvidenceError (malformed). */
  async review(jobId: string, evidence: LivenessReviewEvidence, models: readonly string[]): Promise<Verdict> {
    const plaintext = this.identity.open(evidence.sealed, reviewContext(jobId));
    const attempt = sealedAttemptSchema.parse(JSON.parse(plaintext.toString('utf8')));
    const { enabled, ...config } = evidence.passive;
    const analyser = new StepAnalyser(this.jpeg, await this.faceAnalyzer(), this.passiveRunner(), {
      enabled,
      config,
    });
    const verdict = await reviewAttempt(analyser, attempt, evidence);
    const judged: Verdict = { score: verdict.passed ? REVIEW_PASS : REVIEW_FAIL, models: [...models] };
    if (verdict.reasons.length > 0) judged.reasons = verdict.reasons.slice(0, MAX_REASONS);
    return judged;
  }

  /** The passive models this peer holds, run through its onnxruntime (sessions are created once). */
  private passiveRunner(): OnnxLivenessRunner {
    return new OnnxLivenessRunner(this.runners.onnx, (id) => {
      const held = this.runners.model(id);
      return held && { descriptor: held.descriptor, file: { bytes: held.bytes } };
    });
  }

  private faceAnalyzer(): Promise<ServerFaceAnalyzer> {
    this.analyzer ??= ServerFaceAnalyzer.fromBytes((id) => {
      const held = this.runners.model(id);
      if (!held) throw new Error(`model ${id} is not held here`);
      return held.bytes;
    }, this.runners.onnx).catch((error: unknown) => {
      this.analyzer = undefined;
      throw error;
    });
    return this.analyzer;
  }
}
