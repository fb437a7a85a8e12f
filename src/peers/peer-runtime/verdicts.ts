/**
 * How the peer judges a job's evidence, by job kind. A job this peer cannot judge (unknown kind, a model it
 * does not hold, malformed evidence) gets no verdict: it is better to miss a deadline, and be replaced,
 * than to commit to a guess.
 */
import {
  INFERENCE_AUDIT_KIND,
  auditIndices,
  auditInference,
  inferenceAuditEvidenceSchema,
} from '../../protocol/inference-audit';
import type { Verdict } from '../../protocol/peer-protocol';
import type { EvidenceDto } from '../peers.dto';
import type { ModelRunners } from './model-runners';

export type Judgement = { verdict: Verdict } | { skip: string };

export async function judge(job: EvidenceDto, runners: ModelRunners): Promise<Judgement> {
  if (job.kind !== INFERENCE_AUDIT_KIND) return { skip: `unknown job kind ${job.kind}` };
  const parsed = inferenceAuditEvidenceSchema.safeParse(job.evidence);
  if (!parsed.success) return { skip: `malformed evidence: ${parsed.error.issues[0]?.message}` };
  const evidence = parsed.data;
  if (!runners.holds(evidence.modelSha256)) return { skip: `model ${evidence.modelSha256} is not held here` };
  const runner = runners.runner(evidence.modelSha256, evidence.inputName, evidence.inputShape);
  // The committee's common sample, from the job id and the tree head the job was pinned to: honest members
  // check the same outputs and reach the same score.
  const indices = auditIndices(job.id, evidence);
  const outcome = await auditInference(evidence, runner, indices);
  const verdict: Verdict = { score: outcome.score, models: [evidence.modelSha256] };
  if (outcome.reasons.length > 0) verdict.reasons = outcome.reasons;
  return { verdict };
}
