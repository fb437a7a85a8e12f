/**
 * Verdict reasons grouped by the check that gave them, for evaluations and the attack regression test: which
 * checks stopped an attack. A reason saying that a check did not run belongs to no family.
 */
export const REASON_FAMILIES = {
  prompt: /^(?:prompt|blink|smile|open-mouth|turn-left|turn-right|look-up|not-at-rest)/,
  flash: /^flash-/,
  continuity: /^continuity-/,
  identity: /^identity-mismatch/,
  deepfake: /^(?:deepfake|presentation)-/,
} as const;

export type ReasonFamily = keyof typeof REASON_FAMILIES;

/** "too-few-frames" counts as not run: what a check says when the face analysis found no faces to measure. */
const NOT_RUN =
  /pending|not-installed|not-checked|not-measured|no-baseline|unavailable|disabled|analysis-error|too-few-frames/;

/** The families of the checks that failed, sorted. */
export function familiesOf(reasons: readonly string[]): ReasonFamily[] {
  const found = new Set<ReasonFamily>();
  for (const reason of reasons) {
    if (NOT_RUN.test(reason)) continue;
    for (const [family, pattern] of Object.entries(REASON_FAMILIES) as [ReasonFamily, RegExp][]) {
      if (pattern.test(reason)) found.add(family);
    }
  }
  return [...found].sort();
}
