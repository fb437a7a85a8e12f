/**
 * The widget's state machine, pure (no DOM, no network) so every transition is unit-tested and the view
 * only renders whatever state it is handed:
 *
 *   idle → fetching-challenge → solving(done/count) → verifying → solved → expired
 *   fetching-challenge → liveness(phase, done/count) → [solving →] verifying      (a liveness challenge)
 *   fetching-challenge | liveness | solving | verifying → error;   error | expired → fetching-challenge
 *   any → idle (reset)
 *
 * During `liveness` the worker keeps solving the inference: when the capture ends first the widget shows
 * the rest of the solve, when the solve ends first it goes straight to verifying once the capture does.
 *
 * An event that does not apply to the current state returns the same state object, so late results of an
 * abandoned attempt (a worker message after a reset) cannot resurrect it.
 */
import type { LivenessHint } from '../../src/protocol/challenge-wire';
import type { RunLivenessOptions } from './liveness-contract';
import { CAPTURE_ERROR_CODES } from './liveness-contract';

export type LivenessPhase = Parameters<NonNullable<RunLivenessOptions['onPhase']>>[0];

/** The overlay's phases in the order it passes them; the widget's phase never moves backwards. */
export const LIVENESS_PHASES: readonly LivenessPhase[] = ['intro', 'camera', 'guidance', 'script', 'done'];

export type WidgetState =
  | { kind: 'idle' }
  | { kind: 'fetching-challenge' }
  | { kind: 'liveness'; phase: LivenessPhase; done: number; count: number; inferenceDone: boolean }
  | { kind: 'solving'; done: number; count: number }
  | { kind: 'verifying' }
  | { kind: 'solved'; token: string; expiresAt: number }
  | ErrorState
  | { kind: 'expired' };

/**
 * `hints` only for `liveness-failed` (what to do better); `fallback: true` only when the challenge allowed
 * the camera-less fallback and the error is one a visitor without a usable camera runs into.
 */
export interface ErrorState {
  kind: 'error';
  code: string;
  hints?: LivenessHint[];
  fallback?: true;
}

export type WidgetStateKind = WidgetState['kind'];

export type WidgetEvent =
  | { type: 'start' }
  | { type: 'challenge-received'; count: number; liveness?: boolean }
  | { type: 'liveness-phase'; phase: string }
  | { type: 'progress'; done: number }
  | { type: 'outputs-ready' }
  | { type: 'evidence-ready' }
  | { type: 'token-received'; token: string; expiresAt: number }
  | { type: 'failed'; code: string; hints?: readonly LivenessHint[]; fallbackAllowed?: boolean }
  | { type: 'expire' }
  | { type: 'reset' };

/** Errors after which "Continue without camera" makes sense: the capture could not run or was declined. */
const FALLBACK_CODES: ReadonlySet<string> = new Set([...CAPTURE_ERROR_CODES, 'liveness-unavailable']);

export const INITIAL_STATE: WidgetState = { kind: 'idle' };

/** States in which a check is running: a click or `execute` then has nothing to start. */
export function isBusy(state: WidgetState): boolean {
  return (
    state.kind === 'fetching-challenge' ||
    state.kind === 'liveness' ||
    state.kind === 'solving' ||
    state.kind === 'verifying'
  );
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
      return state.kind === 'fetching-challenge' ? firstWorkState(event.count, event.liveness === true) : state;
    case 'liveness-phase':
      return state.kind === 'liveness' ? withPhase(state, event.phase) : state;
    case 'progress':
      return state.kind === 'solving' || state.kind === 'liveness' ? withProgress(state, event.done) : state;
    case 'outputs-ready':
      if (state.kind === 'liveness') return state.inferenceDone ? state : { ...state, inferenceDone: true };
      return state.kind === 'solving' ? { kind: 'verifying' } : state;
    case 'evidence-ready':
      if (state.kind !== 'liveness') return state;
      return state.inferenceDone ? { kind: 'verifying' } : { kind: 'solving', done: state.done, count: state.count };
    case 'token-received':
      // The test sitekey answers the challenge request with a token directly, skipping the work.
      return state.kind === 'verifying' || state.kind === 'fetching-challenge'
        ? { kind: 'solved', token: event.token, expiresAt: event.expiresAt }
        : state;
    case 'failed':
      return isBusy(state) ? errorState(event) : state;
    case 'expire':
      return state.kind === 'solved' ? { kind: 'expired' } : state;
  }
}

function firstWorkState(count: number, liveness: boolean): WidgetState {
  const solving = { done: 0, count: wholeNumber(count) };
  return liveness
    ? { kind: 'liveness', phase: 'intro', inferenceDone: false, ...solving }
    : { kind: 'solving', ...solving };
}

/** Progress only moves forward and never past the count, whatever order worker messages arrive in. */
function withProgress<S extends { done: number; count: number }>(state: S, done: number): S {
  const next = Math.min(state.count, Math.max(state.done, wholeNumber(done)));
  return next === state.done ? state : { ...state, done: next };
}

/** A phase the contract does not name, or one the overlay has already passed, changes nothing. */
function withPhase(state: Extract<WidgetState, { kind: 'liveness' }>, phase: string): WidgetState {
  const next = LIVENESS_PHASES.indexOf(phase as LivenessPhase);
  return next > LIVENESS_PHASES.indexOf(state.phase) ? { ...state, phase: LIVENESS_PHASES[next] } : state;
}

function errorState(event: Extract<WidgetEvent, { type: 'failed' }>): ErrorState {
  const error: ErrorState = { kind: 'error', code: event.code };
  if (event.code === 'liveness-failed' && event.hints?.length) error.hints = [...new Set(event.hints)];
  if (event.fallbackAllowed === true && FALLBACK_CODES.has(event.code)) error.fallback = true;
  return error;
}

function wholeNumber(value: number): number {
  return Number.isFinite(value) && value > 0 ? Math.floor(value) : 0;
}

/** Progress in whole percent, for the progress bar and its aria-valuenow. */
export function progressPercent(state: WidgetState): number {
  if (state.kind === 'solved') return 100;
  if (state.kind !== 'solving' && state.kind !== 'liveness') return state.kind === 'verifying' ? 100 : 0;
  return state.count === 0 ? 100 : Math.floor((state.done / state.count) * 100);
}

/** The current token, or '' (reCAPTCHA's getResponse answer when there is none). */
export function responseOf(state: WidgetState): string {
  return state.kind === 'solved' ? state.token : '';
}
