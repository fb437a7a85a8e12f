import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Clock } from '../adapters/clock.adapter';
import { CryptoAdapter } from '../adapters/crypto.adapter';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { deleteInBatches, hydrate, queryRows } from '../database/raw-sql';
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
  liveness?: { score: number; reasons: string[] } | null;
}

export interface MintedToken {
  token: string;
  expiresAt: number;
}

export type RedemptionOutcome =
  { kind: 'redeemed'; token: TokenEntity } | { kind: 'unknown' } | { kind: 'already-redeemed' } | { kind: 'expired' };

/**
 * The one conditional UPDATE that redeems a token, returning it when this redemption won. Hand-written:
 * TypeORM's builder would inline the timestamp into the SQL and so prepare a new statement per call.
 */
const REDEEM_SQL =
  'UPDATE tokens SET redeemed_at = ?, redeemed_idempotency_key = ? ' +
  'WHERE token_hash = ? AND site_id = ? AND redeemed_at IS NULL AND expires_at > ? RETURNING *';

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
      livenessScore: input.liveness?.score ?? null,
      livenessReasons: input.liveness?.reasons ?? null,
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
   * redemption that won gets the same token back, but only while the token itself would still be valid:
   * afterwards it is a replay like any other.
   */
  async redeem(token: string, siteId: string, idempotencyKey: string | null): Promise<RedemptionOutcome> {
    const tokenHash = this.crypto.sha256Hex(token);
    const now = this.clock.nowMs();
    const [redeemed] = await queryRows(this.tokens, REDEEM_SQL, [now, idempotencyKey, tokenHash, siteId, now]);
    if (redeemed) return { kind: 'redeemed', token: hydrate(this.tokens, redeemed) };
    // Only a failed redemption reads the row, to tell why it failed.
    const [row] = await queryRows(this.tokens, 'SELECT * FROM tokens WHERE token_hash = ?', [tokenHash]);
    const stored = row ? hydrate(this.tokens, row) : null;
    if (!stored || stored.siteId !== siteId) return { kind: 'unknown' };
    if (stored.redeemedAt !== null) {
      const sameRetry =
        idempotencyKey !== null && stored.redeemedIdempotencyKey === idempotencyKey && now < stored.expiresAt;
      return sameRetry ? { kind: 'redeemed', token: stored } : { kind: 'already-redeemed' };
    }
    return { kind: 'expired' };
  }

  /** Deletes tokens that expired before `before`, with the idempotency keys of their redemptions. */
  purgeExpired(before: number): Promise<number> {
    return deleteInBatches(this.tokens, 'tokens', 'token_hash', 'expires_at < ?', [before]);
  }
}
