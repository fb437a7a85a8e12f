/**
 * The step route of liveness v2 (docs/liveness.md, "Flow"): `POST api/v1/challenges/:id/liveness`
 * with `{}` starts an attempt and reveals step 0; with `{attempt, step, frames}` it hands in a step's frames
 * and reveals the next step, or `done` with the verdict. Runs on the page, like the loader's service
 * client, so the browser's Origin header names the embedding site.
 */
import type { LivenessHint } from '../../../src/protocol/challenge-wire';
import { LIVENESS_HINTS } from '../../../src/protocol/challenge-wire';
import type { RevealedStep } from '../../../src/protocol/liveness-plan';
import { LivenessServiceError } from '../liveness-contract';

/** One frame as posted: `jpeg` base64, `mac` base64url (liveness-plan.ts, frameMacMessage). */
export interface WireFrame {
  i: number;
  t: number;
  jpeg: string;
  mac: string;
}

export interface StepAnswer {
  attempt: string;
  step: RevealedStep;
  /** With the `done` step. */
  verdict?: { passed: boolean; hints: LivenessHint[] };
}

export class AttemptClient {
  private readonly url: string;

  constructor(serviceBase: string, challengeId: string) {
    this.url = new URL(`api/v1/challenges/${encodeURIComponent(challengeId)}/liveness`, serviceBase).href;
  }

  start(signal: AbortSignal): Promise<StepAnswer> {
    return this.post({}, signal);
  }

  async submit(attempt: string, step: number, frames: WireFrame[], signal: AbortSignal): Promise<StepAnswer> {
    try {
      return await this.post({ attempt, step, frames }, signal);
    } catch (error) {
      // Frames the structure check refused (a stalled tab's gap, a late post) end the attempt, not the check:
      // a failed attempt, which Retry may follow while the challenge allows more.
      if (!(error instanceof AttemptEnded)) throw error;
      return {
        attempt,
        step: { index: step + 1, kind: 'done' },
        verdict: { passed: false, hints: ['evidence-invalid'] },
      };
    }
  }

  private async post(body: unknown, signal: AbortSignal): Promise<StepAnswer> {
    let response: Response;
    try {
      response = await fetch(this.url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
        credentials: 'omit',
        cache: 'no-store',
        signal,
      });
    } catch (error) {
      if (signal.aborted) throw error;
      throw new LivenessServiceError('network-error');
    }
    const payload = (await response.json().catch(() => null)) as Record<string, unknown> | null;
    if (!response.ok) {
      const code = typeof payload?.code === 'string' ? payload.code : 'network-error';
      if ((payload?.details as { attemptEnded?: unknown } | undefined)?.attemptEnded === true)
        throw new AttemptEnded(code);
      throw new LivenessServiceError(code, knownHints(payload?.hints));
    }
    return parseAnswer(payload);
  }
}

/** The service refused a step's frames and ended the attempt (`details.attemptEnded`). */
class AttemptEnded extends Error {}

/** The answer's shape, checked before the chunk acts on it; anything else is a `network-error`. */
export function parseAnswer(payload: Record<string, unknown> | null): StepAnswer {
  const step = payload?.step as { index?: unknown; kind?: unknown; key?: unknown; durationMs?: unknown } | undefined;
  if (typeof payload?.attempt !== 'string' || !step || typeof step.index !== 'number') {
    throw new LivenessServiceError('network-error');
  }
  const kinds = ['rest', 'prompt', 'flashes', 'done'];
  if (!kinds.includes(String(step.kind))) throw new LivenessServiceError('network-error');
  if (step.kind !== 'done' && (typeof step.key !== 'string' || !(Number(step.durationMs) > 0))) {
    throw new LivenessServiceError('network-error');
  }
  const answer: StepAnswer = { attempt: payload.attempt, step: step as unknown as RevealedStep };
  const verdict = payload.verdict as { passed?: unknown; hints?: unknown } | undefined;
  if (verdict && typeof verdict === 'object') {
    answer.verdict = { passed: verdict.passed === true, hints: knownHints(verdict.hints) };
  }
  return answer;
}

function knownHints(value: unknown): LivenessHint[] {
  if (!Array.isArray(value)) return [];
  return LIVENESS_HINTS.filter((hint) => value.includes(hint));
}
