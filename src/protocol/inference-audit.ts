/**
 * Inference audits: verifier peers re-check a solved proof-of-inference challenge with their own copy of the
 * model. The job's evidence is the task, the visitor's outputs and the seed of the committee's common sample
 * (audit-sample.ts); the verdict's score is the fraction of that sample the peer reproduced within the task's
 * tolerance (docs/peers.md, "Jobs").
 */
import { z } from 'zod';
import type { InferenceTask } from './inference-task';
import { BLAZEFACE_OUTPUT_FORMAT, roundScore, verifyCompactOutput } from './inference-task';
import type { InferenceRunner } from './reference-solver';
import { recomputeScores } from './reference-solver';
import { AUDIT_SAMPLE_SIZE, auditSample } from './audit-sample';

export const INFERENCE_AUDIT_KIND = 'inference-audit';
export { AUDIT_SAMPLE_SIZE };
const MAX_REASONS = 3;

export const auditSampleSeedSchema = z.strictObject({
  headSize: z.number().int().min(0),
  headRoot: z.string().regex(/^[0-9a-f]{64}$/),
  size: z.number().int().min(1).max(AUDIT_SAMPLE_SIZE),
});

export const inferenceAuditEvidenceSchema = z
  .strictObject({
    modelId: z.string().min(1).max(64),
    modelSha256: z.string().regex(/^[0-9a-f]{64}$/),
    inputName: z.string().min(1).max(200),
    inputShape: z.array(z.number().int().min(1)).min(1).max(8),
    outputFormat: z.literal(BLAZEFACE_OUTPUT_FORMAT),
    seed: z.string().min(1).max(64),
    tolerance: z.number().min(0).max(1),
    count: z.number().int().min(1).max(4096),
    outputs: z.array(z.tuple([z.number(), z.number()])).max(4096),
    sample: auditSampleSeedSchema,
  })
  .refine((evidence) => evidence.outputs.length === evidence.count, 'outputs must hold count pairs');
export type InferenceAuditEvidence = z.infer<typeof inferenceAuditEvidenceSchema>;

export interface AuditOutcome {
  /** Fraction of the sampled outputs reproduced, rounded to 4 decimals. */
  score: number;
  /** The first few outputs that did not reproduce, and why. */
  reasons: string[];
}

/** The outputs every member of job `jobId`'s committee recomputes (audit-sample.ts). */
export function auditIndices(jobId: string, evidence: Pick<InferenceAuditEvidence, 'count' | 'sample'>): number[] {
  return auditSample(jobId, evidence.sample.headRoot, evidence.count, evidence.sample.size);
}

/** Recomputes the given outputs with `runner` (the model named by the evidence) and scores the agreement. */
export async function auditInference(
  evidence: InferenceAuditEvidence,
  runner: InferenceRunner,
  indices: readonly number[],
): Promise<AuditOutcome> {
  const task: InferenceTask = {
    modelId: evidence.modelId,
    modelSha256: evidence.modelSha256,
    seed: evidence.seed,
    count: evidence.count,
    inputName: evidence.inputName,
    inputShape: evidence.inputShape,
    outputFormat: evidence.outputFormat,
    tolerance: evidence.tolerance,
  };
  const reasons: string[] = [];
  let reproduced = 0;
  for (const index of indices) {
    const [anchor, score] = evidence.outputs[index];
    const result = verifyCompactOutput({ anchor, score }, await recomputeScores(task, index, runner), task.tolerance);
    if (result.ok) reproduced++;
    else if (reasons.length < MAX_REASONS) reasons.push(`output ${index}: ${result.reason}`);
  }
  return { score: indices.length === 0 ? 0 : roundScore(reproduced / indices.length), reasons };
}
