import { Controller, Get, Header, Param, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { ZodValidationPipe } from '../common/zod-validation.pipe';
import { LedgerService } from './ledger.service';
import { WitnessesService } from './witnesses.service';

const count = z.coerce.number('must be a number').int('must be a whole number').min(0).max(Number.MAX_SAFE_INTEGER);
const rangeSchema = z
  .strictObject({ start: count, end: count })
  .refine((q) => q.end >= q.start, 'end must be >= start');
const inclusionSchema = z.strictObject({ index: count, size: count });
const consistencySchema = z.strictObject({ first: count, second: count });
const peerPipe = new ZodValidationPipe(
  z
    .string()
    .max(128)
    .regex(/^[A-Za-z0-9_-]+$/, 'not a peer id'),
);

/** The public, auditable ledger: anyone can fetch entries and proofs and check them against a signed head. */
@ApiTags('ledger')
@Controller('api/v1/ledger')
export class LedgerController {
  constructor(
    private readonly ledger: LedgerService,
    private readonly witnesses: WitnessesService,
  ) {}

  @Get('head')
  @Header('Cache-Control', 'no-store')
  head() {
    return this.ledger.head();
  }

  /**
   * The largest head witnesses co-signed, as they signed it, with their co-signatures: what `peerproof ledger
   * verify --witnessed-from` fetches. Auditors check the co-signatures against witness keys they trust.
   */
  @Get('witnessed-head')
  @Header('Cache-Control', 'no-store')
  witnessedHead() {
    return this.witnesses.latest();
  }

  /** Totals for a dashboard: peers, stake, rewards, slashes, entries by kind. */
  @Get('stats')
  stats() {
    return this.ledger.stats();
  }

  /** Entries with start <= seq < end, at most 1000 a page. */
  @Get('entries')
  async entries(@Query(new ZodValidationPipe(rangeSchema)) query: { start: number; end: number }) {
    return { entries: await this.ledger.entries(query.start, query.end) };
  }

  @Get('proof/inclusion')
  async inclusion(@Query(new ZodValidationPipe(inclusionSchema)) query: { index: number; size: number }) {
    return { index: query.index, size: query.size, ...(await this.ledger.inclusion(query.index, query.size)) };
  }

  @Get('proof/consistency')
  async consistency(@Query(new ZodValidationPipe(consistencySchema)) query: { first: number; second: number }) {
    return { ...query, proof: await this.ledger.consistency(query.first, query.second) };
  }

  /** Every peer's balance as the service derived it; auditors compare these with their own replay. */
  @Get('balances')
  async balances() {
    return { balances: Object.fromEntries(await this.ledger.allBalances()) };
  }

  @Get('balances/:peer')
  async balance(@Param('peer', peerPipe) peer: string) {
    return { peer, ...(await this.ledger.balance(peer)) };
  }
}
