import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../adapters/clock.adapter';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { RateLimitedError } from '../common/domain-error';
import { addressKey } from '../edge/ip-address';
import { RateLimiter } from '../edge/rate-limiter';
import { MetricsService } from '../ops/metrics.service';
import { LivenessAttemptsService } from '../liveness/attempts/liveness-attempts.service';
import type { SubjectConsensus } from '../peers/consensus.service';
import { ConsensusService } from '../peers/consensus.service';
import { INFERENCE_AUDIT_KIND } from '../protocol/inference-audit';
import { LIVENESS_REVIEW_KIND } from '../protocol/liveness-review';
import { anchorTestSecret } from '../protocol/anchor-test-keys';
import { DUMMY_TOKEN, MAX_RESPONSE_LENGTH, TEST_HOSTNAME, TEST_SECRETS, TOKEN_PREFIX } from '../protocol/keys';
import type { SiteEntity } from '../sites/site.entity';
import { SitesService } from '../sites/sites.service';
import { SiteverifyRequest, SiteverifyResponse, failedVerification } from './siteverify.dto';
import { TokenEntity } from './token.entity';
import { TokensService } from './tokens.service';

/** The drop-in replacement for reCAPTCHA's, hCaptcha's and Turnstile's siteverify. */
@Injectable()
export class SiteverifyService {
  constructor(
    private readonly sites: SitesService,
    private readonly tokens: TokensService,
    private readonly metrics: MetricsService,
    private readonly consensus: ConsensusService,
    private readonly attempts: LivenessAttemptsService,
    private readonly clock: Clock,
    private readonly limiter: RateLimiter,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** `clientIp`: the caller (the site's backend), for the budget of calls without a valid secret. */
  async verify(request: SiteverifyRequest, clientIp: string): Promise<SiteverifyResponse> {
    const result = await this.decide(request, clientIp);
    this.metrics.recordSiteverify(result['error-codes'][0] ?? 'success');
    return result;
  }

  private async decide(
    { secret, response, sitekey, idempotency_key, consensus_wait }: SiteverifyRequest,
    clientIp: string,
  ): Promise<SiteverifyResponse> {
    // A real secret is looked up even without a response: a form posted without a token is the site's
    // traffic, counted against the site, not against its backend's address.
    const site = secret && !isTestSecret(secret) ? await this.sites.findBySecret(secret) : null;
    if (site) this.admit(site);
    else this.limiter.hit('siteverify-ip', addressKey(clientIp));
    if (!secret || !response) {
      return failedVerification([
        ...(secret ? [] : (['missing-input-secret'] as const)),
        ...(response ? [] : (['missing-input-response'] as const)),
      ]);
    }
    const testAnswer = this.answerForTestSecret(secret);
    if (testAnswer) return testAnswer;
    if (!site) return failedVerification(['invalid-input-secret']);
    if (sitekey !== undefined && sitekey !== site.sitekey) return failedVerification(['sitekey-secret-mismatch']);
    if (!looksLikeToken(response)) return failedVerification(['invalid-input-response']);

    const outcome = await this.tokens.redeem(response, site.id, idempotency_key ?? null);
    switch (outcome.kind) {
      case 'redeemed': {
        const review = await this.reviewOf(outcome.token, (consensus_wait ?? 0) * 1000);
        if (review?.rejected) return { ...failedVerification(['consensus-rejected']), consensus: review.consensus };
        return {
          ...toSuccess(outcome.token),
          ...this.livenessOf(outcome.token, site),
          ...(review ? { consensus: review.consensus } : {}),
        };
      }
      case 'already-redeemed':
        return failedVerification(['timeout-or-duplicate', 'already-seen-response']);
      case 'expired':
        return failedVerification(['timeout-or-duplicate', 'expired-input-response']);
      case 'unknown':
        return failedVerification(['invalid-input-response']);
    }
  }

  /** A site's calls share one budget, whichever address they come from (SITEVERIFY_SITE_RATE_LIMIT_PER_MINUTE). */
  private admit(site: SiteEntity): void {
    const decision = this.limiter.hit('siteverify-site', site.id);
    if (decision === null || decision.allowed) return;
    this.metrics.recordSiteverify('rate-limited');
    this.metrics.recordRateLimited('siteverify-site');
    throw new RateLimitedError(decision.retryAfterSeconds);
  }

  /**
   * What verifier peers concluded about the token's pass: the liveness review of its attempt, else the
   * audit of its challenge; null when neither exists. Waits up to `waitMs` for the committee to finish.
   * The token is redeemed before the wait, so a second call cannot redeem it meanwhile.
   */
  private async reviewOf(token: TokenEntity, waitMs: number): Promise<SubjectConsensus | null> {
    if (!token.challengeId) return null;
    if (token.level === 'liveness') {
      const attempt = await this.attempts.passedAttemptOf(token.challengeId);
      const review = attempt ? await this.consensus.of(attempt, LIVENESS_REVIEW_KIND, waitMs) : null;
      if (review) return review;
    }
    return this.consensus.of(token.challengeId, INFERENCE_AUDIT_KIND, waitMs);
  }

  private livenessOf(token: TokenEntity, site: SiteEntity): Pick<SiteverifyResponse, 'liveness'> {
    if (token.level !== 'liveness' || token.livenessScore === null) return {};
    const threshold = site.livenessThreshold ?? this.config.liveness.threshold;
    return { liveness: { score: token.livenessScore, threshold, reasons: token.livenessReasons ?? [] } };
  }

  private answerForTestSecret(secret: string): SiteverifyResponse | null {
    switch (secret) {
      case TEST_SECRETS.alwaysPass:
        return {
          success: true,
          challenge_ts: this.clock.now().toISOString(),
          hostname: TEST_HOSTNAME,
          score: 1,
          level: 'compute',
          action: '',
          cdata: '',
          'error-codes': [],
        };
      case TEST_SECRETS.alwaysFail:
        return failedVerification(['invalid-input-response']);
      case TEST_SECRETS.tokenSpent:
        return failedVerification(['timeout-or-duplicate', 'already-seen-response']);
      default:
        return this.answerForAnchorTestSecret(secret);
    }
  }

  /** The anchors' published test secrets answer as the anchors do, in their shape. */
  private answerForAnchorTestSecret(secret: string): SiteverifyResponse | null {
    const test = anchorTestSecret(secret);
    if (!test) return null;
    if (test.outcome === 'fail') return failedVerification(['invalid-input-response']);
    if (test.outcome === 'spent') return failedVerification(['timeout-or-duplicate']);
    const passed = { success: true, challenge_ts: this.clock.now().toISOString(), hostname: test.hostname };
    // Turnstile's answers always carry action and cdata; reCAPTCHA's v2 test key and hCaptcha's carry neither.
    const extra = test.anchor === 'turnstile' ? { action: '', cdata: '' } : {};
    return { ...passed, ...extra, 'error-codes': [] };
  }
}

const TEST_SECRET_SET = new Set<string>(Object.values(TEST_SECRETS));

function isTestSecret(secret: string): boolean {
  return TEST_SECRET_SET.has(secret);
}

function looksLikeToken(response: string): boolean {
  return response.length <= MAX_RESPONSE_LENGTH && response.startsWith(TOKEN_PREFIX) && response !== DUMMY_TOKEN;
}

function toSuccess(token: TokenEntity): SiteverifyResponse {
  return {
    success: true,
    challenge_ts: new Date(token.issuedAt).toISOString(),
    hostname: token.hostname,
    score: token.score,
    level: token.level,
    // "" rather than null when the page set none, as Turnstile answers: a library's action check then fails closed.
    action: token.action ?? '',
    cdata: token.cdata ?? '',
    'error-codes': [],
  };
}
