/**
 * Check (c): the prompted actions happen in the script's order, each inside its window. Conventions of the
 * frame summaries (docs/liveness.md): yaw > 0 when the person turns to their own left (the face's nose
 * moves towards the right edge of an unmirrored camera image), pitch > 0 when they look up.
 */
import type { FrameSummary, LivenessScript, PromptAction } from '../../protocol/liveness';
import type { CheckResult } from '../check-result';

interface ActionRule {
  /** How strongly a frame shows the action, in the rule's own units. */
  measure: (frame: FrameSummary) => number;
  /** The action is seen when the measure reaches this… */
  on: number;
  /** …and is at rest (as in the lead-in, before any prompt) below this. */
  rest: number;
}

export const ACTION_RULES: Record<PromptAction, ActionRule> = {
  'turn-left': { measure: (f) => f.yaw, on: 20, rest: 10 },
  'turn-right': { measure: (f) => -f.yaw, on: 20, rest: 10 },
  'look-up': { measure: (f) => f.pitch, on: 15, rest: 8 },
  blink: { measure: (f) => f.blink, on: 0.5, rest: 0.3 },
  smile: { measure: (f) => f.smile, on: 0.5, rest: 0.3 },
  'open-mouth': { measure: (f) => f.jawOpen, on: 0.4, rest: 0.2 },
};

export function checkPrompts(frames: readonly FrameSummary[], script: LivenessScript): CheckResult {
  const reasons = new Set<string>();
  const leadIn = frames.filter((frame) => frame.t < script.prompts[0].start);
  let satisfied = 0;
  let previousOnset = -1;
  for (const prompt of script.prompts) {
    const rule = ACTION_RULES[prompt.action];
    // An action already held before any prompt (a smile kept throughout, a head kept turned) proves nothing.
    const resting = leadIn.filter((frame) => rule.measure(frame) < rule.rest).length;
    const restingBefore = leadIn.length > 0 && resting * 2 >= leadIn.length;
    if (!restingBefore) reasons.add(`${prompt.action}-not-at-rest-before`);
    const onset = frames.find((f) => f.t >= prompt.start && f.t <= prompt.end && rule.measure(f) >= rule.on);
    if (!onset) {
      reasons.add(`${prompt.action}-missing`);
      continue;
    }
    if (onset.t <= previousOnset) reasons.add('prompts-out-of-order');
    previousOnset = onset.t;
    if (restingBefore) satisfied++;
  }
  const score = satisfied / script.prompts.length;
  return { score, status: reasons.size === 0 ? 'pass' : 'fail', reasons: [...reasons] };
}
