import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { CryptoAdapter } from '../adapters/crypto.adapter';
import type { ChallengeEntity } from '../challenges/challenge.entity';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { ModelRegistryService } from '../models/model-registry.service';
import type { InferenceAuditEvidence } from '../protocol/inference-audit';
import { AUDIT_SAMPLE_SIZE, INFERENCE_AUDIT_KIND } from '../protocol/inference-audit';
import type { WireOutput } from '../protocol/inference-task';
import { BLAZEFACE_OUTPUT_FORMAT } from '../protocol/inference-task';
import { JobEntity } from './job.entity';
import type { JobConsensus } from './job.entity';
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
    private readonly crypto: CryptoAdapter,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Creates an audit of a solved challenge for a PEER_AUDIT_RATE share of solutions, when peers holding the
   * model are present. The outputs live with the job, not the challenge. Never throws: an audit is extra
   * assurance, and its failure must not fail the visitor who solved the challenge.
   */
  async createAudit(challenge: AuditedChallenge, outputs: readonly WireOutput[]): Promise<string | null> {
    try {
      if (!this.sampled()) return null;
      const model = this.registry.find(challenge.modelId);
      if (!model) return null;
      const input = model.descriptor.inputs[0];
      const evidence = ({ headSize, headRoot }: JobPin): InferenceAuditEvidence => ({
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
      const job = await this.lifecycle.create({
        kind: INFERENCE_AUDIT_KIND,
        subject: challenge.id,
        models: [challenge.modelSha256],
        evidence,
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
   * Whether peers backed the service's verdict on a challenge: null when no audit job exists; `local` (the
   * service's own verdict stands) until a committee with quorum has finalized it.
   */
  async consensusFor(challengeId: string): Promise<JobConsensus | null> {
    const job = await this.jobs.findOne({
      where: { subject: challengeId, kind: INFERENCE_AUDIT_KIND },
      select: { id: true, status: true, result: true },
    });
    if (!job) return null;
    const consensus = job.status === 'final' ? job.result?.consensus : undefined;
    return consensus ?? { source: 'local', agreeingStake: 0 };
  }

  private sampled(): boolean {
    const rate = this.config.peers.auditRate;
    if (rate <= 0) return false;
    return rate >= 1 || this.crypto.randomInt(0, SAMPLE_RESOLUTION) < rate * SAMPLE_RESOLUTION;
  }
}
