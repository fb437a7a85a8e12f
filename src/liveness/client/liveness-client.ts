/**
 * The reference client of liveness v2 (docs/protocol.md, "Liveness attempts"): runs one attempt of a
 * challenge over HTTP, step by step, with frames from a FrameSource, their MACs, and posts timed to land in
 * the service's window. Plain TypeScript on Node's fetch; tests, the attack kit and the docs use it.
 */
import type { LivenessHint } from '../../protocol/challenge-wire';
import type { PlanStep, RevealedStep } from '../../protocol/liveness-plan';
import { FRAME_LIMITS } from '../../protocol/liveness-plan';
import { frameMac } from '../attempts/attempt-keys';
import type { CapturedFrame, FrameSource } from './frame-source';

/** One frame as it goes over the wire. */
export interface WireFrame {
  i: number;
  t: number;
  jpeg: string;
  mac: string;
}

export interface ClientClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const REAL_CLOCK: ClientClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export interface LivenessClientOptions {
  /** The service's base URL, e.g. `https://verify.example.com`. */
  baseUrl: string;
  source: FrameSource;
  /** Extra request headers (e.g. X-Forwarded-For in tests). */
  headers?: Record<string, string>;
  /** Time to wait with; tests pass one that moves the service's manual clock. */
  clock?: ClientClock;
  /**
   * A post is held until this long after the step's earliest allowed moment (`durationMs − earlyMs` after
   * the reveal reached us; the service revealed it earlier still). Default 250 ms.
   */
  marginMs?: number;
  /** Changes a step's wire frames before they are posted (attacks and tests: replays, relabelling). */
  tamper?: (frames: WireFrame[], step: PlanStep) => WireFrame[];
  fetch?: typeof fetch;
}

export interface LivenessVerdictDto {
  passed: boolean;
  score: number;
  hints: LivenessHint[];
}

export interface LivenessAttemptResult {
  attempt: string;
  verdict: LivenessVerdictDto;
  /** The steps whose frames were posted, with the frames as sent (for replay tests). */
  steps: Array<{ step: PlanStep; frames: WireFrame[] }>;
}

/** An error answer of the service: `code` is its machine-readable code. */
export class LivenessClientError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(`${status} ${code}: ${message}`);
    this.name = 'LivenessClientError';
  }
}

interface StepAnswer {
  attempt: string;
  step: RevealedStep;
  verdict?: LivenessVerdictDto;
}

export class LivenessClient {
  private readonly clock: ClientClock;
  private readonly fetch: typeof fetch;

  constructor(private readonly options: LivenessClientOptions) {
    this.clock = options.clock ?? REAL_CLOCK;
    this.fetch = options.fetch ?? fetch;
  }

  /** Runs one whole attempt of challenge `challengeId` and returns the service's verdict. */
  async runAttempt(challengeId: string, attemptNumber = 0): Promise<LivenessAttemptResult> {
    let answer = await this.post(challengeId, {});
    let revealedAt = this.clock.now();
    const attempt = answer.attempt;
    const steps: LivenessAttemptResult['steps'] = [];
    let nextIndex = 0;
    while (answer.step.kind !== 'done') {
      const { key, ...step } = answer.step;
      const captured = await this.options.source.capture(step, { attempt, attemptNumber, challengeId });
      let frames = captured.map((frame) => this.wireFrame(frame, nextIndex++, key, attempt, step.index));
      if (this.options.tamper) frames = this.options.tamper(frames, step);
      // Hold the post until the service's window has surely opened (its reveal preceded ours).
      const opensAt = revealedAt + step.durationMs - FRAME_LIMITS.earlyMs + (this.options.marginMs ?? 250);
      const wait = opensAt - this.clock.now();
      if (wait > 0) await this.clock.sleep(wait);
      steps.push({ step, frames });
      answer = await this.post(challengeId, { attempt, step: step.index, frames });
      revealedAt = this.clock.now();
    }
    if (!answer.verdict) throw new LivenessClientError(200, 'verdict-missing', 'The attempt ended without a verdict');
    return { attempt, verdict: answer.verdict, steps };
  }

  private wireFrame(frame: CapturedFrame, i: number, key: string, attempt: string, step: number): WireFrame {
    const t = Math.round(frame.t);
    return {
      i,
      t,
      jpeg: Buffer.from(frame.jpeg).toString('base64'),
      mac: frameMac(key, attempt, step, i, t, frame.jpeg),
    };
  }

  private async post(challengeId: string, body: unknown): Promise<StepAnswer> {
    const url = new URL(`/api/v1/challenges/${encodeURIComponent(challengeId)}/liveness`, this.options.baseUrl);
    const init = {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...this.options.headers },
      body: JSON.stringify(body),
    };
    const response = await fetchReconnecting(this.fetch, url, init);
    const text = await response.text();
    const json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    if (!response.ok) {
      const error = (json.error ?? json) as { code?: string; message?: string };
      throw new LivenessClientError(response.status, String(error.code ?? 'http-error'), String(error.message ?? text));
    }
    return json as unknown as StepAnswer;
  }
}

/**
 * `fetch`, sent again on a new connection (twice at most) when it fails before any answer. A kept-alive
 * socket that the service closed meanwhile fails that way: the request never arrived. A process that is
 * busy for seconds between requests (analysing frames, rendering an attack) meets this often, as both ends'
 * idle timers then fire at once. A request that did arrive and is sent again is refused by the service
 * (`liveness-step-busy` or `liveness-step-out-of-order`), never counted twice; a challenge issued twice
 * leaves one unused.
 */
export async function fetchReconnecting(
  fetchImpl: typeof fetch,
  url: URL | string,
  init: RequestInit,
): Promise<Response> {
  for (let retry = 0; ; retry++) {
    try {
      return await fetchImpl(url, init);
    } catch (error) {
      if (retry >= 2) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 * (retry + 1)));
    }
  }
}
