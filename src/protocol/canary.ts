/**
 * Canaries: audit jobs whose right answer the service knows because it planted the faults itself. A canary is
 * a real solution the service's own check passed, with a few outputs of the committee's sample changed so
 * they no longer reproduce. A peer sees the same evidence shape, models and sample seed as any audit; only
 * recomputing the outputs tells them apart, which is the work a peer is paid for.
 */

/** At least this many sampled outputs are faulted, so "everything reproduces" is never within tolerance. */
export const MIN_CANARY_FAULTS = 2;

/** Score changes of a planted fault: far beyond any task tolerance (0.002), small enough to look plausible. */
const MIN_SHIFT = 0.05;
const MAX_SHIFT = 0.3;

export interface PlantedFaults {
  outputs: Array<[number, number]>;
  /** The sampled indices that were changed, ascending. */
  faulted: number[];
}

/**
 * Changes `count` of the sampled outputs (chosen with `randomInt(min, max)`, max exclusive): each keeps its
 * anchor and moves its score by 0.05 to 0.3 toward the middle, rounded to 4 decimals like a real output.
 */
export function plantFaults(
  outputs: ReadonlyArray<readonly [number, number]>,
  sample: readonly number[],
  count: number,
  randomInt: (min: number, max: number) => number,
): PlantedFaults {
  const pool = [...sample];
  const k = Math.min(count, pool.length);
  for (let i = 0; i < k; i++) {
    const j = i + randomInt(0, pool.length - i);
    [pool[i], pool[j]] = [pool[j], pool[i]];
  }
  const faulted = pool.slice(0, k).sort((a, b) => a - b);
  const changed = outputs.map(([anchor, score]) => [anchor, score] as [number, number]);
  for (const index of faulted) {
    const [anchor, score] = changed[index];
    const shift = MIN_SHIFT + randomInt(0, 10_001) * ((MAX_SHIFT - MIN_SHIFT) / 10_000);
    const moved = score >= 0.5 ? score - shift : score + shift;
    changed[index] = [anchor, Math.round(moved * 10_000) / 10_000];
  }
  return { outputs: changed, faulted };
}
