/**
 * The widget's two calls to the service: issue a challenge and submit its solution. Runs on the page (not
 * in the worker) so the browser's Origin header names the embedding site, which is what the service checks.
 */
import type {
  ChallengeResponseDto,
  SolutionResultDto,
  TestChallengeResponseDto,
} from '../../src/protocol/challenge-wire';
import type { WireOutput } from '../../src/protocol/inference-task';

export type IssuedChallenge = ChallengeResponseDto | TestChallengeResponseDto;

/** A refusal with the service's machine-readable code, or one of the widget's own (`network-error`). */
export class ServiceError extends Error {
  constructor(readonly code: string) {
    super(code);
  }
}

export interface ChallengeRequest {
  sitekey: string;
  action?: string;
  cdata?: string;
}

export class ServiceClient {
  /** @param base the service's root URL, ending in `/` (where `widget/peerproof.js` was loaded from). */
  constructor(private readonly base: string) {}

  issue(request: ChallengeRequest): Promise<IssuedChallenge> {
    return this.post<IssuedChallenge>('api/v1/challenges', request);
  }

  submit(challengeId: string, sitekey: string, outputs: WireOutput[]): Promise<SolutionResultDto> {
    return this.post<SolutionResultDto>(`api/v1/challenges/${encodeURIComponent(challengeId)}/solution`, {
      sitekey,
      outputs,
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

/** The test sitekey's answer: a token at once, no work. */
export function isTestAnswer(challenge: IssuedChallenge): challenge is TestChallengeResponseDto {
  return 'test' in challenge && challenge.test === true;
}
