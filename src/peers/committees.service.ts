import { Inject, Injectable, Logger } from '@nestjs/common';
import { DomainError } from '../common/domain-error';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { LedgerService } from '../ledger/ledger.service';
import type { AggregationPolicy, RevealedVerdict, ServiceSeat, StakedPeer } from '../protocol/committee';
import { aggregate, drawCommittee, serviceSeat, settleCanary } from '../protocol/committee';
import type { LedgerEntryBody } from '../protocol/ledger-entry';
import { slashable } from '../protocol/ledger-entry';
import type { JobAssignmentEntity, JobEntity, JobResult } from './job.entity';
import { jobTolerance } from './job-result';
import { PeersService } from './peers.service';
import { SampleJudge } from './sample-judge.service';

/** How a new job's committee was chosen: drawn by stake from a signed head, or open while nobody has stake. */
export type CommitteeChoice =
  | {
      kind: 'drawn';
      headSize: number;
      headRoot: string;
      candidates: string[];
      members: StakedPeer[];
      service: ServiceSeat | null;
    }
  | { kind: 'open'; members: string[]; headSize: number; headRoot: string }
  | { kind: 'none' };

/** Retries of a settlement whose slashes a concurrent unbond-and-withdraw made too large. */
const SETTLE_ATTEMPTS = 3;

/**
 * Committees from the ledger: the stake-weighted draw when a job is created, and the committee's verdict,
 * rewards and slashes appended to the ledger when it is final (docs/ledger.md, "Committees and verdicts").
 */
@Injectable()
export class CommitteesService {
  private readonly logger = new Logger('jobs');

  constructor(
    private readonly ledger: LedgerService,
    private readonly peers: PeersService,
    private readonly judge: SampleJudge,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Draws k = PEER_COMMITTEE_SIZE members among present peers holding `models` with at least the minimum
   * stake, seeded by the job id and the current signed head; with fewer than k eligible, the service sits too,
   * with `localScore` (its own verdict on the job; none, no seat). While no peer in the ledger has the minimum
   * stake (a new deployment), any present peers are taken instead, as before staking existed.
   */
  async choose(jobId: string, models: readonly string[], localScore: number | null): Promise<CommitteeChoice> {
    const { committeeSize } = this.config.peers;
    const { minStake } = this.config.ledger;
    const present = await this.peers.present(models);
    const { head, balances } = await this.ledger.snapshot(present);
    const staked = present
      .map((peer) => ({ peer, stake: balances.get(peer)?.staked ?? 0 }))
      .filter((candidate) => candidate.stake >= minStake);
    if (staked.length > 0) {
      const members = drawCommittee(staked, committeeSize, jobId, head.root);
      const candidates = staked.map((candidate) => candidate.peer).sort();
      const seated = this.config.peers.serviceSeat && localScore !== null;
      const service = seated ? serviceSeat(candidates.length, members, committeeSize, localScore) : null;
      return { kind: 'drawn', headSize: head.size, headRoot: head.root, candidates, members, service };
    }
    if (present.length > 0 && !(await this.ledger.anyStakeOf(minStake))) {
      const members = await this.peers.pickActive(models, new Set(), committeeSize);
      return { kind: 'open', members, headSize: head.size, headRoot: head.root };
    }
    return { kind: 'none' };
  }

  /**
   * Aggregates a drawn committee's reveals, with the service seat's verdict if it sat, and appends `verdict`,
   * `reward` and `slash` entries for the job's peers (never for the service, which holds no stake), once: the
   * append carries the key `job:<id>`, so a finalization retried after a crash appends nothing.
   */
  async settle(job: JobEntity, assignments: readonly JobAssignmentEntity[]): Promise<JobResult> {
    const members = job.committee!.members;
    const stakeOf = new Map(members.map((member) => [member.peer, member.stake]));
    // In draw order, so the entries appended do not depend on the order the database returns rows in.
    const revealed = members
      .map((member) => assignments.find((a) => a.peerId === member.peer))
      .filter((a): a is JobAssignmentEntity => a !== undefined && a.status === 'revealed' && a.verdict !== null);
    const verdicts: RevealedVerdict[] = revealed.map((a) => ({
      peer: a.peerId,
      stake: stakeOf.get(a.peerId)!,
      score: a.verdict!.score,
    }));
    const tolerance = jobTolerance(job.evidence);
    const truth = job.canary ? job.canary.truth : await this.disputedTruth(job, verdicts, tolerance);
    const outcome =
      truth !== null
        ? settleCanary(
            members,
            verdicts,
            truth,
            this.policy(tolerance),
            job.canary ? 'canary' : 'recomputed',
            job.committee!.service ?? null,
          )
        : aggregate(members, verdicts, this.policy(tolerance), job.committee!.service ?? null);
    const entries: LedgerEntryBody[] = [
      ...revealed.map((a) => ({
        kind: 'verdict' as const,
        peer: a.peerId,
        job: job.id,
        data: { score: a.verdict!.score, models: a.verdict!.models },
      })),
      ...outcome.rewards.map((reward) => ({
        kind: 'reward' as const,
        peer: reward.peer,
        amount: reward.amount,
        job: job.id,
      })),
    ];
    await this.appendOnce(job.id, entries, outcome.slashes);
    const committed = assignments.filter((a) => ['committed', 'revealed', 'missed-reveal'].includes(a.status));
    return {
      score: outcome.score,
      agreeing: outcome.score === null ? [] : agreeingPeers(verdicts, outcome.score, tolerance),
      assigned: assignments.length,
      committed: committed.length,
      revealed: revealed.length,
      consensus: { source: outcome.quorum ? 'committee' : 'local', agreeingStake: outcome.agreeingShare },
    };
  }

  /**
   * When revealed scores disagree, a vote could let a colluding majority outvote an honest member; but an
   * audit's score is a fact anyone holding the model can check, so the service recomputes the common sample
   * and settles against that (null: no dispute, or not an audit, and the vote stands). A failed recompute
   * leaves the vote, as before.
   */
  private async disputedTruth(job: JobEntity, verdicts: RevealedVerdict[], tolerance: number): Promise<number | null> {
    const scores = verdicts.map((verdict) => verdict.score);
    if (scores.length === 0 || Math.max(...scores) - Math.min(...scores) <= tolerance) return null;
    try {
      return await this.judge.truth(job.id, job.evidence);
    } catch (error) {
      this.logger.warn(`job ${job.id}: could not recompute the disputed sample: ${(error as Error).message}`);
      return null;
    }
  }

  /**
   * Slashes are capped at what each peer can still lose: stake it unbonded and withdrew after the draw is
   * gone. A withdrawal racing the append can still break the cap, so the caps are read again and retried.
   */
  private async appendOnce(
    jobId: string,
    entries: LedgerEntryBody[],
    slashes: ReadonlyArray<{ peer: string; amount: number; reason: string }>,
  ): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const capped: LedgerEntryBody[] = [];
      for (const slash of slashes) {
        const amount = Math.min(slash.amount, slashable(await this.ledger.balance(slash.peer)));
        if (amount > 0)
          capped.push({ kind: 'slash', peer: slash.peer, amount, job: jobId, data: { reason: slash.reason } });
      }
      try {
        await this.ledger.append([...entries, ...capped], `job:${jobId}`);
        return;
      } catch (error) {
        if (!(error instanceof DomainError) || error.statusCode !== 409 || attempt >= SETTLE_ATTEMPTS) throw error;
        this.logger.warn(`job ${jobId}: settlement refused (${error.code}); retrying with fresh balances`);
      }
    }
  }

  private policy(tolerance: number): AggregationPolicy {
    const { rewardPerJob, outlierSlash, absentSlash } = this.config.ledger;
    return { tolerance, rewardPerJob, outlierSlash, absentSlash };
  }
}

function agreeingPeers(verdicts: readonly RevealedVerdict[], score: number, tolerance: number): string[] {
  return verdicts
    .filter((verdict) => Math.abs(verdict.score - score) <= tolerance)
    .map((verdict) => verdict.peer)
    .sort();
}
