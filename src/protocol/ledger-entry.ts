/**
 * Ledger entries and the balance rules every party replays: the service when it appends, `peerproof ledger
 * verify` when it audits, and anyone else with the log. An entry is hashed as the Merkle leaf of its RFC 8785
 * canonical JSON (docs/ledger.md), so its exact bytes are part of the protocol.
 */
import { canonicalize } from './canonical-json';

export const LEDGER_KINDS = [
  'grant',
  'stake',
  'unbond',
  'withdraw',
  'verdict',
  'reward',
  'slash',
  'model-publish',
] as const;
export type LedgerKind = (typeof LEDGER_KINDS)[number];

/** What a caller asks to append; the sequencer adds `seq` and `time`. */
export interface LedgerEntryBody {
  kind: LedgerKind;
  peer?: string;
  /** Whole reputation units; always a non-negative safe integer. */
  amount?: number;
  job?: string;
  model?: string;
  data?: Record<string, unknown>;
}

export interface LedgerEntry extends LedgerEntryBody {
  seq: number;
  /** Milliseconds since the epoch, as the sequencer saw them. */
  time: number;
}

export interface UnbondingLot {
  amount: number;
  releaseAt: number;
}

export interface Balance {
  /** Granted or withdrawn-back stake that backs nothing. */
  free: number;
  /** Stake that counts for committees and can be slashed. */
  staked: number;
  /** Stake on its way out: still slashable until released and withdrawn. */
  unbonding: UnbondingLot[];
  withdrawn: number;
  rewarded: number;
  slashed: number;
}

export class LedgerRuleError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** The entry that broke the rule, when known. */
    readonly seq?: number,
  ) {
    super(message);
  }
}

export function emptyBalance(): Balance {
  return { free: 0, staked: 0, unbonding: [], withdrawn: 0, rewarded: 0, slashed: 0 };
}

export function serializeEntry(entry: LedgerEntry): string {
  return canonicalize(entry);
}

/** Stake a peer can still lose: staked plus everything not yet withdrawn. */
export function slashable(balance: Balance): number {
  return balance.staked + balance.unbonding.reduce((sum, lot) => sum + lot.amount, 0);
}

export function withdrawable(balance: Balance, now: number): number {
  return balance.unbonding.filter((lot) => lot.releaseAt <= now).reduce((sum, lot) => sum + lot.amount, 0);
}

/** Applies one entry to the balances (mutating them) or explains why the entry is not allowed. */
export function applyEntry(balances: Map<string, Balance>, entry: LedgerEntry): void {
  checkShape(entry);
  if (entry.kind === 'verdict' || entry.kind === 'model-publish') return;
  const peer = entry.peer!;
  const amount = entry.amount!;
  const balance = balances.get(peer) ?? emptyBalance();
  switch (entry.kind) {
    case 'grant':
      balance.free += amount;
      break;
    case 'stake':
      ensure(balance.free >= amount, 'insufficient-free', `stake ${amount} exceeds free balance ${balance.free}`);
      balance.free -= amount;
      balance.staked += amount;
      break;
    case 'unbond': {
      const releaseAt = releaseAtOf(entry);
      ensure(balance.staked >= amount, 'insufficient-stake', `unbond ${amount} exceeds stake ${balance.staked}`);
      balance.staked -= amount;
      balance.unbonding.push({ amount, releaseAt });
      break;
    }
    case 'withdraw':
      withdraw(balance, amount, entry.time);
      break;
    case 'reward':
      balance.staked += amount;
      balance.rewarded += amount;
      break;
    case 'slash':
      slash(balance, amount);
      break;
  }
  balances.set(peer, balance);
}

/** Replays a whole log from the start; throws at the first entry that breaks a rule or the sequence. */
export function replay(entries: Iterable<LedgerEntry>): Map<string, Balance> {
  const balances = new Map<string, Balance>();
  let expected = 0;
  for (const entry of entries) {
    try {
      ensure(entry.seq === expected, 'bad-sequence', `entry ${entry.seq} where ${expected} was expected`);
      applyEntry(balances, entry);
    } catch (error) {
      if (error instanceof LedgerRuleError) throw new LedgerRuleError(error.code, error.message, expected);
      throw error;
    }
    expected += 1;
  }
  return balances;
}

function withdraw(balance: Balance, amount: number, now: number): void {
  const available = withdrawable(balance, now);
  ensure(available >= amount, 'not-withdrawable', `withdraw ${amount} exceeds released unbonding ${available}`);
  let rest = amount;
  // Oldest released lots first, so what is left keeps its own release time.
  for (const lot of balance.unbonding) {
    if (rest === 0 || lot.releaseAt > now) continue;
    const taken = Math.min(rest, lot.amount);
    lot.amount -= taken;
    rest -= taken;
  }
  balance.unbonding = balance.unbonding.filter((lot) => lot.amount > 0);
  balance.withdrawn += amount;
}

/** Slashes stake first, then unbonding lots newest first: leaving early does not escape a slash. */
function slash(balance: Balance, amount: number): void {
  ensure(slashable(balance) >= amount, 'insufficient-stake', `slash ${amount} exceeds slashable ${slashable(balance)}`);
  let rest = amount;
  const fromStake = Math.min(rest, balance.staked);
  balance.staked -= fromStake;
  rest -= fromStake;
  for (let i = balance.unbonding.length - 1; i >= 0 && rest > 0; i--) {
    const taken = Math.min(rest, balance.unbonding[i].amount);
    balance.unbonding[i].amount -= taken;
    rest -= taken;
  }
  balance.unbonding = balance.unbonding.filter((lot) => lot.amount > 0);
  balance.slashed += amount;
}

function checkShape(entry: LedgerEntry): void {
  ensure(LEDGER_KINDS.includes(entry.kind), 'bad-kind', `unknown entry kind ${String(entry.kind)}`);
  ensure(Number.isSafeInteger(entry.seq) && entry.seq >= 0, 'bad-entry', 'seq must be a whole number');
  ensure(Number.isSafeInteger(entry.time) && entry.time >= 0, 'bad-entry', 'time must be a whole number');
  if (entry.kind === 'verdict')
    ensure(Boolean(entry.peer && entry.job), 'bad-entry', 'a verdict names a peer and a job');
  if (entry.kind === 'model-publish') ensure(Boolean(entry.model), 'bad-entry', 'a model-publish names a model');
  if (entry.kind === 'verdict' || entry.kind === 'model-publish') return;
  ensure(typeof entry.peer === 'string' && entry.peer.length > 0, 'bad-entry', `a ${entry.kind} names a peer`);
  ensure(
    Number.isSafeInteger(entry.amount) && entry.amount! > 0,
    'bad-amount',
    `a ${entry.kind} needs a positive whole amount`,
  );
}

function releaseAtOf(entry: LedgerEntry): number {
  const releaseAt = entry.data?.releaseAt;
  ensure(
    typeof releaseAt === 'number' && Number.isSafeInteger(releaseAt) && releaseAt >= entry.time,
    'bad-entry',
    'an unbond carries data.releaseAt, not before its own time',
  );
  return releaseAt as number;
}

function ensure(condition: boolean, code: string, message: string): void {
  if (!condition) throw new LedgerRuleError(code, message);
}
