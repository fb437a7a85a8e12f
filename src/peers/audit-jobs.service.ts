import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { CryptoAdapter } from '../adapters/crypto.adapter';
import type { ChallengeEntity } from '../challenges/challenge.entity';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { ModelRegistryService } from '../models/model-registry.service';
import type { InferenceAuditEvidence } from '../protocol/inference-audit';
import { MIN_CANARY_FAULTS, plantFaults } from '../protocol/canary';
import { AUDIT_SAMPLE_SIZE, INFERENCE_AUDIT_KIND, auditIndices } from '../protocol/inference-audit';
import type { WireOutput } from '../protocol/inference-task';
import { BLAZEFACE_OUTPUT_FORMAT, roundScore } from '../protocol/inference-task';
import { SampleJudge } from './sample-judge.service';
import { JobEntity } from './job.entity';
import { JobLifecycleService } from './job-lifecycle.service';
import type { JobPin } from './job-lifecycle.service';

export type AuditedChallenge = Pick<
  ChallengeEntity,
  'id' | 'modelId' | 'modelSha256' | 'seed' | 'inputCount' | 'tolerance'
>;

const SAMPLE_RESOLUTION = 1_000_000;

/** Turns solved proof-of-inference challenges into `inference-audit` jobs for the verifier peers. */
@Injectable()
export class AuditJobsService {
  private readonly logger = new Logger('jobs');

  constructor(
    @InjectRepository(JobEntity) private readonly jobs: Repository<JobEntity>,
    private readonly lifecycle: JobLifecycleService,
    private readonly registry: ModelRegistryService,
    private readonly judge: SampleJudge,
    private readonly crypto: CryptoAdapter,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Creates an audit of a solved challenge for a PEER_AUDIT_RATE share of solutions (`always`: of every one,
   * for a site that has its compute passes reviewed), when peers holding the model are present. The outputs
   * live with the job, not the challenge. Never throws: an audit is extra assurance, and its failure must
   * not fail the visitor who solved the challenge.
   */
  async createAudit(
    challenge: AuditedChallenge,
    outputs: readonly WireOutput[],
    { always = false }: { always?: boolean } = {},
  ): Promise<string | null> {
    if (!always && !this.sampled(this.config.peers.auditRate)) return null;
    // A canary takes the place of a sampled audit: the solution already passed the service's own check. A
    // reviewed site's audit is the one siteverify may wait for, so it is never replaced.
    if (!always && this.sampled(this.config.peers.canaryRate)) return this.createCanary(challenge, outputs);
    try {
      const evidence = this.evidenceOf(challenge, outputs);
      if (!evidence) return null;
      const job = await this.lifecycle.create({
        kind: INFERENCE_AUDIT_KIND,
        subject: challenge.id,
        models: [challenge.modelSha256],
        evidence: (pin) => ({ evidence: evidence(pin) }),
        // Audits are only created for solutions the service's own check passed.
        localScore: 1,
      });
      return job?.id ?? null;
    } catch (error) {
      this.logger.warn(`could not create an audit job for challenge ${challenge.id}: ${(error as Error).message}`);
      return null;
    }
  }

  /**
   * A canary (docs/ledger.md, "Canaries"): the same solution as an audit would carry, with 2 to 16 outputs of
   * the committee's sample changed by the service. The service recomputes the rest of the sample itself, so
   * it knows the score an honest peer reaches exactly, whatever the visitor faked. Its seat votes 1 and its
   * subject never reaches a peer, as on any audit. Never throws, like createAudit.
   */
  async createCanary(challenge: AuditedChallenge, outputs: readonly WireOutput[]): Promise<string | null> {
    try {
      const evidence = this.evidenceOf(challenge, outputs);
      if (!evidence) return null;
      const job = await this.lifecycle.create({
        kind: INFERENCE_AUDIT_KIND,
        subject: `canary:${challenge.id}`,
        models: [challenge.modelSha256],
        evidence: async (pin) => {
          const plain = evidence(pin);
          const sample = auditIndices(pin.id, plain);
          const count = this.crypto.randomInt(Math.min(MIN_CANARY_FAULTS, sample.length), sample.length + 1);
          const planted = plantFaults(plain.outputs, sample, count, (min, max) => this.crypto.randomInt(min, max));
          const kept = sample.filter((index) => !planted.faulted.includes(index));
          const reproduced = await this.judge.reproduced(plain, kept);
          const truth = roundScore(reproduced / sample.length);
          return { evidence: { ...plain, outputs: planted.outputs }, canary: { truth, faulted: planted.faulted } };
        },
        localScore: 1,
      });
      return job?.id ?? null;
    } catch (error) {
      this.logger.warn(`could not create a canary for challenge ${challenge.id}: ${(error as Error).message}`);
      return null;
    }
  }

  private evidenceOf(challenge: AuditedChallenge, outputs: readonly WireOutput[]) {
    const model = this.registry.find(challenge.modelId);
    if (!model) return null;
    const input = model.descriptor.inputs[0];
    return ({ headSize, headRoot }: JobPin): InferenceAuditEvidence => ({
      modelId: challenge.modelId,
      modelSha256: challenge.modelSha256,
      inputName: input.name,
      inputShape: [...input.shape],
      outputFormat: BLAZEFACE_OUTPUT_FORMAT,
      seed: challenge.seed,
      tolerance: challenge.tolerance,
      count: challenge.inputCount,
      outputs: outputs.map(([anchor, score]) => [anchor, score]),
      sample: { headSize, headRoot, size: Math.min(AUDIT_SAMPLE_SIZE, challenge.inputCount) },
    });
  }

  private sampled(rate: number): boolean {
    if (rate <= 0) return false;
    return rate >= 1 || this.crypto.randomInt(0, SAMPLE_RESOLUTION) < rate * SAMPLE_RESOLUTION;
  }
}
