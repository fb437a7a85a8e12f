import { Injectable } from '@nestjs/common';
import { ModelRegistryService } from '../models/model-registry.service';
import { ModelRunnerService } from '../models/model-runner.service';
import type { InferenceAuditEvidence } from '../protocol/inference-audit';
import { auditIndices, inferenceAuditEvidenceSchema } from '../protocol/inference-audit';
import { blazefaceScores, deriveInput, roundScore, verifyCompactOutput } from '../protocol/inference-task';

/**
 * The service's own reading of an audit sample: it holds every model a peer holds, so when it needs the right
 * score of a job (a canary it built, or a committee whose members disagree) it recomputes the sample itself
 * rather than trusting a vote. At most one sample (16 inferences) per job.
 */
@Injectable()
export class SampleJudge {
  constructor(
    private readonly registry: ModelRegistryService,
    private readonly runners: ModelRunnerService,
  ) {}

  /** How many of `indices` reproduce with the service's copy of the model. */
  async reproduced(evidence: InferenceAuditEvidence, indices: readonly number[]): Promise<number> {
    const model = this.registry.find(evidence.modelId);
    if (!model || model.descriptor.sha256 !== evidence.modelSha256) throw new Error('model no longer served');
    const runner = await this.runners.runnerFor(evidence.modelId, { transferInputs: true });
    let count = 0;
    for (const index of indices) {
      const scores = blazefaceScores(await runner.run(deriveInput(evidence.seed, index, evidence.inputShape)));
      const [anchor, score] = evidence.outputs[index];
      if (verifyCompactOutput({ anchor, score }, scores, evidence.tolerance).ok) count++;
    }
    return count;
  }

  /** The score an honest member reaches on job `jobId`; null for a job that is not an inference audit. */
  async truth(jobId: string, evidence: Record<string, unknown>): Promise<number | null> {
    const parsed = inferenceAuditEvidenceSchema.safeParse(evidence);
    if (!parsed.success) return null;
    const sample = auditIndices(jobId, parsed.data);
    if (sample.length === 0) return null;
    return roundScore((await this.reproduced(parsed.data, sample)) / sample.length);
  }
}
