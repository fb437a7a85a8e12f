/**
 * Committees and their verdicts, specified so anyone holding the ledger can recompute both (docs/ledger.md).
 *
 * Draw: stake-weighted sampling without replacement. Candidates are the peers with at least the minimum
 * stake, ordered by peer id. Draw i takes r_i = the first 8 bytes of SHA-256(jobId ‖ 0x00 ‖ root ‖ u32be(i))
 * as an unsigned 64-bit integer, target = r_i mod (stake still in the pool), and picks the first remaining
 * candidate whose cumulative stake exceeds the target. All integer arithmetic: no float can differ.
 *
 * Service seat: while few peers are staked, the service's own verifier joins the committee (serviceSeat).
 */
import { createHash } from 'node:crypto';

export interface StakedPeer {
  peer: string;
  stake: number;
}

export interface RevealedVerdict extends StakedPeer {
  score: number;
}

export interface AggregationPolicy {
  /** A revealed score within this distance of the median agrees with it. */
  tolerance: number;
  /** Units shared among agreeing peers in proportion to their stake. */
  rewardPerJob: number;
  /** Fraction of stake taken from a peer whose score is an outlier. */
  outlierSlash: number;
  /** Fraction of stake taken from a committee member that did not reveal in time. */
  absentSlash: number;
}

export interface CommitteeOutcome {
  /** Stake-weighted median of the revealed scores; null without any reveal. */
  score: number | null;
  quorum: boolean;
  /** Share of the committee's stake that revealed a score agreeing with the median. */
  agreeingShare: number;
  rewards: Array<{ peer: string; amount: number }>;
  slashes: Array<{ peer: string; amount: number; reason: SlashReason }>;
}

/** `canary`: a wrong score on a planted job; `recomputed`: a wrong score on a disputed job the service re-ran. */
export type SlashReason = 'outlier' | 'absent' | 'canary' | 'recomputed';

export const QUORUM = 2 / 3;

/** The service's peer id on a committee; real peer ids are Ed25519 keys, so it cannot clash with one. */
export const SERVICE_PEER = 'service';

/** The service's seat on a committee: its weight, and its own local verdict, revealed at once. */
export interface ServiceSeat extends RevealedVerdict {
  peer: typeof SERVICE_PEER;
}

export function drawCommittee(
  candidates: readonly StakedPeer[],
  size: number,
  jobId: string,
  root: string,
): StakedPeer[] {
  const pool = candidates.filter((c) => c.stake > 0).sort((a, b) => (a.peer < b.peer ? -1 : a.peer > b.peer ? 1 : 0));
  const chosen: StakedPeer[] = [];
  for (let draw = 0; draw < size && pool.length > 0; draw++) {
    const total = pool.reduce((sum, c) => sum + BigInt(c.stake), 0n);
    const target = committeeDrawNumber(jobId, root, draw) % total;
    let cumulative = 0n;
    const index = pool.findIndex((c) => (cumulative += BigInt(c.stake)) > target);
    chosen.push(pool.splice(index, 1)[0]);
  }
  return chosen;
}

/**
 * The service sits exactly when the draw found at least one but fewer than `size` eligible peers: early on,
 * a committee of one or two peers would otherwise decide alone. Its weight is half the drawn members' total
 * stake, rounded down, so it breaks ties and adds to quorum but never outvotes the staked members together.
 */
export function serviceSeat(
  eligible: number,
  members: readonly StakedPeer[],
  size: number,
  localScore: number,
): ServiceSeat | null {
  if (eligible < 1 || eligible >= size) return null;
  const stake = Math.floor(members.reduce((sum, member) => sum + member.stake, 0) / 2);
  return { peer: SERVICE_PEER, stake, score: localScore };
}

/**
 * r_i of draw i: the first 8 bytes, big-endian, of SHA-256(jobId ‖ 0x00 ‖ root ‖ u32be(i)), where the job id
 * and the root enter as the UTF-8 bytes of their text (the UUID with hyphens; the root as 64 lowercase hex
 * characters), not as decoded bytes. Vectors: test/fixtures/committee-draw-vectors.json.
 */
export function committeeDrawNumber(jobId: string, root: string, draw: number): bigint {
  const counter = Buffer.alloc(4);
  counter.writeUInt32BE(draw);
  const digest = createHash('sha256').update(jobId).update(Uint8Array.of(0)).update(root).update(counter).digest();
  return digest.readBigUInt64BE(0);
}

/** The score at which the revealed stake, sorted by score, first reaches half of the whole. */
export function weightedMedian(verdicts: readonly RevealedVerdict[]): number | null {
  const sorted = [...verdicts].filter((v) => v.stake > 0).sort((a, b) => a.score - b.score);
  const total = sorted.reduce((sum, v) => sum + v.stake, 0);
  if (total === 0) return null;
  let cumulative = 0;
  for (const verdict of sorted) {
    cumulative += verdict.stake;
    if (cumulative * 2 >= total) return verdict.score;
  }
  return sorted[sorted.length - 1].score;
}

/**
 * Turns a committee's reveals into a verdict, rewards and slashes (after Yuma consensus and Ethereum's
 * slashing): agreeing peers share the reward by stake, outliers lose a fraction of stake, members that
 * never revealed lose a smaller one. Without quorum nobody is rewarded, but absences are still slashed.
 * A service seat counts in the median, the quorum and the agreeing share, but is never rewarded or slashed:
 * the reward goes to the agreeing staked members alone.
 */
export function aggregate(
  committee: readonly StakedPeer[],
  revealed: readonly RevealedVerdict[],
  policy: AggregationPolicy,
  service: ServiceSeat | null = null,
): CommitteeOutcome {
  const seat = service ? [service] : [];
  const committeeStake = sumStake([...committee, ...seat]);
  const revealedStake = sumStake([...revealed, ...seat]);
  const score = weightedMedian([...revealed, ...seat]);
  const quorum = committeeStake > 0 && revealedStake >= QUORUM * committeeStake;
  const agrees = (v: RevealedVerdict) => score !== null && Math.abs(v.score - score) <= policy.tolerance;
  const agreeing = revealed.filter(agrees);
  const agreeingStake = sumStake(agreeing);
  const agreeingShare = committeeStake === 0 ? 0 : sumStake([...agreeing, ...seat.filter(agrees)]) / committeeStake;
  const revealedPeers = new Set(revealed.map((v) => v.peer));

  const slashes: CommitteeOutcome['slashes'] = committee
    .filter((member) => !revealedPeers.has(member.peer))
    .map((member) => ({
      peer: member.peer,
      amount: Math.floor(member.stake * policy.absentSlash),
      reason: 'absent' as const,
    }));
  const rewards: CommitteeOutcome['rewards'] = [];
  if (quorum && score !== null) {
    for (const verdict of revealed) {
      if (Math.abs(verdict.score - score) > policy.tolerance) {
        slashes.push({
          peer: verdict.peer,
          amount: Math.floor(verdict.stake * policy.outlierSlash),
          reason: 'outlier',
        });
      }
    }
    for (const verdict of agreeing) {
      rewards.push({ peer: verdict.peer, amount: Math.floor((policy.rewardPerJob * verdict.stake) / agreeingStake) });
    }
  }
  return {
    score,
    quorum,
    agreeingShare,
    rewards: rewards.filter((r) => r.amount > 0),
    slashes: slashes.filter((s) => s.amount > 0),
  };
}

/**
 * Settlement against a known score: a canary's (the service planted the faults) or a disputed audit's (the
 * service recomputed the common sample), so no vote is needed. Members within `tolerance` of it share the reward by stake; a member that revealed anything else
 * passed a planted fault (or invented one) and loses `outlierSlash` of its stake; absent members lose
 * `absentSlash`, as on any job. The outcome reads as a committee decision with the truth as its score.
 */
export function settleCanary(
  committee: readonly StakedPeer[],
  revealed: readonly RevealedVerdict[],
  truth: number,
  policy: AggregationPolicy,
  reason: 'canary' | 'recomputed' = 'canary',
  service: ServiceSeat | null = null,
): CommitteeOutcome {
  const revealedPeers = new Set(revealed.map((v) => v.peer));
  const isRight = (v: RevealedVerdict) => Math.abs(v.score - truth) <= policy.tolerance;
  const right = revealed.filter(isRight);
  const rightStake = sumStake(right);
  // The seat, if it sat, counts in the share of stake behind the verdict as on any job; it earns nothing.
  const seat = service ? [service] : [];
  const committeeStake = sumStake([...committee, ...seat]);
  const agreeingStake = rightStake + sumStake(seat.filter(isRight));
  const slashes: CommitteeOutcome['slashes'] = [
    ...committee
      .filter((member) => !revealedPeers.has(member.peer))
      .map((member) => ({
        peer: member.peer,
        amount: Math.floor(member.stake * policy.absentSlash),
        reason: 'absent' as const,
      })),
    ...revealed
      .filter((v) => Math.abs(v.score - truth) > policy.tolerance)
      .map((v) => ({ peer: v.peer, amount: Math.floor(v.stake * policy.outlierSlash), reason })),
  ];
  const rewards = right.map((v) => ({
    peer: v.peer,
    amount: Math.floor((policy.rewardPerJob * v.stake) / rightStake),
  }));
  return {
    score: truth,
    quorum: true,
    agreeingShare: committeeStake === 0 ? 0 : agreeingStake / committeeStake,
    rewards: rewards.filter((r) => r.amount > 0),
    slashes: slashes.filter((s) => s.amount > 0),
  };
}

function sumStake(members: readonly StakedPeer[]): number {
  return members.reduce((sum, member) => sum + member.stake, 0);
}
