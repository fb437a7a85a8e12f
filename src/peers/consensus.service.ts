import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { setTimeout as sleep } from 'node:timers/promises';
import { Repository } from 'typeorm';
import { LIVENESS_REVIEW_KIND, REVIEW_PASS } from '../protocol/liveness-review';
import { JobEntity } from './job.entity';
import type { JobConsensus } from './job.entity';
import { jobTolerance } from './job-result';

/** The longest siteverify may hold a call for a committee (siteverify's `consensus_wait`). */
export const MAX_CONSENSUS_WAIT_SECONDS = 15;
const POLL_MS = 100;
const LOCAL: JobConsensus = { source: 'local', agreeingStake: 0 };

export interface SubjectConsensus {
  consensus: JobConsensus;
  /** A committee with quorum concluded against the service's pass. */
  rejected: boolean;
}

/**
 * What verifier peers concluded about a job's subject (an audited challenge, a reviewed attempt), for
 * siteverify: `local` while the service's own verdict stands, `committee` once a committee with quorum
 * finalized the job. Waiting reads the database, so it sees a job finalized on any instance.
 */
@Injectable()
export class ConsensusService {
  constructor(@InjectRepository(JobEntity) private readonly jobs: Repository<JobEntity>) {}

  /** Null when no job of `kind` exists for `subject`; else its consensus, after waiting up to `waitMs`. */
  async of(subject: string, kind: string, waitMs = 0): Promise<SubjectConsensus | null> {
    const deadline = performance.now() + Math.min(waitMs, MAX_CONSENSUS_WAIT_SECONDS * 1000);
    for (;;) {
      const job = await this.jobs.findOne({
        where: { subject, kind },
        select: { id: true, kind: true, status: true, result: true, evidence: kind !== LIVENESS_REVIEW_KIND },
        order: { createdAt: 'DESC' },
      });
      if (!job) return null;
      if (job.status === 'final') {
        // An open committee (no stake anywhere yet) settles nothing: the service's verdict stands.
        const consensus = job.result?.consensus ?? LOCAL;
        return { consensus, rejected: consensus.source === 'committee' && rejects(job) };
      }
      const left = deadline - performance.now();
      if (left <= 0) return { consensus: LOCAL, rejected: false };
      await sleep(Math.min(POLL_MS, left));
    }
  }
}

/**
 * Whether the committee's score contradicts a pass: a review's verdict is binary; an audit's score is the
 * share of its sample that reproduced, and an honest solution reproduces all of it (within one output).
 */
function rejects(job: Pick<JobEntity, 'kind' | 'result' | 'evidence'>): boolean {
  const score = job.result?.score;
  if (score === null || score === undefined) return false;
  if (job.kind === LIVENESS_REVIEW_KIND) return score < REVIEW_PASS;
  return score < 1 - jobTolerance(job.evidence ?? {});
}
