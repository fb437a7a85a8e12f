/**
 * The widget's state machine, pure (no DOM, no network) so every transition is unit-tested and the view
 * only renders whatever state it is handed:
 *
 *   idle → fetching-challenge → solving(done/count) → verifying → solved → expired
 *   fetching-challenge | solving | verifying → error;   error | expired → fetching-challenge (retry)
 *   any → idle (reset)
 *
 * An event that does not apply to the current state returns the same state object, so late results of an
 * abandoned attempt (a worker message after a reset) cannot resurrect it.
 */

export type WidgetState =
  | { kind: 'idle' }
  | { kind: 'fetching-challenge' }
  | { kind: 'solving'; done: number; count: number }
  | { kind: 'verifying' }
  | { kind: 'solved'; token: string; expiresAt: number }
  | { kind: 'error'; code: string }
  | { kind: 'expired' };

export type WidgetStateKind = WidgetState['kind'];

export type WidgetEvent =
  | { type: 'start' }
  | { type: 'challenge-received'; count: number }
  | { type: 'progress'; done: number }
  | { type: 'outputs-ready' }
  | { type: 'token-received'; token: string; expiresAt: number }
  | { type: 'failed'; code: string }
  | { type: 'expire' }
  | { type: 'reset' };

export const INITIAL_STATE: WidgetState = { kind: 'idle' };

/** States in which a check is running: a click or `execute` then has nothing to start. */
export function isBusy(state: WidgetState): boolean {
  return state.kind === 'fetching-challenge' || state.kind === 'solving' || state.kind === 'verifying';
}

/** States from which a click or `execute` starts a new attempt. */
export function canStart(state: WidgetState): boolean {
  return state.kind === 'idle' || state.kind === 'error' || state.kind === 'expired';
}

export function transition(state: WidgetState, event: WidgetEvent): WidgetState {
  switch (event.type) {
    case 'reset':
      return state.kind === 'idle' ? state : INITIAL_STATE;
    case 'start':
      return canStart(state) ? { kind: 'fetching-challenge' } : state;
    case 'challenge-received':
      return state.kind === 'fetching-challenge'
        ? { kind: 'solving', done: 0, count: wholeNumber(event.count) }
        : state;
    case 'progress':
      return state.kind === 'solving' ? withProgress(state, event.done) : state;
    case 'outputs-ready':
      return state.kind === 'solving' ? { kind: 'verifying' } : state;
    case 'token-received':
      // The test sitekey answers the challenge request with a token directly, skipping the work.
      return state.kind === 'verifying' || state.kind === 'fetching-challenge'
        ? { kind: 'solved', token: event.token, expiresAt: event.expiresAt }
        : state;
    case 'failed':
      return isBusy(state) ? { kind: 'error', code: event.code } : state;
    case 'expire':
      return state.kind === 'solved' ? { kind: 'expired' } : state;
  }
}

/** Progress only moves forward and never past the count, whatever order worker messages arrive in. */
function withProgress(state: Extract<WidgetState, { kind: 'solving' }>, done: number): WidgetState {
  const next = Math.min(state.count, Math.max(state.done, wholeNumber(done)));
  return next === state.done ? state : { ...state, done: next };
}

function wholeNumber(value: number): number {
  return Number.isFinite(value) && value > 0 ? Math.floor(value) : 0;
}

/** Progress in whole percent, for the progress bar and its aria-valuenow. */
export function progressPercent(state: WidgetState): number {
  if (state.kind === 'solved') return 100;
  if (state.kind !== 'solving') return state.kind === 'verifying' ? 100 : 0;
  return state.count === 0 ? 100 : Math.floor((state.done / state.count) * 100);
}

/** The current token, or '' (reCAPTCHA's getResponse answer when there is none). */
export function responseOf(state: WidgetState): string {
  return state.kind === 'solved' ? state.token : '';
}
