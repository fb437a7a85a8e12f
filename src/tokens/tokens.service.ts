import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, LessThan, MoreThan, Repository } from 'typeorm';
import { Clock } from '../adapters/clock.adapter';
import { CryptoAdapter } from '../adapters/crypto.adapter';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { TOKEN_BYTES, TOKEN_PREFIX } from '../protocol/keys';
import type { VerificationLevel } from '../sites/site.entity';
import { TokenEntity } from './token.entity';

export interface MintTokenInput {
  siteId: string;
  hostname: string;
  level: VerificationLevel;
  score: number;
  action?: string | null;
  cdata?: string | null;
  challengeId?: string | null;
}

export interface MintedToken {
  token: string;
  expiresAt: number;
}

export type RedemptionOutcome =
  { kind: 'redeemed'; token: TokenEntity } | { kind: 'unknown' } | { kind: 'already-redeemed' } | { kind: 'expired' };

/** How long spent and expired tokens are kept, so replays still get `timeout-or-duplicate`. */
const RETENTION_MS = 24 * 3600 * 1000;

/** Mints response tokens after a passed challenge and redeems them exactly once. */
@Injectable()
export class TokensService {
  constructor(
    @InjectRepository(TokenEntity) private readonly tokens: Repository<TokenEntity>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly crypto: CryptoAdapter,
    private readonly clock: Clock,
  ) {}

  async mint(input: MintTokenInput): Promise<MintedToken> {
    const token = TOKEN_PREFIX + this.crypto.randomToken(TOKEN_BYTES);
    const now = this.clock.nowMs();
    const expiresAt = now + this.config.tokens.ttlSeconds * 1000;
    await this.tokens.insert({
      tokenHash: this.crypto.sha256Hex(token),
      siteId: input.siteId,
      hostname: input.hostname,
      level: input.level,
      score: input.score,
      action: input.action ?? null,
      cdata: input.cdata ?? null,
      challengeId: input.challengeId ?? null,
      issuedAt: now,
      expiresAt,
      redeemedAt: null,
      redeemedIdempotencyKey: null,
    });
    return { token, expiresAt };
  }

  /**
   * Redeems a token for a site with one conditional UPDATE: of any number of concurrent redemptions,
   * the database lets exactly one change the row. A retry carrying the idempotency key of the
   * redemption that won gets the same token back.
   */
  async redeem(token: string, siteId: string, idempotencyKey: string | null): Promise<RedemptionOutcome> {
    const tokenHash = this.crypto.sha256Hex(token);
    const now = this.clock.nowMs();
    const result = await this.tokens.update(
      { tokenHash, siteId, redeemedAt: IsNull(), expiresAt: MoreThan(now) },
      { redeemedAt: now, redeemedIdempotencyKey: idempotencyKey },
    );
    const stored = await this.tokens.findOneBy({ tokenHash });
    if (!stored || stored.siteId !== siteId) return { kind: 'unknown' };
    if (result.affected === 1) return { kind: 'redeemed', token: stored };
    if (stored.redeemedAt !== null) {
      const sameRetry = idempotencyKey !== null && stored.redeemedIdempotencyKey === idempotencyKey;
      return sameRetry ? { kind: 'redeemed', token: stored } : { kind: 'already-redeemed' };
    }
    return { kind: 'expired' };
  }

  /** Deletes tokens that expired more than a day ago. */
  async purgeExpired(): Promise<number> {
    const result = await this.tokens.delete({ expiresAt: LessThan(this.clock.nowMs() - RETENTION_MS) });
    return result.affected ?? 0;
  }
}
