/**
 * One rendered widget: drives the state machine through a check (challenge, worker, solution), keeps the
 * view and the hidden fields in step, and tells the site through callbacks and DOM events.
 */
import { ServiceError, isTestAnswer } from './service-client';
import type { ServiceClient } from './service-client';
import type { SolveResult, SolverClient } from './solver-client';
import { SolverError } from './solver-client';
import type { CallbackRef, WidgetOptions } from './widget-options';
import type { WidgetEvent, WidgetState } from './widget-state';
import { INITIAL_STATE, canStart, responseOf, transition } from './widget-state';
import type { WidgetView } from './widget-view';

export interface ControllerDeps {
  service: ServiceClient;
  solver: SolverClient;
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
  private expiryTimer: ReturnType<typeof setTimeout> | undefined;
  private waiters: Waiter[] = [];
  private warmed = false;

  constructor(
    readonly id: string,
    readonly container: HTMLElement,
    private readonly options: WidgetOptions,
    private readonly deps: ControllerDeps,
    private readonly view: WidgetView,
  ) {
    view.render(this.state);
  }

  /** The checkbox: starts a check from idle, error or expired; ignored while one runs or after success. */
  activate(): void {
    if (canStart(this.state)) void this.run();
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

  private async run(): Promise<void> {
    const attempt = ++this.attempt;
    const current = () => attempt === this.attempt;
    this.apply({ type: 'start' });
    try {
      const { sitekey, action, cdata } = this.options;
      const challenge = await this.deps.service.issue({ sitekey, ...(action && { action }), ...(cdata && { cdata }) });
      if (!current()) return;
      if (isTestAnswer(challenge)) return this.succeed(challenge.token, Date.parse(challenge.expiresAt));
      // The service's clock may differ from the visitor's: expiry is measured on the service's clock.
      const skew = Date.parse(challenge.issuedAt) - Date.now();
      this.apply({ type: 'challenge-received', count: challenge.inference.count });
      const solved = await this.solve(challenge.inference, current);
      if (!current()) return;
      this.apply({ type: 'outputs-ready' }, { backend: solved.backend, solveMs: Math.round(solved.ms) });
      const result = await this.deps.service.submit(challenge.id, sitekey, solved.outputs);
      if (!current()) return;
      if (result.status === 'failed') throw new ServiceError(result.reason);
      this.succeed(result.token, Date.parse(result.expiresAt) - skew);
    } catch (error) {
      if (current()) this.fail(errorCode(error));
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

  private fail(code: string): void {
    this.apply({ type: 'failed', code });
    this.call(this.options.errorCallback, code);
    this.emit('peerproof:error', { code });
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
    this.cancelSolve?.();
    this.cancelSolve = null;
    clearTimeout(this.expiryTimer);
    this.expiryTimer = undefined;
  }

  /** @param extra more detail for the `peerproof:state` event (how the solve went, for sites that measure). */
  private apply(event: WidgetEvent, extra: Record<string, unknown> = {}): void {
    const next = transition(this.state, event);
    if (next === this.state) return;
    this.state = next;
    this.view.render(next);
    const detail: Record<string, unknown> = { state: next.kind, ...extra };
    if (next.kind === 'solving') Object.assign(detail, { done: next.done, count: next.count });
    if (next.kind === 'error') detail.code = next.code;
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

function errorCode(error: unknown): string {
  if (error instanceof ServiceError || error instanceof SolverError) return error.code;
  return 'network-error';
}
