/**
 * One rendered widget: drives the state machine through a check (challenge, worker, solution), keeps the
 * view and the hidden fields in step, and tells the site through callbacks and DOM events. On a liveness
 * challenge the overlay (the lazily loaded chunk) and the worker run side by side, and the solution
 * carries both their results.
 */
import type { ChallengeResponseDto, LivenessHint } from '../../src/protocol/challenge-wire';
import type { WireOutput } from '../../src/protocol/inference-task';
import type { LivenessAttemptsOffer, LivenessProof, LivenessVerdictTexts } from './liveness-contract';
import type { LivenessLoader } from './liveness-loader';
import { LivenessUnavailableError, captureErrorCode } from './liveness-loader';
import { ServiceError, isTestAnswer, knownHints } from './service-client';
import type { ChallengeRequest, ServiceClient } from './service-client';
import type { SolveResult, SolverClient } from './solver-client';
import { SolverError } from './solver-client';
import type { CallbackRef, WidgetOptions } from './widget-options';
import type { ErrorState, WidgetEvent, WidgetState } from './widget-state';
import { INITIAL_STATE, canStart, responseOf, transition } from './widget-state';
import type { WidgetView } from './widget-view';

export interface ControllerDeps {
  service: ServiceClient;
  solver: SolverClient;
  liveness: LivenessLoader;
}

/** The widget's language, which the liveness overlay speaks too, and its texts for a failed attempt. */
export interface OverlayLocale {
  language: string;
  verdictTexts: LivenessVerdictTexts;
}

interface Work {
  outputs: WireOutput[];
  liveness?: LivenessProof;
}

interface Failure {
  code: string;
  hints?: LivenessHint[];
}

interface Waiter {
  resolve(token: string): void;
  reject(error: Error): void;
}

export class WidgetController {
  private state: WidgetState = INITIAL_STATE;
  /** Bumped by every start and reset: results of an abandoned attempt compare unequal and are dropped. */
  private attempt = 0;
  private cancelSolve: (() => void) | null = null;
  /** Closes the current attempt's camera and overlay. */
  private stopCapture: AbortController | null = null;
  /** The visitor chose "Continue without camera": later attempts ask for a compute challenge, until reset. */
  private withoutCamera = false;
  private expiryTimer: ReturnType<typeof setTimeout> | undefined;
  private waiters: Waiter[] = [];
  private warmed = false;

  constructor(
    readonly id: string,
    readonly container: HTMLElement,
    private readonly options: WidgetOptions,
    private readonly deps: ControllerDeps,
    private readonly view: WidgetView,
    private readonly locale: OverlayLocale,
  ) {
    view.render(this.state);
  }

  /** The checkbox: starts a check from idle, error or expired; ignored while one runs or after success. */
  activate(): void {
    if (canStart(this.state)) void this.run();
  }

  /** "Continue without camera", offered after an error of a liveness check whose challenge allowed it. */
  continueWithoutCamera(): void {
    if (this.state.kind !== 'error' || this.state.fallback !== true) return;
    this.withoutCamera = true;
    void this.run();
  }

  /** Starts a check if none runs, and resolves with the token (at once when already solved). */
  execute(): Promise<string> {
    if (this.state.kind === 'solved') return Promise.resolve(this.state.token);
    const pending = new Promise<string>((resolve, reject) => this.waiters.push({ resolve, reject }));
    // Marked handled so a caller that ignores the promise gets no "unhandled rejection"; its own chain still sees it.
    pending.catch(() => undefined);
    this.activate();
    return pending;
  }

  warm(): void {
    if (this.warmed) return;
    this.warmed = true;
    this.deps.solver.prepare();
  }

  reset(): void {
    this.abandon();
    this.withoutCamera = false;
    this.apply({ type: 'reset' });
    this.settle(new Error('reset'));
  }

  remove(): void {
    this.abandon();
    this.settle(new Error('removed'));
    this.view.destroy();
  }

  response(): string {
    return responseOf(this.state);
  }

  expired(): boolean {
    return this.state.kind === 'expired';
  }

  private async run(): Promise<void> {
    const attempt = ++this.attempt;
    const current = () => attempt === this.attempt;
    const capture = new AbortController();
    this.stopCapture = capture;
    let fallbackAllowed = false;
    this.apply({ type: 'start' });
    try {
      const { sitekey } = this.options;
      const challenge = await this.deps.service.issue(this.challengeRequest());
      if (!current()) return;
      if (isTestAnswer(challenge)) return this.succeed(challenge.token, Date.parse(challenge.expiresAt));
      // The service's clock may differ from the visitor's: expiry is measured on the service's clock.
      const skew = Date.parse(challenge.issuedAt) - Date.now();
      fallbackAllowed = challenge.liveness?.fallback === true;
      const work = await this.work(challenge, capture.signal, current);
      if (!current()) return;
      const result = await this.deps.service.submit(challenge.id, sitekey, work.outputs, work.liveness);
      if (!current()) return;
      if (result.status === 'failed') throw new ServiceError(result.reason, knownHints(result.hints));
      this.succeed(result.token, Date.parse(result.expiresAt) - skew);
    } catch (error) {
      if (!current()) return;
      // Whichever half failed, the other one has nothing left to do.
      this.stopWork();
      const failure = failureOf(error);
      // The site withdrew the fallback since it was offered: Retry goes back to its own level.
      if (failure.code === 'level-not-allowed') this.withoutCamera = false;
      this.fail(failure, fallbackAllowed);
    }
  }

  private challengeRequest(): ChallengeRequest {
    const { sitekey, action, cdata } = this.options;
    return {
      sitekey,
      ...(action && { action }),
      ...(cdata && { cdata }),
      ...(this.withoutCamera && { level: 'compute' }),
    };
  }

  private async work(challenge: ChallengeResponseDto, signal: AbortSignal, current: () => boolean): Promise<Work> {
    const { liveness, inference } = challenge;
    if (!liveness && challenge.steps?.includes('liveness')) throw new ServiceError('network-error');
    this.apply({ type: 'challenge-received', count: inference.count, liveness: liveness !== undefined });
    const solving = this.solve(inference, current).then((solved) => {
      if (current()) this.apply({ type: 'outputs-ready' }, { backend: solved.backend, solveMs: Math.round(solved.ms) });
      return solved;
    });
    if (!liveness) return { outputs: (await solving).outputs };
    const capturing = this.capture(challenge.id, { maxAttempts: liveness.maxAttempts }, signal, current).then(
      (proof) => {
        if (current()) this.apply({ type: 'evidence-ready' });
        return proof;
      },
    );
    const [solved, proof] = await Promise.all([solving, capturing]);
    return { outputs: solved.outputs, liveness: proof };
  }

  private async capture(
    challengeId: string,
    offer: LivenessAttemptsOffer,
    signal: AbortSignal,
    current: () => boolean,
  ): Promise<LivenessProof> {
    const runLiveness = await this.deps.liveness.runner();
    // The attempt may have ended while the chunk loaded: then no overlay must open.
    if (signal.aborted) throw new ServiceError('capture-cancelled');
    try {
      return await runLiveness({
        challengeId,
        liveness: { maxAttempts: offer.maxAttempts },
        verdictTexts: this.locale.verdictTexts,
        language: this.locale.language,
        serviceBase: this.deps.liveness.serviceBase,
        signal,
        onPhase: (phase) => {
          if (current()) this.apply({ type: 'liveness-phase', phase });
        },
      });
    } catch (error) {
      if (captureErrorCode(error)) throw error;
      // The service refused an attempt (liveness-failed with hints, an expired challenge, …): as a refused solution.
      const refused = serviceRefusal(error);
      if (refused) throw refused;
      // Not one of the contract's codes: the chunk itself broke, which the visitor can only route around.
      throw new LivenessUnavailableError(error);
    }
  }

  private async solve(task: Parameters<SolverClient['solve']>[0], current: () => boolean): Promise<SolveResult> {
    const handle = this.deps.solver.solve(task, (done) => {
      if (current()) this.apply({ type: 'progress', done });
    });
    this.cancelSolve = handle.cancel;
    try {
      return await handle.result;
    } finally {
      this.cancelSolve = null;
    }
  }

  private succeed(token: string, expiresAtLocal: number): void {
    this.apply({ type: 'token-received', token, expiresAt: expiresAtLocal });
    const delay = Math.max(0, Math.min(expiresAtLocal - Date.now(), 2 ** 31 - 1));
    this.expiryTimer = setTimeout(() => this.expire(), Number.isFinite(delay) ? delay : 0);
    this.call(this.options.callback, token);
    this.emit('peerproof:solved', { token });
    for (const waiter of this.takeWaiters()) waiter.resolve(token);
  }

  private fail({ code, hints }: Failure, fallbackAllowed = false): void {
    this.apply({ type: 'failed', code, hints, fallbackAllowed });
    this.call(this.options.errorCallback, code);
    this.emit('peerproof:error', { code, ...(hints?.length && { hints }) });
    this.settle(new Error(code));
  }

  private expire(): void {
    this.expiryTimer = undefined;
    this.apply({ type: 'expire' });
    this.call(this.options.expiredCallback);
    this.emit('peerproof:expired', {});
  }

  private abandon(): void {
    this.attempt++;
    this.stopWork();
    clearTimeout(this.expiryTimer);
    this.expiryTimer = undefined;
  }

  private stopWork(): void {
    this.stopCapture?.abort();
    this.stopCapture = null;
    this.cancelSolve?.();
    this.cancelSolve = null;
  }

  /** @param extra more detail for the `peerproof:state` event (how the solve went, for sites that measure). */
  private apply(event: WidgetEvent, extra: Record<string, unknown> = {}): void {
    const next = transition(this.state, event);
    if (next === this.state) return;
    this.state = next;
    this.view.render(next);
    const detail: Record<string, unknown> = { state: next.kind, ...extra };
    if (next.kind === 'solving') Object.assign(detail, { done: next.done, count: next.count });
    if (next.kind === 'liveness') Object.assign(detail, { phase: next.phase, done: next.done, count: next.count });
    if (next.kind === 'error') Object.assign(detail, errorDetail(next));
    this.emit('peerproof:state', detail);
  }

  private settle(error: Error): void {
    for (const waiter of this.takeWaiters()) waiter.reject(error);
  }

  private takeWaiters(): Waiter[] {
    const waiters = this.waiters;
    this.waiters = [];
    return waiters;
  }

  private emit(type: string, detail: Record<string, unknown>): void {
    this.container.dispatchEvent(new CustomEvent(type, { bubbles: true, detail: { widgetId: this.id, ...detail } }));
  }

  /** A site's callback, by reference or by global name; its exceptions must not break the widget. */
  private call<A extends unknown[]>(callback: CallbackRef<A> | null, ...args: A): void {
    const fn = typeof callback === 'string' ? (window as unknown as Record<string, unknown>)[callback] : callback;
    if (typeof fn !== 'function') {
      if (callback !== null) console.warn(`peerproof: callback ${String(callback)} is not a function`);
      return;
    }
    try {
      (fn as (...a: A) => void)(...args);
    } catch (error) {
      console.error('peerproof: a site callback threw', error);
    }
  }
}

/** An error's code, with its hints and the fallback offer only where it has them. */
function errorDetail({ code, hints, fallback }: ErrorState): Record<string, unknown> {
  return { code, ...(hints && { hints }), ...(fallback && { fallback }) };
}

/** A LivenessServiceError of the chunk, by shape (the chunk has its own copy of the class). */
function serviceRefusal(error: unknown): ServiceError | null {
  if (!(error instanceof Error) || error.name !== 'LivenessServiceError') return null;
  const { code, hints } = error as { code?: unknown; hints?: unknown };
  return typeof code === 'string' ? new ServiceError(code, knownHints(hints)) : null;
}

function failureOf(error: unknown): Failure {
  if (error instanceof ServiceError) return { code: error.code, hints: error.hints };
  if (error instanceof SolverError || error instanceof LivenessUnavailableError) return { code: error.code };
  return { code: captureErrorCode(error) ?? 'network-error' };
}
