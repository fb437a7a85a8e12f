/**
 * The widget's two calls to the service: issue a challenge and submit its solution. Runs on the page (not
 * in the worker) so the browser's Origin header names the embedding site, which is what the service checks.
 */
import type {
  ChallengeResponseDto,
  LivenessHint,
  SolutionResultDto,
  TestChallengeResponseDto,
} from '../../src/protocol/challenge-wire';
import { LIVENESS_HINTS } from '../../src/protocol/challenge-wire';
import type { WireOutput } from '../../src/protocol/inference-task';
import type { LivenessProof } from './liveness-contract';
import { anchorTestSitekey } from '../../src/protocol/anchor-test-keys';

export type IssuedChallenge = ChallengeResponseDto | TestChallengeResponseDto;

/** How long the anchors' test tokens last in the widget (reCAPTCHA's tokens last two minutes). */
const TEST_TOKEN_LIFETIME_MS = 120_000;

/** A refusal with the service's machine-readable code, or one of the widget's own (`network-error`). */
export class ServiceError extends Error {
  constructor(
    readonly code: string,
    /** What the visitor may do better next time (a failed liveness attempt only). */
    readonly hints: LivenessHint[] = [],
  ) {
    super(code);
  }
}

export interface ChallengeRequest {
  sitekey: string;
  action?: string;
  cdata?: string;
  /** Only for the camera-less fallback of a liveness site that allows it. */
  level?: 'compute';
}

export class ServiceClient {
  /** @param base the service's root URL, ending in `/` (where `widget/peerproof.js` was loaded from). */
  constructor(private readonly base: string) {}

  issue(request: ChallengeRequest): Promise<IssuedChallenge> {
    // The anchors' test sitekeys pass or fail at once with their dummy tokens, as theirs do, with no request.
    const test = anchorTestSitekey(request.sitekey);
    if (test) {
      if (!test.passes) return Promise.reject(new ServiceError('test-sitekey-fails'));
      const expiresAt = new Date(Date.now() + TEST_TOKEN_LIFETIME_MS).toISOString();
      return Promise.resolve({ id: null, sitekey: request.sitekey, test: true, token: test.token, expiresAt });
    }
    return this.post<IssuedChallenge>('api/v1/challenges', request);
  }

  submit(
    challengeId: string,
    sitekey: string,
    outputs: WireOutput[],
    liveness?: LivenessProof,
  ): Promise<SolutionResultDto> {
    return this.post<SolutionResultDto>(`api/v1/challenges/${encodeURIComponent(challengeId)}/solution`, {
      sitekey,
      outputs,
      ...(liveness && { liveness }),
    });
  }

  private async post<T>(path: string, body: unknown): Promise<T> {
    let response: Response;
    try {
      // No cookies: the service never needs them, and omitting them keeps cross-origin requests simple.
      response = await fetch(this.base + path, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
        credentials: 'omit',
        cache: 'no-store',
      });
    } catch {
      throw new ServiceError('network-error');
    }
    const payload = (await response.json().catch(() => null)) as { code?: unknown } | null;
    if (!response.ok) throw new ServiceError(typeof payload?.code === 'string' ? payload.code : 'network-error');
    if (payload === null || typeof payload !== 'object') throw new ServiceError('network-error');
    return payload as T;
  }
}

/** The hints of a failed answer that the widget has texts for; anything else the service sent is dropped. */
export function knownHints(value: unknown): LivenessHint[] {
  if (!Array.isArray(value)) return [];
  const known = (LIVENESS_HINTS as readonly unknown[]).filter((hint) => value.includes(hint));
  return known as LivenessHint[];
}

/** The test sitekey's answer: a token at once, no work. */
export function isTestAnswer(challenge: IssuedChallenge): challenge is TestChallengeResponseDto {
  return 'test' in challenge && challenge.test === true;
}
