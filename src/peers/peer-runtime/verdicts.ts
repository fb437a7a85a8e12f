/**
 * How the peer judges a job's evidence, by job kind. A job this peer cannot judge (unknown kind, a model it
 * does not hold, malformed evidence, a box not sealed for it) gets no verdict: it is better to miss a
 * deadline, and be replaced or counted absent, than to commit to a guess.
 */
import {
  INFERENCE_AUDIT_KIND,
  auditIndices,
  auditInference,
  inferenceAuditEvidenceSchema,
} from '../../protocol/inference-audit';
import { LIVENESS_REVIEW_KIND, livenessReviewEvidenceSchema } from '../../protocol/liveness-review';
import type { Verdict } from '../../protocol/peer-protocol';
import type { EvidenceDto } from '../peers.dto';
import type { LivenessReviewer } from './liveness-reviewer';
import type { ModelRunners } from './model-runners';

export type Judgement = { verdict: Verdict } | { skip: string };

export async function judge(job: EvidenceDto, runners: ModelRunners, reviewer: LivenessReviewer): Promise<Judgement> {
  const missing = job.models.find((sha) => !runners.holds(sha));
  if (missing) return { skip: `model ${missing} is not held here` };
  if (job.kind === INFERENCE_AUDIT_KIND) return judgeAudit(job, runners);
  if (job.kind === LIVENESS_REVIEW_KIND) return judgeReview(job, reviewer);
  return { skip: `unknown job kind ${job.kind}` };
}

async function judgeAudit(job: EvidenceDto, runners: ModelRunners): Promise<Judgement> {
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

async function judgeReview(job: EvidenceDto, reviewer: LivenessReviewer): Promise<Judgement> {
  const parsed = livenessReviewEvidenceSchema.safeParse(job.evidence);
  if (!parsed.success) return { skip: `malformed evidence: ${parsed.error.issues[0]?.message}` };
  if (!reviewer.ready()) return { skip: 'the face-analysis models are not all held here' };
  try {
    return { verdict: await reviewer.review(job.id, parsed.data, job.models) };
  } catch (error) {
    // The message names what failed (a box not sealed for this key, a malformed step), never a frame.
    return { skip: `review not judged: ${(error as Error).message.slice(0, 200)}` };
  }
}
