import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../adapters/clock.adapter';
import { ConflictError, DomainError } from '../common/domain-error';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { LedgerService } from '../ledger/ledger.service';
import type { Balance, LedgerEntry, LedgerEntryBody } from '../protocol/ledger-entry';
import { withdrawable } from '../protocol/ledger-entry';

export interface StakeChange {
  entry: LedgerEntry;
  balance: Balance;
}

/** The ledger's balance-rule codes, as the peer routes name them. */
const RULE_CODES: Record<string, string> = {
  'insufficient-free': 'insufficient-balance',
  'insufficient-stake': 'insufficient-balance',
  'not-withdrawable': 'unbonding-not-due',
};

/**
 * A peer's own stake: bond free units, unbond them (slashable until the delay passes), withdraw them.
 * Every change is a ledger entry appended through the sequencer, whose balance rules are the authority;
 * the checks here only give a clearer answer first.
 */
@Injectable()
export class StakingService {
  constructor(
    private readonly ledger: LedgerService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  balance(peer: string): Promise<Balance> {
    return this.ledger.balance(peer);
  }

  async stake(peer: string, amount: number): Promise<StakeChange> {
    const balance = await this.ledger.balance(peer);
    if (balance.free < amount) {
      throw new ConflictError('insufficient-balance', `stake ${amount} exceeds the free balance ${balance.free}`);
    }
    return this.append(peer, { kind: 'stake', peer, amount });
  }

  async unbond(peer: string, amount: number): Promise<StakeChange> {
    const balance = await this.ledger.balance(peer);
    if (balance.staked < amount) {
      throw new ConflictError('insufficient-balance', `unbond ${amount} exceeds the bonded stake ${balance.staked}`);
    }
    const releaseAt = this.clock.nowMs() + this.config.ledger.unbondDelaySeconds * 1000;
    return this.append(peer, { kind: 'unbond', peer, amount, data: { releaseAt } });
  }

  async withdraw(peer: string, amount: number): Promise<StakeChange> {
    const balance = await this.ledger.balance(peer);
    const unbonding = balance.unbonding.reduce((sum, lot) => sum + lot.amount, 0);
    if (unbonding < amount) {
      throw new ConflictError('insufficient-balance', `withdraw ${amount} exceeds the unbonding stake ${unbonding}`);
    }
    const released = withdrawable(balance, this.clock.nowMs());
    if (released < amount) {
      const next = balance.unbonding.filter((lot) => lot.releaseAt > this.clock.nowMs())[0];
      throw new DomainError('unbonding-not-due', `only ${released} of the unbonding stake is released yet`, 409, {
        released,
        nextReleaseAt: next ? new Date(next.releaseAt).toISOString() : null,
      });
    }
    return this.append(peer, { kind: 'withdraw', peer, amount });
  }

  /** Appends one entry; a rule broken by a change that raced this one is answered with the same codes. */
  private async append(peer: string, body: LedgerEntryBody): Promise<StakeChange> {
    try {
      const { entries } = await this.ledger.append([body]);
      return { entry: entries[0], balance: await this.ledger.balance(peer) };
    } catch (error) {
      if (error instanceof DomainError && RULE_CODES[error.code]) {
        throw new ConflictError(RULE_CODES[error.code], error.message);
      }
      throw error;
    }
  }
}
