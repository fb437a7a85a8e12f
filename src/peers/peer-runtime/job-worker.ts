/**
 * One job at a time, in two steps: judge the evidence and commit `H(verdict ‖ salt)`; once commits close,
 * reveal the verdict and salt. The verdict is stored before its commitment is sent, so neither a lost
 * answer nor a restart can leave the peer unable to reveal what it committed to.
 */
import { randomBytes } from 'node:crypto';
import { SALT_BYTES, commitmentFor } from '../../protocol/peer-protocol';
import type { PendingJobDto } from '../peers.dto';
import type { LivenessReviewer } from './liveness-reviewer';
import type { ModelRunners } from './model-runners';
import type { PendingVerdicts } from './pending-verdicts';
import type { PeerLog } from './peer-log';
import type { ServiceClient } from './service-client';
import { ServiceError } from './service-client';
import { judge } from './verdicts';

/** Answers meaning the step is over for this job, whatever this peer does: forget it. */
const FINISHED = new Set([
  'commit-deadline-passed',
  'commits-closed',
  'reveal-deadline-passed',
  'not-assigned',
  'job-not-found',
  'not-committed',
]);

export type JobOutcome = 'committed' | 'revealed' | 'skipped' | 'gave-up';

export class JobWorker {
  constructor(
    private readonly client: ServiceClient,
    private readonly runners: ModelRunners,
    private readonly reviewer: LivenessReviewer,
    private readonly pending: PendingVerdicts,
    private readonly log: PeerLog,
  ) {}

  async handle(job: PendingJobDto): Promise<JobOutcome> {
    try {
      return job.phase === 'commit' ? await this.commit(job) : await this.reveal(job);
    } catch (error) {
      if (error instanceof ServiceError && FINISHED.has(error.code)) {
        this.log.warn('job-closed', `job ${job.id}: ${error.code}, dropping it`, { job: job.id, code: error.code });
        this.pending.remove(job.id);
        return 'gave-up';
      }
      throw error;
    }
  }

  private async commit(job: PendingJobDto): Promise<JobOutcome> {
    let stored = this.pending.load(job.id);
    if (!stored) {
      const evidence = await this.client.evidence(job.id);
      const judgement = await judge(evidence, this.runners, this.reviewer);
      if ('skip' in judgement) {
        this.log.warn('job-skipped', `job ${job.id} (${job.kind}): ${judgement.skip}`, { job: job.id });
        return 'skipped';
      }
      const salt = randomBytes(SALT_BYTES).toString('base64url');
      stored = { jobId: job.id, verdict: judgement.verdict, salt, commitment: commitmentFor(judgement.verdict, salt) };
      this.pending.save(stored);
    }
    try {
      await this.client.commit(job.id, stored.commitment);
    } catch (error) {
      // An earlier attempt reached the service but its answer was lost: the stored verdict is the one committed.
      if (!(error instanceof ServiceError && error.code === 'already-committed')) throw error;
    }
    this.log.info('job-committed', `job ${job.id} (${job.kind}): committed to score ${stored.verdict.score}`, {
      job: job.id,
      score: stored.verdict.score,
    });
    return 'committed';
  }

  private async reveal(job: PendingJobDto): Promise<JobOutcome> {
    const stored = this.pending.load(job.id);
    if (!stored) {
      this.log.error('job-unrevealable', `job ${job.id}: no stored verdict to reveal (the data folder lost it)`, {
        job: job.id,
      });
      return 'skipped';
    }
    try {
      await this.client.reveal(job.id, stored.verdict, stored.salt);
    } catch (error) {
      if (!(error instanceof ServiceError && error.code === 'already-revealed')) throw error;
    }
    this.pending.remove(job.id);
    this.log.info('job-revealed', `job ${job.id} (${job.kind}): revealed score ${stored.verdict.score}`, {
      job: job.id,
      score: stored.verdict.score,
    });
    return 'revealed';
  }
}
