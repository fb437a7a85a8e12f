import { describe, expect, it } from '@jest/globals';
import type { FaceMeasures } from '../../src/liveness/analysis/face-analyzer';
import type { AttemptState } from '../../src/liveness/attempts/attempt-state';
import { EMPTY_STATE, mergeCheck } from '../../src/liveness/attempts/attempt-state';
import { attemptHints, attemptVerdict } from '../../src/liveness/attempts/attempt-verdict';
import type { CheckResult } from '../../src/liveness/check-result';
import { unavailable } from '../../src/liveness/check-result';
import { checkPrompt, PROMPT_REACTION_MS, PROMPT_THRESHOLDS } from '../../src/liveness/checks/prompt.check';

const pass: CheckResult = { score: 1, status: 'pass', reasons: [] };
const allPassing = (): AttemptState => ({
  ...EMPTY_STATE,
  checks: {
    face: pass,
    identity: pass,
    prompts: pass,
    flash: pass,
    continuity: pass,
    presentation: pass,
    deepfake: pass,
  },
});

describe('attemptVerdict', () => {
  it('passes an attempt whose every check passed', () => {
    expect(attemptVerdict(allPassing(), 0.6)).toEqual({ passed: true, score: 1, reasons: [], hints: [] });
  });

  it('fails an attempt whose required check could not run, whatever the others score', () => {
    for (const name of ['face', 'identity', 'prompts', 'flash', 'continuity'] as const) {
      const state = allPassing();
      state.checks[name] = unavailable('flash-check-pending');
      const verdict = attemptVerdict(state, 0.6);
      expect(verdict).toMatchObject({ passed: false, score: 0.3 });
      expect(verdict.reasons).toContain('flash-check-pending');
      const missing = allPassing();
      delete missing.checks[name];
      expect(attemptVerdict(missing, 0.6).reasons).toContain(`${name}-not-checked`);
    }
  });

  it('lets a passive check veto only by failing, and leaves a disabled one out of the score', () => {
    const vetoed = allPassing();
    vetoed.checks.presentation = { score: 0.05, status: 'fail', reasons: ['presentation-attack-suspected'] };
    expect(attemptVerdict(vetoed, 0.6)).toMatchObject({ passed: false, hints: ['try-again'] });
    const off = allPassing();
    off.checks.presentation = unavailable('passive-checks-disabled');
    off.checks.deepfake = unavailable('passive-checks-disabled');
    expect(attemptVerdict(off, 0.6)).toMatchObject({ passed: true, score: 1 });
  });

  it('fails below the site threshold with score-below-threshold', () => {
    const state = allPassing();
    state.checks.flash = { score: 0.1, status: 'pass', reasons: [] };
    const verdict = attemptVerdict(state, 0.95);
    expect(verdict).toMatchObject({ passed: false, reasons: ['score-below-threshold'], hints: ['try-again'] });
  });

  it('merges a check over steps: a failure sticks, unavailable beats pass, the lowest score counts', () => {
    const low: CheckResult = { score: 0.4, status: 'pass', reasons: [] };
    expect(mergeCheck(pass, low)).toEqual(low);
    expect(mergeCheck({ score: 0, status: 'fail', reasons: ['identity-mismatch'] }, pass).status).toBe('fail');
    expect(mergeCheck(unavailable('x'), pass)).toEqual({ score: null, status: 'unavailable', reasons: ['x'] });
    expect(mergeCheck(pass, unavailable('x')).status).toBe('unavailable');
  });

  it('tells the visitor what to do, never which model judged', () => {
    expect(attemptHints(['several-faces', 'blink-missing', 'flash-onset-missing', 'frame-mac-invalid'])).toEqual([
      'face-not-found',
      'prompts-missed',
      'flash-not-reflected',
      'evidence-invalid',
    ]);
    expect(attemptHints(['face-swap-suspected'])).toEqual(['try-again']);
  });
});

describe('checkPrompt', () => {
  const rest: FaceMeasures = { yaw: 0, pitch: 0, roll: 0, eyeOpenness: 0.3, mouthOpenness: 0.05, smile: 1.5 };
  const take = (measures: Partial<FaceMeasures>[], from = 0) =>
    measures.map((m, k) => ({ t: from + k * 100, measures: { ...rest, ...m } }));

  it('passes each action seen in the window, from the rest position', () => {
    expect(checkPrompt('turn-left', take([{}, {}, {}, { yaw: 20 }, { yaw: 25 }]), rest).status).toBe('pass');
    expect(checkPrompt('turn-right', take([{}, {}, {}, { yaw: -22 }]), rest).status).toBe('pass');
    expect(checkPrompt('look-up', take([{}, {}, {}, { pitch: 12 }]), rest).status).toBe('pass');
    expect(checkPrompt('blink', take([{}, {}, {}, { eyeOpenness: 0.1 }, {}]), rest).status).toBe('pass');
    expect(checkPrompt('smile', take([{}, {}, {}, { smile: 1.8 }]), rest).status).toBe('pass');
    expect(checkPrompt('open-mouth', take([{}, {}, {}, { mouthOpenness: 0.4 }]), rest).status).toBe('pass');
  });

  it('fails the wrong action, an action already under way before anyone could react, and no baseline', () => {
    expect(checkPrompt('turn-left', take([{}, {}, {}, { yaw: -25 }]), rest)).toMatchObject({
      status: 'fail',
      reasons: ['turn-left-missing'],
    });
    expect(PROMPT_REACTION_MS).toBeGreaterThan(0);
    expect(checkPrompt('smile', take([{ smile: 1.9 }, {}, {}, { smile: 1.9 }]), rest).reasons).toEqual([
      'smile-not-at-rest-before',
    ]);
    // Half-way before the reveal and no further after it: the clip did not answer this prompt.
    const halfway = { yaw: 0.6 * PROMPT_THRESHOLDS.turnDegrees };
    const turned = { yaw: 1.05 * PROMPT_THRESHOLDS.turnDegrees };
    expect(checkPrompt('turn-left', take([halfway, {}, {}, turned]), rest).reasons).toEqual([
      'turn-left-not-at-rest-before',
    ]);
  });

  it('passes a visitor still coming back from the previous prompt who then does this one', () => {
    const halfway = { yaw: 0.6 * PROMPT_THRESHOLDS.turnDegrees };
    const turned = { yaw: 1.3 * PROMPT_THRESHOLDS.turnDegrees };
    expect(checkPrompt('turn-left', take([halfway, {}, {}, turned]), rest).status).toBe('pass');
    expect(checkPrompt('blink', take([{}, {}, {}, { eyeOpenness: 0.1 }]), null).reasons).toEqual([
      'prompt-no-baseline',
    ]);
    expect(checkPrompt('blink', take([{}]), rest).reasons).toEqual(['prompt-not-measured']);
  });

  it('reads an expression before the reaction time only on frames facing as at rest', () => {
    // Coming back from a 40° turn, the mouth of a turned face read as open: not an open mouth held early.
    const returning = { yaw: 25, mouthOpenness: 0.4 };
    expect(checkPrompt('open-mouth', take([returning, {}, {}, { mouthOpenness: 0.4 }]), rest).status).toBe('pass');
    // The same reading on a frame that faces the camera is the action done before the reveal.
    const early = { yaw: 5, mouthOpenness: 0.4 };
    expect(checkPrompt('open-mouth', take([early, {}, {}, { mouthOpenness: 0.4 }]), rest).reasons).toEqual([
      'open-mouth-not-at-rest-before',
    ]);
    // A head movement is judged on every early frame, turned or not.
    const turned = { yaw: 1.05 * PROMPT_THRESHOLDS.turnDegrees };
    expect(checkPrompt('turn-left', take([turned, {}, {}, turned]), rest).reasons).toEqual([
      'turn-left-not-at-rest-before',
    ]);
  });
});
