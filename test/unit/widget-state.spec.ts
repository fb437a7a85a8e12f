import { describe, expect, it } from '@jest/globals';
import type { WidgetEvent, WidgetState } from '../../widget/src/widget-state';
import {
  INITIAL_STATE,
  canStart,
  isBusy,
  progressPercent,
  responseOf,
  transition,
} from '../../widget/src/widget-state';

/** Runs a sequence of events from the initial state. */
function run(...events: WidgetEvent[]): WidgetState {
  return events.reduce(transition, INITIAL_STATE);
}

const solvedAt = (expiresAt = 1000): WidgetEvent[] => [
  { type: 'start' },
  { type: 'challenge-received', count: 64 },
  { type: 'progress', done: 64 },
  { type: 'outputs-ready' },
  { type: 'token-received', token: 'ppt_x', expiresAt },
];

describe('widget state machine', () => {
  it('walks idle → fetching-challenge → solving → verifying → solved', () => {
    const states = [INITIAL_STATE];
    for (const event of solvedAt()) states.push(transition(states[states.length - 1], event));

    expect(states.map((state) => state.kind)).toEqual([
      'idle',
      'fetching-challenge',
      'solving',
      'solving',
      'verifying',
      'solved',
    ]);
    expect(states[5]).toEqual({ kind: 'solved', token: 'ppt_x', expiresAt: 1000 });
  });

  it('goes straight from fetching-challenge to solved for the test sitekey’s token', () => {
    const sut = run({ type: 'start' }, { type: 'token-received', token: 'ppt_test.DUMMY.TOKEN', expiresAt: 5 });

    expect(sut).toEqual({ kind: 'solved', token: 'ppt_test.DUMMY.TOKEN', expiresAt: 5 });
  });

  it('counts progress forward only, and never past the count', () => {
    const solving = run({ type: 'start' }, { type: 'challenge-received', count: 10 });

    expect(transition(solving, { type: 'progress', done: 4 })).toEqual({ kind: 'solving', done: 4, count: 10 });
    const at4 = transition(solving, { type: 'progress', done: 4 });
    expect(transition(at4, { type: 'progress', done: 2 })).toBe(at4);
    expect(transition(at4, { type: 'progress', done: 99 })).toEqual({ kind: 'solving', done: 10, count: 10 });
    expect(transition(at4, { type: 'progress', done: Number.NaN })).toBe(at4);
  });

  it.each(['fetching-challenge', 'solving', 'verifying'])('fails from %s with the code', (kind) => {
    const path: WidgetEvent[] = [
      { type: 'start' },
      { type: 'challenge-received', count: 8 },
      { type: 'outputs-ready' },
    ];
    const steps = { 'fetching-challenge': 1, solving: 2, verifying: 3 }[kind] ?? 0;
    const busy = run(...path.slice(0, steps));
    expect(busy.kind).toBe(kind);

    expect(transition(busy, { type: 'failed', code: 'network-error' })).toEqual({
      kind: 'error',
      code: 'network-error',
    });
  });

  it('expires only a solved state, and starts again from expired or error', () => {
    const expired = transition(run(...solvedAt()), { type: 'expire' });
    expect(expired).toEqual({ kind: 'expired' });
    expect(transition(expired, { type: 'start' })).toEqual({ kind: 'fetching-challenge' });

    const errored = run({ type: 'start' }, { type: 'failed', code: 'rate-limited' });
    expect(transition(errored, { type: 'start' })).toEqual({ kind: 'fetching-challenge' });

    const solving = run({ type: 'start' }, { type: 'challenge-received', count: 4 });
    expect(transition(solving, { type: 'expire' })).toBe(solving);
  });

  it('ignores events that do not apply, so an abandoned attempt cannot come back', () => {
    const idle = INITIAL_STATE;
    const late: WidgetEvent[] = [
      { type: 'challenge-received', count: 3 },
      { type: 'progress', done: 1 },
      { type: 'outputs-ready' },
      { type: 'token-received', token: 'ppt_late', expiresAt: 1 },
      { type: 'failed', code: 'network-error' },
      { type: 'expire' },
    ];
    for (const event of late) expect(transition(idle, event)).toBe(idle);

    const solved = run(...solvedAt());
    expect(transition(solved, { type: 'start' })).toBe(solved);
    expect(transition(solved, { type: 'failed', code: 'x' })).toBe(solved);
  });

  it('resets to idle from every state', () => {
    const states: WidgetState[] = [
      run({ type: 'start' }),
      run({ type: 'start' }, { type: 'challenge-received', count: 2 }),
      run(...solvedAt()),
      run({ type: 'start' }, { type: 'failed', code: 'x' }),
      transition(run(...solvedAt()), { type: 'expire' }),
    ];
    for (const state of states) expect(transition(state, { type: 'reset' })).toEqual(INITIAL_STATE);
    expect(transition(INITIAL_STATE, { type: 'reset' })).toBe(INITIAL_STATE);
  });

  it('knows when a check runs and when one may start', () => {
    expect([isBusy(INITIAL_STATE), canStart(INITIAL_STATE)]).toEqual([false, true]);
    const solving = run({ type: 'start' }, { type: 'challenge-received', count: 2 });
    expect([isBusy(solving), canStart(solving)]).toEqual([true, false]);
    const solved = run(...solvedAt());
    expect([isBusy(solved), canStart(solved)]).toEqual([false, false]);
  });

  it('reports progress in whole percent and the token only while solved', () => {
    const solving = run({ type: 'start' }, { type: 'challenge-received', count: 3 }, { type: 'progress', done: 1 });
    expect(progressPercent(solving)).toBe(33);
    expect(progressPercent(INITIAL_STATE)).toBe(0);
    expect(progressPercent(run(...solvedAt()))).toBe(100);
    expect(progressPercent(run({ type: 'start' }, { type: 'challenge-received', count: 0 }))).toBe(100);

    expect(responseOf(run(...solvedAt()))).toBe('ppt_x');
    expect(responseOf(transition(run(...solvedAt()), { type: 'expire' }))).toBe('');
  });

  describe('liveness', () => {
    const livenessAt = (count = 8): WidgetEvent[] => [
      { type: 'start' },
      { type: 'challenge-received', count, liveness: true },
    ];

    it('starts in the intro phase with the inference solving alongside', () => {
      const sut = run(...livenessAt(), { type: 'progress', done: 3 });

      expect(sut).toEqual({ kind: 'liveness', phase: 'intro', done: 3, count: 8, inferenceDone: false });
      expect([isBusy(sut), canStart(sut), progressPercent(sut)]).toEqual([true, false, 37]);
    });

    it('moves through the phases forward only, ignoring ones it does not know', () => {
      const camera = run(...livenessAt(), { type: 'liveness-phase', phase: 'camera' });
      const script = transition(camera, { type: 'liveness-phase', phase: 'script' });

      expect(camera).toMatchObject({ kind: 'liveness', phase: 'camera' });
      expect(script).toMatchObject({ kind: 'liveness', phase: 'script' });
      expect(transition(script, { type: 'liveness-phase', phase: 'guidance' })).toBe(script);
      expect(transition(script, { type: 'liveness-phase', phase: 'script' })).toBe(script);
      expect(transition(script, { type: 'liveness-phase', phase: 'selfie' })).toBe(script);
      expect(transition(run(...solvedAt()), { type: 'liveness-phase', phase: 'done' })).toEqual(run(...solvedAt()));
    });

    it('shows the rest of the solve when the capture ends first, then verifies', () => {
      const captured = run(...livenessAt(10), { type: 'progress', done: 4 }, { type: 'evidence-ready' });
      expect(captured).toEqual({ kind: 'solving', done: 4, count: 10 });

      const done = transition(transition(captured, { type: 'progress', done: 10 }), { type: 'outputs-ready' });
      expect(done).toEqual({ kind: 'verifying' });
    });

    it('stays in the overlay when the solve ends first, and verifies once the capture ends', () => {
      const solvedFirst = run(...livenessAt(), { type: 'progress', done: 8 }, { type: 'outputs-ready' });
      expect(solvedFirst).toMatchObject({ kind: 'liveness', inferenceDone: true });
      expect(transition(solvedFirst, { type: 'outputs-ready' })).toBe(solvedFirst);

      expect(transition(solvedFirst, { type: 'evidence-ready' })).toEqual({ kind: 'verifying' });
    });

    it('ignores evidence outside the overlay, so a late capture cannot skip the solve', () => {
      const solving = run({ type: 'start' }, { type: 'challenge-received', count: 4 });
      expect(transition(solving, { type: 'evidence-ready' })).toBe(solving);
      expect(transition(INITIAL_STATE, { type: 'evidence-ready' })).toBe(INITIAL_STATE);
    });

    it('keeps the service’s hints on liveness-failed, without repeats', () => {
      const verifying = run(...livenessAt(), { type: 'outputs-ready' }, { type: 'evidence-ready' });
      const sut = transition(verifying, {
        type: 'failed',
        code: 'liveness-failed',
        hints: ['flash-not-reflected', 'try-again', 'flash-not-reflected'],
        fallbackAllowed: true,
      });

      expect(sut).toEqual({ kind: 'error', code: 'liveness-failed', hints: ['flash-not-reflected', 'try-again'] });
    });

    it.each(['camera-denied', 'camera-not-found', 'capture-cancelled', 'liveness-unavailable'])(
      'offers the fallback after %s only when the challenge allowed it',
      (code) => {
        const overlay = run(...livenessAt(), { type: 'liveness-phase', phase: 'camera' });

        expect(transition(overlay, { type: 'failed', code, fallbackAllowed: true })).toEqual({
          kind: 'error',
          code,
          fallback: true,
        });
        expect(transition(overlay, { type: 'failed', code, fallbackAllowed: false })).toEqual({ kind: 'error', code });
      },
    );

    it('offers no fallback for errors a camera would not avoid, and no hints outside liveness-failed', () => {
      const overlay = run(...livenessAt());

      for (const code of ['network-error', 'rate-limited', 'model-integrity', 'liveness-failed']) {
        expect(transition(overlay, { type: 'failed', code, fallbackAllowed: true })).toEqual({ kind: 'error', code });
      }
      expect(transition(overlay, { type: 'failed', code: 'camera-denied', hints: ['try-again'] })).toEqual({
        kind: 'error',
        code: 'camera-denied',
      });
    });

    it('resets from the overlay, and an abandoned overlay’s late events change nothing', () => {
      const overlay = run(...livenessAt(), { type: 'liveness-phase', phase: 'script' });
      const idle = transition(overlay, { type: 'reset' });
      expect(idle).toEqual(INITIAL_STATE);

      const late: WidgetEvent[] = [
        { type: 'liveness-phase', phase: 'done' },
        { type: 'evidence-ready' },
        { type: 'outputs-ready' },
        { type: 'failed', code: 'capture-cancelled', fallbackAllowed: true },
      ];
      for (const event of late) expect(transition(idle, event)).toBe(idle);
      const retried = run(...livenessAt(), { type: 'failed', code: 'camera-denied' }, { type: 'start' });
      for (const event of late.slice(0, 3)) expect(transition(retried, event)).toBe(retried);
    });
  });
});
