import { describe, expect, it } from '@jest/globals';
import type { LedgerEntry, LedgerEntryBody } from '../../src/protocol/ledger-entry';
import { LedgerRuleError, replay, serializeEntry, slashable } from '../../src/protocol/ledger-entry';

const log = (...bodies: Array<LedgerEntryBody & { time?: number }>): LedgerEntry[] =>
  bodies.map((body, seq) => ({ time: 1000 + seq, ...body, seq }));

function ruleBroken(entries: LedgerEntry[]): string {
  try {
    replay(entries);
  } catch (error) {
    if (error instanceof LedgerRuleError) return error.code;
    throw error;
  }
  return 'none';
}

describe('ledger balance rules', () => {
  it('moves stake from grant to staked to unbonding to withdrawn', () => {
    const balances = replay(
      log(
        { kind: 'grant', peer: 'p', amount: 100 },
        { kind: 'stake', peer: 'p', amount: 80 },
        { kind: 'unbond', peer: 'p', amount: 30, data: { releaseAt: 5000 } },
        { kind: 'withdraw', peer: 'p', amount: 30, time: 5000 },
      ),
    );
    expect(balances.get('p')).toEqual({ free: 20, staked: 50, unbonding: [], withdrawn: 30, rewarded: 0, slashed: 0 });
  });

  it('refuses to withdraw before the unbonding delay has passed', () => {
    const entries = log(
      { kind: 'grant', peer: 'p', amount: 100 },
      { kind: 'stake', peer: 'p', amount: 100 },
      { kind: 'unbond', peer: 'p', amount: 100, data: { releaseAt: 9000 } },
      { kind: 'withdraw', peer: 'p', amount: 1, time: 8999 },
    );
    expect(ruleBroken(entries)).toBe('not-withdrawable');
  });

  it('catches unbond-then-slash: a slash reaches stake that is on its way out', () => {
    const balances = replay(
      log(
        { kind: 'grant', peer: 'p', amount: 100 },
        { kind: 'stake', peer: 'p', amount: 100 },
        { kind: 'unbond', peer: 'p', amount: 90, data: { releaseAt: 9000 } },
        { kind: 'slash', peer: 'p', amount: 40, job: 'j1' },
      ),
    );
    const balance = balances.get('p')!;
    expect(balance.staked).toBe(0);
    expect(balance.unbonding).toEqual([{ amount: 60, releaseAt: 9000 }]);
    expect(balance.slashed).toBe(40);
    expect(slashable(balance)).toBe(60);
  });

  it('adds rewards to stake and leaves balances alone for verdicts and model publications', () => {
    const balances = replay(
      log(
        { kind: 'grant', peer: 'p', amount: 10 },
        { kind: 'stake', peer: 'p', amount: 10 },
        { kind: 'verdict', peer: 'p', job: 'j1', data: { score: 0.9 } },
        { kind: 'reward', peer: 'p', amount: 2, job: 'j1' },
        { kind: 'model-publish', model: 'ab'.repeat(32) },
      ),
    );
    expect(balances.get('p')).toMatchObject({ staked: 12, rewarded: 2 });
  });

  it('names the rule each bad entry breaks', () => {
    expect(ruleBroken(log({ kind: 'stake', peer: 'p', amount: 1 }))).toBe('insufficient-free');
    expect(ruleBroken(log({ kind: 'unbond', peer: 'p', amount: 1, data: { releaseAt: 2000 } }))).toBe(
      'insufficient-stake',
    );
    expect(ruleBroken(log({ kind: 'grant', peer: 'p', amount: 0 }))).toBe('bad-amount');
    expect(ruleBroken(log({ kind: 'grant', peer: 'p', amount: 1.5 }))).toBe('bad-amount');
    expect(ruleBroken(log({ kind: 'grant', amount: 1 }))).toBe('bad-entry');
    expect(ruleBroken(log({ kind: 'unbond', peer: 'p', amount: 1 }))).toBe('bad-entry');
    expect(ruleBroken(log({ kind: 'mint' as never, peer: 'p', amount: 1 }))).toBe('bad-kind');
    expect(ruleBroken([{ seq: 1, time: 0, kind: 'grant', peer: 'p', amount: 1 }])).toBe('bad-sequence');
  });

  it('serializes an entry canonically, whatever order its fields were written in', () => {
    const a: LedgerEntry = { seq: 3, time: 7, kind: 'grant', peer: 'p', amount: 5 };
    const b = { amount: 5, peer: 'p', kind: 'grant', time: 7, seq: 3 } as LedgerEntry;
    expect(serializeEntry(a)).toBe('{"amount":5,"kind":"grant","peer":"p","seq":3,"time":7}');
    expect(serializeEntry(b)).toBe(serializeEntry(a));
  });
});
