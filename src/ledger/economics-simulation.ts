/**
 * The ledger's economics, simulated with the protocol's own functions (committee draw, common audit sample,
 * aggregation, canary settlement): who earns and who loses over N audit jobs, for honest, lazy (never runs
 * the model, always answers 1), colluding (a minority that answers what it expects the majority to say, 1,
 * with one voice) and offline peers, whatever the visitors fake. Used by test/unit/ledger-economics.spec.ts
 * and bench/ledger-economics.bench.mjs; the numbers are in docs/ledger.md.
 */
import { agreementTolerance, auditSample, AUDIT_SAMPLE_SIZE } from '../protocol/audit-sample';
import type { AggregationPolicy, RevealedVerdict, SlashReason, StakedPeer } from '../protocol/committee';
import { aggregate, drawCommittee, serviceSeat, settleCanary } from '../protocol/committee';
import { MIN_CANARY_FAULTS } from '../protocol/canary';
import { Xoshiro128StarStar, deriveStreamState } from '../protocol/prng';

export type PeerKind = 'honest' | 'lazy' | 'colluding' | 'offline';
/** How visitors fake: never, a few outputs of 64 (the hardest to catch), any share, or a mix of all three. */
export type VisitorMix = 'none' | 'few' | 'any' | 'mixed';

export interface SimulationOptions {
  jobs: number;
  /** 32 hex characters. */
  seed: string;
  peers: Record<PeerKind, number>;
  visitors: VisitorMix;
  canaryRate: number;
  stake: number;
  minStake: number;
  committeeSize: number;
  outputs: number;
  spotChecks: number;
  policy: Omit<AggregationPolicy, 'tolerance'>;
}

export const DEFAULT_SIMULATION: Omit<SimulationOptions, 'seed' | 'visitors'> = {
  jobs: 1000,
  peers: { honest: 9, lazy: 1, colluding: 2, offline: 1 },
  canaryRate: 0.1,
  stake: 1000,
  minStake: 100,
  committeeSize: 3,
  outputs: 64,
  spotChecks: 8,
  policy: { rewardPerJob: 10, outlierSlash: 0.1, absentSlash: 0.02 },
};

export interface PeerFlows {
  peer: string;
  kind: PeerKind;
  start: number;
  end: number;
  rewarded: number;
  slashed: Record<SlashReason, number>;
  drawn: number;
}

export interface SimulationResult {
  peers: PeerFlows[];
  jobs: number;
  canaries: number;
  /** Jobs whose sample caught a visitor's fake (the honest score was below 1). */
  caught: number;
  /** Jobs whose members disagreed, settled against the recomputed sample. */
  disputes: number;
}

export function simulateEconomics(options: SimulationOptions): SimulationResult {
  const rng = new Xoshiro128StarStar(deriveStreamState(options.seed, 0));
  const below = (n: number) => Math.floor((rng.nextUint32() / 2 ** 32) * n);
  const hex = (chars: number) => Array.from({ length: chars }, () => below(16).toString(16)).join('');
  const flows: PeerFlows[] = [];
  for (const kind of ['honest', 'lazy', 'colluding', 'offline'] as const) {
    for (let i = 0; i < options.peers[kind]; i++) {
      flows.push({
        peer: `${kind}-${i}`,
        kind,
        start: options.stake,
        end: options.stake,
        rewarded: 0,
        slashed: { outlier: 0, canary: 0, absent: 0, recomputed: 0 },
        drawn: 0,
      });
    }
  }
  const byPeer = new Map(flows.map((flow) => [flow.peer, flow]));
  const sampleSize = Math.min(AUDIT_SAMPLE_SIZE, options.outputs);
  const policy = { ...options.policy, tolerance: agreementTolerance(0.05, sampleSize) };
  const result: SimulationResult = { peers: flows, jobs: 0, canaries: 0, caught: 0, disputes: 0 };

  while (result.jobs < options.jobs) {
    const faked = visitorFakes(options, below);
    // Only solutions the service's own spot checks passed become audit jobs.
    if (spotChecksFind(faked, options, below)) continue;
    result.jobs++;
    const jobId = `${hex(8)}-${hex(4)}-4${hex(3)}-8${hex(3)}-${hex(12)}`;
    const root = hex(64);
    const sample = auditSample(jobId, root, options.outputs, sampleSize);
    const canary = below(1_000_000) < options.canaryRate * 1_000_000;
    let wrong = new Set(sample.filter((index) => faked.has(index)));
    if (canary) {
      result.canaries++;
      const faults = MIN_CANARY_FAULTS + below(sampleSize - MIN_CANARY_FAULTS + 1);
      wrong = new Set([...wrong, ...shuffled(sample, below).slice(0, faults)]);
    }
    const truth = Math.round(((sampleSize - wrong.size) / sampleSize) * 10_000) / 10_000;
    if (!canary && truth < 1) result.caught++;

    const candidates: StakedPeer[] = flows
      .filter((flow) => flow.end >= options.minStake)
      .map((flow) => ({ peer: flow.peer, stake: flow.end }));
    const members = drawCommittee(candidates, options.committeeSize, jobId, root);
    if (members.length === 0) continue;
    const seat = serviceSeat(candidates.length, members, options.committeeSize, 1);
    const revealed: RevealedVerdict[] = [];
    for (const member of members) {
      const flow = byPeer.get(member.peer)!;
      flow.drawn++;
      if (flow.kind === 'offline') continue;
      revealed.push({ ...member, score: flow.kind === 'honest' ? truth : 1 });
    }
    const scores = revealed.map((verdict) => verdict.score);
    const disputed = scores.length > 0 && Math.max(...scores) - Math.min(...scores) > policy.tolerance;
    if (disputed && !canary) result.disputes++;
    const outcome =
      canary || disputed
        ? settleCanary(members, revealed, truth, policy, canary ? 'canary' : 'recomputed')
        : aggregate(members, revealed, policy, seat);
    for (const reward of outcome.rewards) {
      const flow = byPeer.get(reward.peer)!;
      flow.rewarded += reward.amount;
      flow.end += reward.amount;
    }
    for (const slash of outcome.slashes) {
      const flow = byPeer.get(slash.peer)!;
      const amount = Math.min(slash.amount, flow.end);
      flow.slashed[slash.reason] += amount;
      flow.end -= amount;
    }
  }
  return result;
}

function visitorFakes(options: SimulationOptions, below: (n: number) => number): Set<number> {
  const mix = options.visitors === 'mixed' ? (['none', 'few', 'any'] as const)[below(3)] : options.visitors;
  const count = mix === 'none' ? 0 : mix === 'few' ? 1 + below(4) : 1 + below(options.outputs);
  const all = Array.from({ length: options.outputs }, (_, i) => i);
  return new Set(shuffled(all, below).slice(0, count));
}

function spotChecksFind(faked: ReadonlySet<number>, options: SimulationOptions, below: (n: number) => number) {
  const all = Array.from({ length: options.outputs }, (_, i) => i);
  return shuffled(all, below)
    .slice(0, options.spotChecks)
    .some((index) => faked.has(index));
}

function shuffled<T>(items: readonly T[], below: (n: number) => number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = below(i + 1);
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}

/** Sums the flows of each kind of peer: the table in docs/ledger.md. */
export function flowsByKind(results: readonly SimulationResult[]) {
  const table = new Map<
    PeerKind,
    { peers: number; start: number; rewarded: number; slashed: PeerFlows['slashed']; end: number }
  >();
  for (const result of results) {
    for (const flow of result.peers) {
      const row = table.get(flow.kind) ?? {
        peers: 0,
        start: 0,
        rewarded: 0,
        slashed: { outlier: 0, canary: 0, absent: 0, recomputed: 0 },
        end: 0,
      };
      row.peers++;
      row.start += flow.start;
      row.rewarded += flow.rewarded;
      row.slashed.outlier += flow.slashed.outlier;
      row.slashed.canary += flow.slashed.canary;
      row.slashed.absent += flow.slashed.absent;
      row.slashed.recomputed += flow.slashed.recomputed;
      row.end += flow.end;
      table.set(flow.kind, row);
    }
  }
  return table;
}
